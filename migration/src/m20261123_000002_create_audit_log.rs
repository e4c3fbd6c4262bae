//! The audit log: one row per mutation (success, user error or refusal), append-only and
//! hash-chained. The application never updates or deletes a row; the database refuses it
//! too (triggers on SQLite and PostgreSQL), so only someone who first disables the
//! triggers can edit the log, and `banli audit verify` then finds the broken link.
//!
//! No foreign keys: the log must outlive the users and objects it names.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    ActorUserId,
    ActorName,
    Role,
    Operation,
    Target,
    Outcome,
    ErrorCodes,
    ClientIp,
    RequestId,
    PrevHash,
    Hash,
}

/// The statements that make the table append-only, per backend (each one statement, so
/// they run through any driver).
fn append_only_up(backend: DbBackend) -> &'static [&'static str] {
    match backend {
        DbBackend::Sqlite => &[
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        ],
        DbBackend::Postgres => &[
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP \
                 USING ERRCODE = 'insufficient_privilege'; \
             END $$",
            // Row-level for UPDATE and DELETE; TRUNCATE has only statement-level triggers.
            "CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
             FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
        ],
        _ => &[],
    }
}

fn append_only_down(backend: DbBackend) -> &'static [&'static str] {
    match backend {
        DbBackend::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
        ],
        DbBackend::Postgres => &[
            "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
            "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
            "DROP FUNCTION IF EXISTS audit_log_append_only()",
        ],
        _ => &[],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        if !matches!(backend, DbBackend::Sqlite | DbBackend::Postgres) {
            // Without the triggers the log would not be append-only: refuse rather than
            // create a log that silently accepts edits.
            return Err(DbErr::Migration(
                "audit_log needs SQLite or PostgreSQL (append-only triggers)".to_owned(),
            ));
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::OccurredAt))
                    .col(big_integer_null(AuditLog::ActorUserId))
                    .col(text_null(AuditLog::ActorName))
                    .col(text(AuditLog::Role))
                    .col(text(AuditLog::Operation))
                    .col(text_null(AuditLog::Target))
                    .col(text(AuditLog::Outcome))
                    .col(text_null(AuditLog::ErrorCodes))
                    .col(text_null(AuditLog::ClientIp))
                    .col(text_null(AuditLog::RequestId))
                    .col(text(AuditLog::PrevHash))
                    .col(text(AuditLog::Hash).unique_key())
                    .to_owned(),
            )
            .await?;
        // Each row names its predecessor's hash: two rows naming the same one would be a
        // fork, which no caller, however it misuses `append`, can commit.
        manager
            .create_index(
                index("uq_audit_log_prev_hash", AuditLog::Table, &["prev_hash"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The filters of `auditLog`, each with the id so "newest first" reads the index in
        // order.
        for (name, cols) in [
            ("idx_audit_log_actor", &["actor_user_id", "id"][..]),
            ("idx_audit_log_operation", &["operation", "id"][..]),
            ("idx_audit_log_outcome", &["outcome", "id"][..]),
            ("idx_audit_log_target", &["target", "id"][..]),
            ("idx_audit_log_occurred_at", &["occurred_at", "id"][..]),
        ] {
            manager
                .create_index(index(name, AuditLog::Table, cols))
                .await?;
        }
        for sql in append_only_up(backend) {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in append_only_down(manager.get_database_backend()) {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
