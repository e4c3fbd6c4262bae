//! An assignment (交办) of a suggestion to one handling unit with a role.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub suggestion_id: i64,
    /// The suggestion's session, kept here (it never changes) so session-wide deadline
    /// queries are index ranges.
    pub session_id: i64,
    pub unit_id: i64,
    pub role: crate::enums::AssignmentRole,
    pub assigned_on: Date,
    /// The due date in force; stored (and indexed) so deadline filters are range queries.
    pub due_on: Date,
    /// True when `due_on` was set explicitly (by the office at assignment, or by an
    /// approved extension) rather than by the session's rule; such dates are not re-dated
    /// when the calendar changes.
    pub due_on_explicit: bool,
    /// The due date of the current round before any extension.
    pub original_due_on: Date,
    /// First day the unanswered deadline counts as DUE_SOON (`due_on` − warning window),
    /// stored so status filters are range queries.
    pub due_soon_from: Date,
    /// The due date reaches into a year whose official calendar is not loaded yet.
    pub due_provisional: bool,
    /// The current handling round: 1, then 2, 3… after UNSATISFIED ratings.
    pub round: i32,
    /// The first day the current deadline span (this round, with this due date) is in
    /// force; the spans before it are rows of `deadline_span`.
    pub span_from: Date,
    /// 签收: when the unit signed for the assignment.
    pub signed_for_at: Option<DateTimeUtc>,
    pub status: crate::enums::AssignmentStatus,
    /// The day the unit answered in the current round (the reply, or for a co-handler
    /// the opinion).
    pub answered_on: Option<Date>,
    /// The unit's contact person for this case (联系人) and phone.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// Statistics facts, derived from other rows and recomputed in every write that
    /// changes them (see the migration `add_assignment_facts`): the latest reply's
    /// category,
    pub reply_category: Option<crate::enums::ReplyCategory>,
    /// the lead deputy's first and latest rating,
    pub first_satisfaction: Option<crate::enums::Satisfaction>,
    pub final_satisfaction: Option<crate::enums::Satisfaction>,
    /// whether a face-to-face contact (面商) is logged,
    pub met_face_to_face: bool,
    /// and public feedback on its replies still open (NEW, READ) and handled.
    pub feedback_open: i32,
    pub feedback_handled: i32,
    /// and how often the case was urged (催办).
    pub urge_count: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::suggestion::Entity",
        from = "Column::SuggestionId",
        to = "super::suggestion::Column::Id"
    )]
    Suggestion,
    #[sea_orm(
        belongs_to = "super::handling_unit::Entity",
        from = "Column::UnitId",
        to = "super::handling_unit::Column::Id"
    )]
    Unit,
    #[sea_orm(has_many = "super::reply::Entity")]
    Reply,
}

impl Related<super::suggestion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Suggestion.def()
    }
}

impl Related<super::handling_unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::reply::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reply.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
