//! The registry's objects: sessions (with their categories and deadline rules), deputies
//! and handling units, and the `Node` interface every refetchable object implements.

use async_graphql::Interface;
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entity::{deputy, handling_unit, session};

use crate::domain::category::CategoryScheme;
use crate::graphql::enums;
use crate::graphql::error::internal;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::*;
use crate::graphql::objects::*;
use crate::graphql::scalars::{Date, DateTime};

/// An object with a global ID, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    Session(Session),
    Deputy(Deputy),
    HandlingUnit(HandlingUnit),
    Suggestion(Suggestion),
    Assignment(Assignment),
    Reply(Reply),
    ReturnRequest(ReturnRequest),
    ExtensionRequest(ExtensionRequest),
    Filing(crate::graphql::objects::Filing),
    ProgressReport(crate::graphql::objects::ProgressReport),
    Notification(crate::graphql::objects::Notification),
    Attachment(crate::graphql::objects::Attachment),
    User(crate::graphql::objects::User),
    PublicFeedback(crate::graphql::objects::PublicFeedback),
}

/// One allowed reply category of a session, with its label and definition.
#[derive(SimpleObject)]
pub struct CategoryDefinition {
    pub code: enums::ReplyCategory,
    pub label: String,
    pub definition: String,
}

/// The deadline rules in force for a session (docs/domain.md §4).
#[derive(SimpleObject)]
pub struct DeadlineRules {
    /// Reply by the lead / separate / sole unit, calendar months from assignment.
    pub reply_months: i32,
    /// Hard cap with extensions, calendar months from assignment.
    pub hard_cap_months: i32,
    /// Co-handler's opinion to the lead unit, calendar months from assignment.
    pub co_handler_opinion_months: i32,
    /// Request to return a wrong assignment, working days from assignment.
    pub return_window_working_days: i32,
    /// Reply after an UNSATISFIED rating, calendar months from the re-handling start.
    pub rehandling_months: i32,
    /// Publication after the reply, working days from the reply date.
    pub publication_working_days: i32,
    /// Deputy's rating after the reply, working days.
    pub rating_working_days: i32,
    /// "Due soon" warning window, calendar days before the due date.
    pub due_soon_days: i32,
    /// Whether a period ending on a non-working day moves to the next working day.
    pub roll_to_next_working_day: bool,
}

