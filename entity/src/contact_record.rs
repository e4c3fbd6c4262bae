//! A contact with the deputy (沟通记录) logged by the handling unit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: i64,
    pub stage: crate::enums::ContactStage,
    pub method: crate::enums::ContactMethod,
    pub contacted_on: Date,
    /// Who took part, e.g. 夏维奇代表；市委组织部 王科长.
    pub participants: String,
    pub notes: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
