//! The registry's mutations: sessions (with their categories and deadline rules),
//! deputies and handling units, and moving open assignments when a unit is dissolved.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

use super::{patch_of, payload};
use crate::graphql::access::{Allow, ADMIN, OFFICE};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, UserErrorObject};
use crate::graphql::idempotency::{stored, Idempotent};
use crate::graphql::ids::{self, Decoder, Kind};
use crate::graphql::limits::{max_items, MaxItems};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self};

#[derive(Default)]
pub struct RegistryMutation;

/// Optional overrides of the default deadline rules (docs/domain.md §4).
#[derive(InputObject, Default)]
pub struct DeadlineRulesInput {
    pub reply_months: Option<u32>,
    pub hard_cap_months: Option<u32>,
    pub co_handler_opinion_months: Option<u32>,
    pub return_window_working_days: Option<u32>,
    pub rehandling_months: Option<u32>,
    pub publication_working_days: Option<u32>,
    pub rating_working_days: Option<u32>,
    pub due_soon_days: Option<u32>,
    pub roll_to_next_working_day: Option<bool>,
}

impl DeadlineRulesInput {
    fn patch(self) -> crate::domain::deadline::RulesPatch {
        crate::domain::deadline::RulesPatch {
            reply_months: self.reply_months,
            hard_cap_months: self.hard_cap_months,
            co_handler_opinion_months: self.co_handler_opinion_months,
            return_window_working_days: self.return_window_working_days,
            rehandling_months: self.rehandling_months,
            publication_working_days: self.publication_working_days,
            rating_working_days: self.rating_working_days,
            due_soon_days: self.due_soon_days,
            roll_to_next_working_day: self.roll_to_next_working_day,
        }
    }

    fn apply(self) -> crate::domain::deadline::DeadlineRules {
        self.patch()
            .apply(crate::domain::deadline::DeadlineRules::default())
    }
}

#[derive(InputObject)]
pub struct CreateSessionInput {
    /// e.g. 省人大十三届五次会议; unique.
    pub name: String,
    pub level: enums::SessionLevel,
    /// 届
    pub term: i32,
    /// 次
    pub meeting: i32,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
    /// Default THREE_CLASS (A/B/C).
    pub category_scheme: Option<enums::CategorySchemePreset>,
    /// The defaults for anything not given.
    pub deadline_rules: Option<DeadlineRulesInput>,
    /// The days before a due date at which the session's units are told a case is due
    /// soon (1–5 distinct days of 1–90, e.g. [15, 5, 1]; at most 10 entries); not given:
    /// the deployment's default (`reminder_due_soon_days`).
    #[graphql(validator(
        custom = "crate::graphql::limits::MaxItems::new(\"reminderDays\", crate::graphql::limits::max_items::REMINDER_DAYS)"
    ))]
    pub reminder_days: Option<Vec<i32>>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request did, without doing it again (kept 7 days; 1–100 printable ASCII characters,
    /// e.g. a UUID). The same key with another input: IDEMPOTENCY_KEY_REUSED.
    pub idempotency_key: Option<String>,
}

/// A correction of a session; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateSessionInput {
    pub id: ID,
    /// The `version` you read; the update fails with CONFLICT if it changed since.
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    /// null clears it.
    pub opens_on: MaybeUndefined<Date>,
    /// null clears it.
    pub closes_on: MaybeUndefined<Date>,
    /// The last day invited deputies may confirm co-signing a filing (联名确认截止);
    /// null: until the office screens it.
    pub co_sign_deadline: MaybeUndefined<Date>,
    /// Replies go to the office for review before they are sent (答复审核). It cannot be
    /// turned off while a reply of the session is in review (INVALID_STATE).
    pub review_before_release: Option<bool>,
    /// A reply counts only with its signed letter (答复函盖章件): `submitReply` is
    /// INVALID_STATE until a REPLY_LETTER is uploaded to the assignment.
    pub reply_requires_signed_letter: Option<bool>,
    /// Only while no reply of the session carries a category (INVALID_STATE otherwise).
    pub category_scheme: Option<enums::CategorySchemePreset>,
    /// Each number given replaces the one in force, the rest stay. The session's open,
    /// rule-based deadlines are re-dated under the new rules (explicit due dates, such as
    /// approved extensions, and answered deadlines stay); a new `dueSoonDays` moves the
    /// DUE_SOON day of every open deadline.
    pub deadline_rules: Option<DeadlineRulesInput>,
    /// New due-soon reminder thresholds (1–5 distinct days of 1–90; at most 10 entries);
    /// null: back to the deployment's default. The next daily pass uses them.
    #[graphql(validator(
        custom = "crate::graphql::limits::MaxItems::new(\"reminderDays\", crate::graphql::limits::max_items::REMINDER_DAYS)"
    ))]
    pub reminder_days: MaybeUndefined<Vec<i32>>,
    /// Preview: check everything and answer with what would change, storing nothing.
    #[graphql(default = false)]
    pub dry_run: bool,
}

