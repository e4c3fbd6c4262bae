//! A handling unit (承办单位), e.g. 市委组织部, possibly under a parent unit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handling_unit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// Short stable code used by imports and exports; unique.
    #[sea_orm(unique)]
    pub code: String,
    pub parent_id: Option<i64>,
    /// The unit's office phone, public on published replies.
    pub office_phone: Option<String>,
    /// Dissolved by an institutional reform (机构改革) on this day: no new assignments.
    pub retired_on: Option<Date>,
    /// The unit that took its work over, if one did.
    pub successor_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
