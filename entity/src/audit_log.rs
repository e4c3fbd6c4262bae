//! The audit log: one row per mutation, append-only and hash-chained (see
//! `banli::service::audit`). Enumerations are kept as the stored text, so a row altered
//! outside banli still loads and `banli audit verify` can say which one it is.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When it happened, to the microsecond (what both databases store exactly).
    pub occurred_at: DateTimeUtc,
    /// The signed-in user; no foreign key, so the row outlives the user.
    pub actor_user_id: Option<i64>,
    /// The user's name at the time.
    pub actor_name: Option<String>,
    /// `ANONYMOUS`, `OFFICE_ADMIN`, … (or `SYSTEM` for the command line).
    pub role: String,
    /// The GraphQL mutation field (`submitReply`) or a CLI operation (`cli:user add`).
    pub operation: String,
    /// The global ID of the object acted on, when there is one.
    pub target: Option<String>,
    /// `SUCCESS`, `USER_ERROR`, `REFUSED` or `ERROR`.
    pub outcome: String,
    /// Comma-separated error codes, e.g. `NOT_FOUND,INVALID`.
    pub error_codes: Option<String>,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
    /// What the row says beyond the columns above, as JSON text: `{"backdated": {...}}`
    /// names the dates a caller gave in the past. NULL for most rows.
    pub details: Option<String>,
    /// The hash of the row before (64 zeros for the first row).
    pub prev_hash: String,
    /// SHA-256 (hex) over `prev_hash` and every other column of this row (`details` only when
    /// it is set, so rows written before it existed keep their hashes).
    #[sea_orm(unique)]
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