/// An open deadline that new session rules move.
#[derive(SimpleObject)]
pub struct DueDateMove {
    pub assignment: Assignment,
    pub due_on_before: Date,
    pub due_on_after: Date,
    /// The new date reaches a year whose official calendar is not loaded yet.
    pub provisional: bool,
}

/// How many moves `updateSession` lists (all are counted in `redatedCount`).
const MOVES_LISTED: usize = 200;

#[derive(SimpleObject)]
pub struct UpdateSessionPayload {
    /// The session as updated (on a dry run: as it would be).
    pub session: Option<Session>,
    /// The open deadlines whose due date moves, by new due date (the first 200).
    pub redated: Vec<DueDateMove>,
    pub redated_count: i32,
    /// Open deadlines whose DUE_SOON day moves without a new due date.
    pub warnings_moved: i32,
    /// True when nothing was stored.
    pub dry_run: bool,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(InputObject)]
pub struct CreateDeputyInput {
    pub name: String,
    /// 代表团
    pub delegation: Option<String>,
    /// Private phone: landline with area code or mobile.
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request did, without doing it again (kept 7 days; 1–100 printable ASCII characters,
    /// e.g. a UUID). The same key with another input: IDEMPOTENCY_KEY_REUSED.
    pub idempotency_key: Option<String>,
}

/// A correction of a deputy's record; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateDeputyInput {
    pub id: ID,
    /// The `version` you read; the update fails with CONFLICT if it changed since.
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    /// 代表团; null clears it.
    pub delegation: MaybeUndefined<String>,
    /// Private phone; null clears it.
    pub phone: MaybeUndefined<String>,
    /// null clears it.
    pub address: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateHandlingUnitInput {
    pub name: String,
    /// Short stable code (letters, digits, - and _); unique.
    pub code: String,
    pub parent_id: Option<ID>,
    pub office_phone: Option<String>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request did, without doing it again (kept 7 days; 1–100 printable ASCII characters,
    /// e.g. a UUID). The same key with another input: IDEMPOTENCY_KEY_REUSED.
    pub idempotency_key: Option<String>,
}

/// A correction of a unit's record; fields left out stay as they are. The code cannot change.
#[derive(InputObject)]
pub struct UpdateHandlingUnitInput {
    pub id: ID,
    /// The `version` you read; the update fails with CONFLICT if it changed since.
    pub expected_version: Option<i32>,
    /// The new name shows wherever the unit does (published replies included).
    pub name: Option<String>,
    /// null clears it.
    pub office_phone: MaybeUndefined<String>,
}

/// A unit dissolved by an institutional reform.
#[derive(InputObject)]
pub struct RetireHandlingUnitInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    /// Default today (China time); never in the future.
    pub retired_on: Option<Date>,
    /// The unit that took its work over.
    pub successor_id: Option<ID>,
}

/// Open assignments to move to another unit (机构改革).
#[derive(InputObject)]
pub struct TransferAssignmentsInput {
    /// The assignments (at most 500): each open (ASSIGNED, SIGNED_FOR or REHANDLING).
    #[graphql(validator(custom = "MaxItems::new(\"assignmentIds\", max_items::TRANSFER)"))]
    pub assignment_ids: Vec<ID>,
    /// The unit that takes them over.
    pub to_unit_id: ID,
    /// Why, shown in each case's timeline (1–500 characters), e.g. 机构改革：市农业局并入市农业农村局.
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct TransferAssignmentsPayload {
    /// The assignments as moved.
    pub assignments: Vec<Assignment>,
    pub user_errors: Vec<UserErrorObject>,
}

payload!(CreateSessionPayload, session: Session);

payload!(CreateDeputyPayload, deputy: Deputy);

payload!(UpdateDeputyPayload, deputy: Deputy);

payload!(UpdateHandlingUnitPayload, handling_unit: HandlingUnit);

payload!(RetireHandlingUnitPayload, handling_unit: HandlingUnit);

payload!(CreateHandlingUnitPayload, handling_unit: HandlingUnit);

#[Object]
impl RegistryMutation {
    /// Creates a congress session with its category scheme and deadline rules.
    #[graphql(guard = "Allow(ADMIN)")]
    async fn create_session(
        &self,
        ctx: &Context<'_>,
        input: CreateSessionInput,
    ) -> Result<CreateSessionPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let new = service::session::NewSession {
            name: input.name,
            level: input.level.into(),
            term: input.term,
            meeting: input.meeting,
            opens_on: input.opens_on.map(|d| d.0),
            closes_on: input.closes_on.map(|d| d.0),
            category_scheme: input.category_scheme.map_or(
                crate::domain::category::SchemePreset::ThreeClass,
                Into::into,
            ),
            deadline_rules: Some(input.deadline_rules.unwrap_or_default().apply()),
            reminder_days: input.reminder_days,
        };
        let (session, user_errors) = for_payload(
            ctx,
            idempotent
                .run(
                    &st.db,
                    |id| stored::<entity::session::Entity>(&st.db, id),
                    service::session::create(&st.db, new, st.clock.now()),
                )
                .await,
        )?;
        Ok(CreateSessionPayload {
            session: session.map(Session),
            user_errors,
        })
    }

