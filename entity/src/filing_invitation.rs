//! An invitation to co-sign a filing (联名邀请) and the deputy's answer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filing_invitation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub filing_id: i64,
    pub deputy_id: i64,
    pub answer: crate::enums::InvitationAnswer,
    /// The day of the latest answer; what counts is whether it was by the deadline.
    pub answered_on: Option<Date>,
    pub invited_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::filing::Entity",
        from = "Column::FilingId",
        to = "super::filing::Column::Id"
    )]
    Filing,
}

impl Related<super::filing::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Filing.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
