//! Idempotency keys of mutations (a retry answers with what the first request did).
//!
//! A mutation sent with a key first looks the key up ([`Keyed::prior`]): a key seen before
//! with the same operation and input names the object that request created or acted on,
//! and the mutation answers with it without changing anything; the same key with another
//! operation or input is the user error `IDEMPOTENCY_KEY_REUSED`. Otherwise the mutation
//! runs with the key on its unit of work (`service::work`), and the write transaction that
//! commits its change stores the key *in that transaction*: a change is never committed
//! without its key, nor a key without its change, whatever moment the process dies at.
//! A request that changed nothing (user errors) stores no key, so the corrected request
//! may reuse it.
//!
//! Two copies of one request in flight at once: the second one meets the first one's change
//! (a DUPLICATE number, a state moved on) or its key (the unique index), its transaction
//! rolls back, and it looks the key up again and answers as a replay: one change, the same
//! answer twice (`graphql::idempotency`).

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use entity::idempotency_key;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::{DbContext, ServiceResult};
use crate::domain::error::ErrorCode;
use crate::domain::idempotency::{self, IdempotencyKey};
use crate::domain::UserError;

/// A mutation's key, with who sent it and what it asks for.
#[derive(Debug)]
pub struct Keyed {
    user_id: i64,
    key: IdempotencyKey,
    operation: String,
    fingerprint: String,
    field: Vec<String>,
    now: DateTime<Utc>,
    /// The object the change names (`Suggestion:12`), set by `txn.audit_created` or taken
    /// from the audit entry's target at commit.
    target: Mutex<Option<String>>,
    recorded: std::sync::atomic::AtomicBool,
}

impl Keyed {
    /// `canonical_input` is the input as JSON in a fixed field order; `field` the path of
    /// the key in the input, for error messages.
    pub fn new(
        user_id: i64,
        key: &str,
        operation: &str,
        canonical_input: &str,
        field: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Self, UserError> {
        Ok(Self {
            user_id,
            key: IdempotencyKey::parse(key, field)?,
            operation: operation.to_owned(),
            fingerprint: idempotency::fingerprint(operation, canonical_input),
            field: field.iter().map(|s| (*s).to_owned()).collect(),
            now,
            target: Mutex::new(None),
            recorded: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// What an earlier request with this key did: `None` when there was none (or it has
    /// expired), `Some(target)` for the same request, a user error for another one.
    pub async fn prior<C: ConnectionTrait>(
        &self,
        conn: &C,
    ) -> ServiceResult<Option<Option<String>>> {
        let found = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::UserId.eq(self.user_id))
            .filter(idempotency_key::Column::Key.eq(self.key.as_str()))
            .filter(idempotency_key::Column::CreatedAt.gt(expiry(self.now)))
            .one(conn)
            .await
            .during("looking up an idempotency key")?;
        match found {
            None => Ok(None),
            Some(row) if row.operation == self.operation && row.fingerprint == self.fingerprint => {
                Ok(Some(row.target))
            }
            Some(row) => {
                let field: Vec<&str> = self.field.iter().map(String::as_str).collect();
                Err(UserError::new(
                    &field,
                    ErrorCode::IdempotencyKeyReused,
                    format!(
                        "该幂等键已用于另一请求（{}），新请求请使用新的键 \
                         (this idempotency key was used for a different request; use a new key)",
                        row.operation
                    ),
                )
                .into())
            }
        }
    }
}

/// The first day a key is no longer remembered from.
fn expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(idempotency::RETENTION_DAYS)
}

impl Keyed {
    /// The change names the object `target` (a create's new object).
    pub(crate) fn set_target(&self, target: &str) {
        if let Ok(mut t) = self.target.lock() {
            *t = Some(target.to_owned());
        }
    }

    /// Stores the key inside the committing transaction `txn` (once per mutation);
    /// `fallback_target` is the audit entry's target.
    pub(crate) async fn record_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        fallback_target: Option<String>,
    ) -> Result<(), DbErr> {
        if self
            .recorded
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(());
        }
        let target = self
            .target
            .lock()
            .ok()
            .and_then(|t| t.clone())
            .or(fallback_target);
        // An expired row of the same key gives way to the new one.
        let stored = async {
            idempotency_key::Entity::delete_many()
                .filter(idempotency_key::Column::UserId.eq(self.user_id))
                .filter(idempotency_key::Column::Key.eq(self.key.as_str()))
                .filter(idempotency_key::Column::CreatedAt.lte(expiry(self.now)))
                .exec(txn)
                .await?;
            let row = idempotency_key::ActiveModel {
                user_id: Set(self.user_id),
                key: Set(self.key.as_str().to_owned()),
                operation: Set(self.operation.clone()),
                fingerprint: Set(self.fingerprint.clone()),
                target: Set(target),
                created_at: Set(self.now),
                ..Default::default()
            };
            idempotency_key::Entity::insert(row).exec(txn).await
        }
        .await;
        if stored.is_err() {
            self.unrecord();
        }
        stored.map(|_| ())
    }

    /// The commit that carried the key failed: it is not stored after all.
    pub(crate) fn unrecord(&self) {
        self.recorded
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Deletes the keys older than the retention period (housekeeping). Returns how many.
pub async fn purge_expired<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> ServiceResult<u64> {
    let deleted = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lte(expiry(now)))
        .exec(conn)
        .await
        .during("deleting expired idempotency keys")?;
    Ok(deleted.rows_affected)
}
