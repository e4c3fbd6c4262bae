//! A co-signing deputy (联名代表) of a suggestion, in the order they signed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestion_co_signer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub suggestion_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub deputy_id: i64,
    /// 1-based position in the list of co-signers.
    pub position: i32,
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
        belongs_to = "super::deputy::Entity",
        from = "Column::DeputyId",
        to = "super::deputy::Column::Id"
    )]
    Deputy,
}

impl Related<super::suggestion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Suggestion.def()
    }
}

impl Related<super::deputy::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deputy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
