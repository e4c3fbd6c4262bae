//! A CAPTCHA (验证码) shown to the public: only a hash of its answer is kept, and using it
//! (right or wrong) deletes the row, so each answer counts once across all instances.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "captcha")]
pub struct Model {
    /// Random, unguessable id (32 hex digits).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// SHA-256 of the id and the normalised answer, hex.
    pub answer_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
