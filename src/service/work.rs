//! The unit of work of one mutation (or import): the value a caller builds before it calls
//! a service, binds to the database handle it passes ([`crate::db::Db::within`]), and reads
//! back afterwards.
//!
//! It carries the mutation's audit entry and, when the request sent one, its idempotency
//! key. The first write transaction that commits on the bound handle appends the entry and
//! stores the key *inside itself* ([`UnitOfWork::before_commit`]), so a change is never
//! committed without its audit row and its key. Services tell it what they did through the
//! transaction (`txn.audit_created("Session", id)`, `txn.audit_backdated(..)`). When
//! nothing commits — a refusal, user errors, an unexpected error — the caller appends the
//! entry afterwards ([`Work::is_recorded`]): nothing changed, so there is nothing to be
//! atomic with.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};

use super::audit::anchor::AuditKey;
use super::audit::{self, AuditOutcome, NewAuditEntry};
use super::idempotency::Keyed;
use crate::db::UnitOfWork;

#[derive(Debug)]
pub struct Work {
    entry: Mutex<NewAuditEntry>,
    /// The key the entry's hash is keyed with.
    key: Option<AuditKey>,
    /// Whether the entry is in a committed (or committing) transaction.
    recorded: AtomicBool,
    /// The idempotency key the request sent, stored with the change.
    idempotency: Mutex<Option<Arc<Keyed>>>,
}

impl Work {
    pub fn new(entry: NewAuditEntry, key: Option<AuditKey>) -> Arc<Self> {
        Arc::new(Self {
            entry: Mutex::new(entry),
            key,
            recorded: AtomicBool::new(false),
            idempotency: Mutex::new(None),
        })
    }

    fn entry_mut(&self) -> MutexGuard<'_, NewAuditEntry> {
        // A poisoned lock only means another thread panicked mid-update of plain data.
        self.entry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the entry as it stands.
    pub fn entry(&self) -> NewAuditEntry {
        self.entry_mut().clone()
    }

    /// The key the entry's hash is keyed with.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.key.as_ref()
    }

    /// Whether a transaction appended the entry; if not, the caller appends it.
    pub fn is_recorded(&self) -> bool {
        self.recorded.load(Ordering::SeqCst)
    }

    /// The idempotency key of the request, stored by the transaction that commits.
    pub fn keyed(&self, keyed: Arc<Keyed>) {
        *self
            .idempotency
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(keyed);
    }

    fn idempotency_key(&self) -> Option<Arc<Keyed>> {
        self.idempotency
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn record_in(
        &self,
        txn: &DatabaseTransaction,
        user_errors: Option<&[&str]>,
    ) -> Result<(), DbErr> {
        if self.recorded.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let entry = {
            let mut entry = self.entry_mut();
            match user_errors {
                None => {
                    entry.outcome = AuditOutcome::Success;
                    entry.error_codes.clear();
                }
                Some(codes) => {
                    entry.outcome = AuditOutcome::UserError;
                    entry.error_codes = codes.iter().map(|c| (*c).to_owned()).collect();
                }
            }
            entry.clone()
        };
        // The idempotency key, if the request sent one, is stored with the change it guards
        // (before the audit row, which is appended last: see `audit`).
        if user_errors.is_none() {
            if let Some(keyed) = self.idempotency_key() {
                if let Err(e) = keyed.record_in(txn, entry.target.clone()).await {
                    self.recorded.store(false, Ordering::SeqCst);
                    return Err(e);
                }
            }
        }
        if let Err(e) = audit::append(txn, self.key.as_ref(), &entry).await {
            self.commit_failed();
            return Err(e);
        }
        Ok(())
    }
}

impl UnitOfWork for Work {
    fn before_commit<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        user_errors: Option<&'a [&'a str]>,
    ) -> BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(self.record_in(txn, user_errors))
    }

    fn commit_failed(&self) {
        self.recorded.store(false, Ordering::SeqCst);
        if let Some(keyed) = self.idempotency_key() {
            keyed.unrecord();
        }
    }

    fn created(&self, kind: &str, id: i64) {
        let target = format!("{kind}:{id}");
        if let Some(keyed) = self.idempotency_key() {
            keyed.set_target(&target);
        }
        self.entry_mut().target = Some(target);
    }

    fn backdated(&self, field: &str, value: serde_json::Value) {
        let mut entry = self.entry_mut();
        let details = entry.details.get_or_insert_with(serde_json::Map::new);
        let backdated = details
            .entry("backdated")
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if let serde_json::Value::Object(fields) = backdated {
            fields.insert(field.to_owned(), value);
        }
    }

    fn user_errors(&self, codes: &[&str]) {
        let mut entry = self.entry_mut();
        entry.outcome = AuditOutcome::UserError;
        entry.error_codes = codes
            .iter()
            .filter(|c| !c.contains(','))
            .map(|c| (*c).to_owned())
            .collect();
    }
}
