//! A user of banli: one role, bound to a handling unit (UNIT_STAFF) or to a deputy
//! (DEPUTY). Passwords are stored as argon2id PHC strings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Sign-in name, lower case; unique.
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    /// `OFFICE_ADMIN`, `OFFICE_STAFF`, `UNIT_STAFF`, `DEPUTY` or `AUDITOR`.
    pub role: String,
    pub unit_id: Option<i64>,
    pub deputy_id: Option<i64>,
    pub password_hash: String,
    pub disabled: bool,
    /// Wrong passwords since the last successful sign-in.
    pub failed_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    pub password_changed_at: DateTimeUtc,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
