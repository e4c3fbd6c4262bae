//! A supervising leader's instruction on a key suggestion (领导批示), as the office records it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leader_instruction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub suggestion_id: i64,
    /// Who gave it, e.g. 王副市长.
    pub leader: String,
    pub content: String,
    pub instructed_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::suggestion::Entity",
        from = "Column::SuggestionId",
        to = "super::suggestion::Column::Id"
    )]
    Suggestion,
}

impl ActiveModelBehavior for ActiveModel {}
