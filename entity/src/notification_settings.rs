//! A user's notification settings: e-mail, mobile and channels per kind of notice.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub user_id: i64,
    /// Personal data: only the user and the office see it.
    pub email: Option<String>,
    /// Personal data: only the user and the office see it.
    pub mobile: Option<String>,
    /// `{"ASSIGNED": ["SMS"], …}`: the channels besides the app, per kind the user chose.
    pub channels: Json,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
