//! Accounts and sign-in: users with one role each (bound to a unit or a deputy where the
//! role needs it) and the bearer tokens they sign in with. Only a hash of each token is
//! stored, so a copy of the database does not let anyone act as a user.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HandlingUnit {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Deputy {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Username,
    DisplayName,
    Role,
    UnitId,
    DeputyId,
    PasswordHash,
    Disabled,
    FailedAttempts,
    LockedUntil,
    LastLoginAt,
    PasswordChangedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuthToken {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    ClientIp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(big_pk_auto(AppUser::Id))
                    .col(string_len_uniq(AppUser::Username, 64))
                    .col(string_len(AppUser::DisplayName, 100))
                    .col(string_len(AppUser::Role, 16))
                    .col(big_integer_null(AppUser::UnitId))
                    .col(big_integer_null(AppUser::DeputyId))
                    .col(string_len(AppUser::PasswordHash, 255))
                    .col(boolean(AppUser::Disabled).default(false))
                    .col(integer(AppUser::FailedAttempts).default(0))
                    .col(timestamp_with_time_zone_null(AppUser::LockedUntil))
                    .col(timestamp_with_time_zone_null(AppUser::LastLoginAt))
                    .col(timestamp_with_time_zone(AppUser::PasswordChangedAt))
                    .col(integer(AppUser::Version).default(1))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(timestamp_with_time_zone(AppUser::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_app_user_unit",
                        (AppUser::Table, AppUser::UnitId),
                        (HandlingUnit::Table, HandlingUnit::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_app_user_deputy",
                        (AppUser::Table, AppUser::DeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_app_user_unit", AppUser::Table, &["unit_id"]))
            .await?;
        manager
            .create_index(index("idx_app_user_deputy", AppUser::Table, &["deputy_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuthToken::Table)
                    .col(big_pk_auto(AuthToken::Id))
                    .col(big_integer(AuthToken::UserId))
                    // SHA-256 of the token, hex: the token itself is never stored.
                    .col(string_len_uniq(AuthToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(AuthToken::CreatedAt))
                    .col(timestamp_with_time_zone(AuthToken::LastUsedAt))
                    .col(timestamp_with_time_zone(AuthToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AuthToken::RevokedAt))
                    .col(string_len_null(AuthToken::ClientIp, 64))
                    .foreign_key(&mut fk(
                        "fk_auth_token_user",
                        (AuthToken::Table, AuthToken::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_auth_token_user", AuthToken::Table, &["user_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthToken::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AppUser::Table).to_owned())
            .await
    }
}
