//! Attachments (附件): one row per file attached to a suggestion, reply, contact record or
//! co-handler opinion. The content lives outside the database, addressed by its SHA-256.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachment {
    Table,
    Id,
    OwnerType,
    OwnerId,
    SuggestionId,
    AssignmentId,
    Kind,
    Filename,
    MediaType,
    ByteSize,
    Sha256,
    Description,
    UploadedBy,
    UploadedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Suggestion {
    Table,
    Id,
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
                    .table(Attachment::Table)
                    .col(big_pk_auto(Attachment::Id))
                    .col(string_len(Attachment::OwnerType, 16))
                    .col(big_integer(Attachment::OwnerId))
                    .col(big_integer(Attachment::SuggestionId))
                    .col(big_integer_null(Attachment::AssignmentId))
                    .col(string_len(Attachment::Kind, 32))
                    .col(string_len(Attachment::Filename, 255))
                    .col(string_len(Attachment::MediaType, 100))
                    .col(big_integer(Attachment::ByteSize))
                    .col(string_len(Attachment::Sha256, 64))
                    .col(text_null(Attachment::Description))
                    .col(big_integer(Attachment::UploadedBy))
                    .col(timestamp_with_time_zone(Attachment::UploadedAt))
                    .col(timestamp_with_time_zone_null(Attachment::PublishedAt))
                    .foreign_key(&mut fk(
                        "fk_attachment_suggestion",
                        (Attachment::Table, Attachment::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_attachment_uploader",
                        (Attachment::Table, Attachment::UploadedBy),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_attachment_owner", &["owner_type", "owner_id"][..]),
            ("ix_attachment_suggestion", &["suggestion_id"][..]),
            ("ix_attachment_sha256", &["sha256"][..]),
        ] {
            manager
                .create_index(index(name, Attachment::Table, cols).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachment::Table).to_owned())
            .await
    }
}
