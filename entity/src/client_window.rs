//! How often a client did something (drew a CAPTCHA, failed to sign in) in one fixed time
//! window, shared by every instance over the database.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_window")]
pub struct Model {
    /// What is counted and for whom, e.g. `captcha:203.0.113.7`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The window's first second (Unix time, a multiple of the window's length).
    #[sea_orm(primary_key, auto_increment = false)]
    pub window_start: i64,
    pub count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
