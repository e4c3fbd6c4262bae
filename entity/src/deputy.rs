//! A deputy (代表) or CPPCC member (委员). Phone and address are private (docs/domain.md §7).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deputy")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// 代表团, e.g. 淮南代表团.
    pub delegation: Option<String>,
    /// Private: never public.
    pub phone: Option<String>,
    /// Private: never public.
    pub address: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
