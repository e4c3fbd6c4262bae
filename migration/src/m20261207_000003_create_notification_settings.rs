//! A user's notification settings: their e-mail address and mobile number (personal data:
//! only they and the office see them) and, per kind of notice, the channels besides the app
//! they want it on (absent kinds follow the defaults of `domain::notice`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    Id,
    UserId,
    Email,
    Mobile,
    Channels,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationSettings::Table)
                    .col(big_pk_auto(NotificationSettings::Id))
                    .col(big_integer_uniq(NotificationSettings::UserId))
                    .col(string_len_null(NotificationSettings::Email, 254))
                    .col(string_len_null(NotificationSettings::Mobile, 20))
                    .col(json(NotificationSettings::Channels))
                    .col(integer(NotificationSettings::Version))
                    .col(timestamp_with_time_zone(NotificationSettings::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_notification_settings_user",
                        (NotificationSettings::Table, NotificationSettings::UserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NotificationSettings::Table).to_owned())
            .await
    }
}