    /// Corrects a deputy's record (name, delegation, phone, address); versioned and audited.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn update_deputy(
        &self,
        ctx: &Context<'_>,
        input: UpdateDeputyInput,
    ) -> Result<UpdateDeputyPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::Deputy, &["input", "id"])?;
            let patch = service::deputy::DeputyPatch {
                id,
                expected_version: input.expected_version,
                name: input.name,
                delegation: patch_of(input.delegation),
                phone: patch_of(input.phone),
                address: patch_of(input.address),
            };
            service::deputy::update(&st.db, patch, st.clock.now()).await
        }
        .await;
        let (deputy, user_errors) = for_payload(ctx, result)?;
        Ok(UpdateDeputyPayload {
            deputy: deputy.map(Deputy),
            user_errors,
        })
    }

    /// Corrects a session (name, dates) and changes its category scheme or deadline rules,
    /// re-dating its open deadlines; `dryRun` previews what would move. Versioned and
    /// audited.
    #[graphql(guard = "Allow(ADMIN)")]
    async fn update_session(
        &self,
        ctx: &Context<'_>,
        input: UpdateSessionInput,
    ) -> Result<UpdateSessionPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::Session, &["input", "id"])?;
            let date = |value: MaybeUndefined<Date>| match value {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(d.0)),
            };
            let patch = service::session::SessionPatch {
                id,
                expected_version: input.expected_version,
                name: input.name,
                opens_on: date(input.opens_on),
                closes_on: date(input.closes_on),
                co_sign_deadline: date(input.co_sign_deadline),
                review_before_release: input.review_before_release,
                reply_requires_signed_letter: input.reply_requires_signed_letter,
                category_scheme: input.category_scheme.map(Into::into),
                deadline_rules: input.deadline_rules.map(DeadlineRulesInput::patch),
                reminder_days: match input.reminder_days {
                    MaybeUndefined::Undefined => None,
                    MaybeUndefined::Null => Some(None),
                    MaybeUndefined::Value(days) => Some(Some(days)),
                },
                dry_run: input.dry_run,
            };
            service::session::update(&st.db, patch, st.clock.now()).await
        }
        .await;
        let (update, user_errors) = for_payload(ctx, result)?;
        Ok(match update {
            Some(update) => UpdateSessionPayload {
                redated_count: i32::try_from(update.moves.len()).unwrap_or(i32::MAX),
                warnings_moved: i32::try_from(update.warnings_moved).unwrap_or(i32::MAX),
                dry_run: update.dry_run,
                redated: update
                    .moves
                    .into_iter()
                    .take(MOVES_LISTED)
                    .map(|m| DueDateMove {
                        assignment: Assignment(m.assignment),
                        due_on_before: Date(m.from),
                        due_on_after: Date(m.to),
                        provisional: m.provisional,
                    })
                    .collect(),
                session: Some(Session(update.session)),
                user_errors,
            },
            None => UpdateSessionPayload {
                session: None,
                redated: Vec::new(),
                redated_count: 0,
                warnings_moved: 0,
                dry_run: input.dry_run,
                user_errors,
            },
        })
    }

    /// Moves open assignments to another unit after an institutional reform (机构改革): a
    /// merge moves all of a unit's open cases to its successor, a split some to each. Due
    /// dates, rounds, history, contacts and the timeline go with them; answered and closed
    /// assignments stay with the unit that handled them, so past figures keep its name.
    /// All or nothing; each refused assignment is reported by its place in the list.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn transfer_assignments(
        &self,
        ctx: &Context<'_>,
        input: TransferAssignmentsInput,
    ) -> Result<TransferAssignmentsPayload> {
        let st = state(ctx)?;
        let mut ids = Decoder::new();
        let to_unit_id = ids.id(
            &input.to_unit_id,
            Kind::HandlingUnit,
            &["input", "toUnitId"],
        );
        let assignment_ids: Vec<i64> = crate::domain::distinct(input.assignment_ids.iter())
            .into_iter()
            .enumerate()
            .map(|(i, id)| {
                ids.id(
                    id,
                    Kind::Assignment,
                    &["input", "assignmentIds", &i.to_string()],
                )
            })
            .collect();
        let result = async {
            ids.finish()?;
            let transfer = service::assignment::TransferInput {
                assignment_ids,
                to_unit_id,
                reason: input.reason,
            };
            service::assignment::transfer(&st.db, transfer, st.clock.now()).await
        }
        .await;
        let (moved, user_errors) = for_payload(ctx, result)?;
        Ok(TransferAssignmentsPayload {
            assignments: moved
                .unwrap_or_default()
                .into_iter()
                .map(Assignment)
                .collect(),
            user_errors,
        })
    }

    /// Retires a unit dissolved by an institutional reform (机构改革), naming its successor.
    /// Refused (INVALID_STATE) while it has open assignments: move them with
    /// `transferAssignments` first. Its name stays on everything it handled; it receives no
    /// new assignments. Versioned and audited.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn retire_handling_unit(
        &self,
        ctx: &Context<'_>,
        input: RetireHandlingUnitInput,
    ) -> Result<RetireHandlingUnitPayload> {
        let st = state(ctx)?;
        let mut ids = Decoder::new();
        let id = ids.id(&input.id, Kind::HandlingUnit, &["input", "id"]);
        let successor_id = input
            .successor_id
            .as_ref()
            .map(|s| ids.id(s, Kind::HandlingUnit, &["input", "successorId"]));
        let today = st.clock.today();
        let result = async {
            ids.finish()?;
            let retirement = service::unit::Retirement {
                id,
                expected_version: input.expected_version,
                retired_on: input.retired_on.map_or(today, |d| d.0),
                successor_id,
            };
            service::unit::retire(&st.db, retirement, today, st.clock.now()).await
        }
        .await;
        let (handling_unit, user_errors) = for_payload(ctx, result)?;
        Ok(RetireHandlingUnitPayload {
            handling_unit: handling_unit.map(HandlingUnit),
            user_errors,
        })
    }

    /// Corrects a unit's name or office phone (the code stays); versioned and audited.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn update_handling_unit(
        &self,
        ctx: &Context<'_>,
        input: UpdateHandlingUnitInput,
    ) -> Result<UpdateHandlingUnitPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::HandlingUnit, &["input", "id"])?;
            let patch = service::unit::UnitPatch {
                id,
                expected_version: input.expected_version,
                name: input.name,
                office_phone: patch_of(input.office_phone),
            };
            service::unit::update(&st.db, patch, st.clock.now()).await
        }
        .await;
        let (handling_unit, user_errors) = for_payload(ctx, result)?;
        Ok(UpdateHandlingUnitPayload {
            handling_unit: handling_unit.map(HandlingUnit),
            user_errors,
        })
    }

    /// Registers a deputy.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn create_deputy(
        &self,
        ctx: &Context<'_>,
        input: CreateDeputyInput,
    ) -> Result<CreateDeputyPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let new = service::deputy::NewDeputy {
            name: input.name,
            delegation: input.delegation,
            phone: input.phone,
            address: input.address,
        };
        let (deputy, user_errors) = for_payload(
            ctx,
            idempotent
                .run(
                    &st.db,
                    |id| stored::<entity::deputy::Entity>(&st.db, id),
                    service::deputy::create(&st.db, new, st.clock.now()),
                )
                .await,
        )?;
        Ok(CreateDeputyPayload {
            deputy: deputy.map(Deputy),
            user_errors,
        })
    }

    /// Registers a handling unit.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn create_handling_unit(
        &self,
        ctx: &Context<'_>,
        input: CreateHandlingUnitInput,
    ) -> Result<CreateHandlingUnitPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let new = service::unit::NewUnit {
                parent_id: ids::expect_opt(
                    input.parent_id.as_ref(),
                    Kind::HandlingUnit,
                    &["input", "parentId"],
                )?,
                name: input.name,
                code: input.code,
                office_phone: input.office_phone,
            };
            idempotent
                .run(
                    &st.db,
                    |id| stored::<entity::handling_unit::Entity>(&st.db, id),
                    service::unit::create(&st.db, new, st.clock.now()),
                )
                .await
        }
        .await;
        let (unit, user_errors) = for_payload(ctx, result)?;
        Ok(CreateHandlingUnitPayload {
            handling_unit: unit.map(HandlingUnit),
            user_errors,
        })
    }
}
