//! Idempotency keys: a create or transition sent again with the same key (a client retrying
//! after a lost answer, e.g. across a server restart) answers with what the first request
//! did instead of doing it twice. The key is written in the transaction of the change it
//! guards, so either both are stored or neither is.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Id,
    UserId,
    Key,
    Operation,
    Fingerprint,
    Target,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(big_pk_auto(IdempotencyKey::Id))
                    // Keys are the caller's own: two users may choose the same one.
                    .col(big_integer(IdempotencyKey::UserId))
                    .col(string_len(IdempotencyKey::Key, 100))
                    // The mutation (`registerSuggestion`) and the SHA-256 of its input: the
                    // same key with another operation or input is refused, not replayed.
                    .col(string_len(IdempotencyKey::Operation, 64))
                    .col(string_len(IdempotencyKey::Fingerprint, 64))
                    // What the first request created or acted on (`Suggestion:12`).
                    .col(string_len_null(IdempotencyKey::Target, 64))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_idempotency_key_user",
                        (IdempotencyKey::Table, IdempotencyKey::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_idempotency_key_user_key",
                    IdempotencyKey::Table,
                    &["user_id", "key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // Housekeeping removes expired keys by age.
        manager
            .create_index(index(
                "idx_idempotency_key_created_at",
                IdempotencyKey::Table,
                &["created_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKey::Table).to_owned())
            .await
    }
}