fn small(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<crate::domain::deadline::DeadlineRules> for DeadlineRules {
    fn from(r: crate::domain::deadline::DeadlineRules) -> Self {
        Self {
            reply_months: small(r.reply_months),
            hard_cap_months: small(r.hard_cap_months),
            co_handler_opinion_months: small(r.co_handler_opinion_months),
            return_window_working_days: small(r.return_window_working_days),
            rehandling_months: small(r.rehandling_months),
            publication_working_days: small(r.publication_working_days),
            rating_working_days: small(r.rating_working_days),
            due_soon_days: small(r.due_soon_days),
            roll_to_next_working_day: r.roll_to_next_working_day,
        }
    }
}

/// A congress session (会议), e.g. 省人大十三届五次会议.
pub struct Session(pub session::Model);

#[Object]
impl Session {
    async fn id(&self) -> ID {
        encode(Kind::Session, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn level(&self) -> enums::SessionLevel {
        self.0.level.into()
    }
    /// 届
    async fn term(&self) -> i32 {
        self.0.term
    }
    /// 次
    async fn meeting(&self) -> i32 {
        self.0.meeting
    }
    async fn opens_on(&self) -> Option<Date> {
        self.0.opens_on.map(Date)
    }
    async fn closes_on(&self) -> Option<Date> {
        self.0.closes_on.map(Date)
    }
    /// The last day invited deputies may confirm co-signing a filing (联名确认截止); null:
    /// until the office screens it.
    async fn co_sign_deadline(&self) -> Option<Date> {
        self.0.co_sign_deadline.map(Date)
    }
    /// Replies go to the office for review before they are sent to the deputy (答复审核).
    async fn review_before_release(&self) -> bool {
        self.0.review_before_release
    }
    /// A reply counts only with its signed letter (答复函盖章件): `submitReply` waits until
    /// a REPLY_LETTER is uploaded to the assignment.
    async fn reply_requires_signed_letter(&self) -> bool {
        self.0.reply_requires_signed_letter
    }
    /// The reply categories this session allows.
    #[graphql(complexity = "crate::graphql::cost::categories(child_complexity)")]
    async fn category_scheme(&self) -> Vec<CategoryDefinition> {
        CategoryScheme::stored(&self.0.category_scheme)
            .0
            .into_iter()
            .map(|d| CategoryDefinition {
                code: d.code.into(),
                label: d.label,
                definition: d.definition,
            })
            .collect()
    }
    async fn deadline_rules(&self) -> DeadlineRules {
        crate::domain::deadline::DeadlineRules::stored(&self.0.deadline_rules).into()
    }
    /// The days before a due date at which the session's units are told a case is due
    /// soon, farthest first; null: the deployment's default (`reminder_due_soon_days`,
    /// 15, 5 and 1 unless configured).
    async fn reminder_days(&self) -> Option<Vec<i32>> {
        let days: Vec<u32> = serde_json::from_value(self.0.reminder_days.clone()?).ok()?;
        Some(
            days.into_iter()
                .filter_map(|d| i32::try_from(d).ok())
                .collect(),
        )
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// A deputy (代表) or CPPCC member (委员).
pub struct Deputy(pub deputy::Model);

#[Object]
impl Deputy {
    async fn id(&self) -> ID {
        encode(Kind::Deputy, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 代表团
    async fn delegation(&self) -> Option<&str> {
        self.0.delegation.as_deref()
    }
    /// Private contact phone: for the office, the deputy, and units that handle one of
    /// the deputy's suggestions; null for anyone else.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if contact_visible(ctx, self.0.id).await? {
            self.0.phone.as_deref()
        } else {
            None
        })
    }
    /// Private address, shown like `phone`.
    async fn address(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if contact_visible(ctx, self.0.id).await? {
            self.0.address.as_deref()
        } else {
            None
        })
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Whether the caller may see a deputy's phone and address (docs/domain.md §7).
async fn contact_visible(ctx: &Context<'_>, deputy_id: i64) -> Result<bool> {
    use crate::domain::access::Scope;
    match crate::graphql::access::scope(ctx) {
        Scope::All => Ok(true),
        Scope::Deputy(own) => Ok(own == deputy_id),
        Scope::Nothing => Ok(false),
        Scope::Unit(_) => loader(ctx)?
            .load_one(DeputyInScope(deputy_id))
            .await
            .map(|found| found.is_some())
            .map_err(|e| internal(ctx, &e)),
    }
}

/// A handling unit (承办单位).
pub struct HandlingUnit(pub handling_unit::Model);

#[Object]
impl HandlingUnit {
    async fn id(&self) -> ID {
        encode(Kind::HandlingUnit, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Short stable code used by imports and exports.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The office phone of the unit (public on published replies).
    async fn office_phone(&self) -> Option<&str> {
        self.0.office_phone.as_deref()
    }
    /// The day an institutional reform dissolved it (机构改革); a retired unit receives no
    /// new assignments.
    async fn retired_on(&self) -> Option<Date> {
        self.0.retired_on.map(Date)
    }
    /// The unit that took its work over.
    async fn successor(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        match self.0.successor_id {
            Some(id) => Ok(Some(HandlingUnit(
                must(ctx, UnitKey(id), "successor unit").await?,
            ))),
            None => Ok(None),
        }
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        match self.0.parent_id {
            Some(id) => Ok(Some(HandlingUnit(
                must(ctx, UnitKey(id), "parent unit").await?,
            ))),
            None => Ok(None),
        }
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}
