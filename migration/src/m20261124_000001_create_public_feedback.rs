//! The public side: what a published reply shows, CAPTCHAs, and what feedback needs for
//! rate limits, duplicates, moderation and the erasure of contact details.
//!
//! - `reply.public_text` / `reply.public_suggestion_text`: the text the public sees,
//!   computed once when the reply is published (the summary, or the body with redacted
//!   parts replaced). Public queries read only these columns, so redacted text never
//!   leaves the server and the hot path does no text processing.
//! - `captcha`: one row per CAPTCHA shown, with a hash of its answer (never the answer),
//!   shared by every banli instance over the database. Using one deletes its row.
//! - `public_feedback`: a hash of the submitter's IP address (for the per-client rate
//!   limit, erased with the contact details), a hash of the content (duplicates), the
//!   consent to publish, who handled it and when, and when its contact details were erased.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reply {
    Table,
    PublicText,
    PublicSuggestionText,
}

#[derive(DeriveIden)]
enum Captcha {
    Table,
    Id,
    AnswerHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PublicFeedback {
    Table,
    ClientKey,
    ContentHash,
    ConsentToPublish,
    AnsweredAt,
    HandledBy,
    ContactErasedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let reply_columns = [
            text_null(Reply::PublicText),
            text_null(Reply::PublicSuggestionText),
        ];
        for mut column in reply_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Reply::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // Replies published before this migration show what they showed before.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE reply SET public_text = CASE publication \
                 WHEN 'FULL' THEN body WHEN 'SUMMARY' THEN summary END \
                 WHERE publication <> 'NONE'",
            )
            .await?;
        manager
            .create_index(index(
                "idx_reply_published",
                Reply::Table,
                &["published_at", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Captcha::Table)
                    .col(string_len(Captcha::Id, 32).primary_key())
                    .col(string_len(Captcha::AnswerHash, 64))
                    .col(timestamp_with_time_zone(Captcha::CreatedAt))
                    .col(timestamp_with_time_zone(Captcha::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_captcha_expires",
                Captcha::Table,
                &["expires_at"],
            ))
            .await?;

        let feedback_columns = [
            string_len_null(PublicFeedback::ClientKey, 64),
            string_len_null(PublicFeedback::ContentHash, 64),
            boolean(PublicFeedback::ConsentToPublish)
                .default(false)
                .to_owned(),
            timestamp_with_time_zone_null(PublicFeedback::AnsweredAt),
            big_integer_null(PublicFeedback::HandledBy),
            timestamp_with_time_zone_null(PublicFeedback::ContactErasedAt),
        ];
        for mut column in feedback_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(PublicFeedback::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        for (name, cols) in [
            (
                "idx_public_feedback_client",
                &["client_key", "submitted_at"][..],
            ),
            (
                "idx_public_feedback_reply_time",
                &["reply_id", "submitted_at"][..],
            ),
            ("idx_public_feedback_submitted", &["submitted_at"][..]),
        ] {
            manager
                .create_index(index(name, PublicFeedback::Table, cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_public_feedback_submitted",
            "idx_public_feedback_reply_time",
            "idx_public_feedback_client",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(PublicFeedback::Table)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            PublicFeedback::ContactErasedAt,
            PublicFeedback::HandledBy,
            PublicFeedback::AnsweredAt,
            PublicFeedback::ConsentToPublish,
            PublicFeedback::ContentHash,
            PublicFeedback::ClientKey,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PublicFeedback::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Captcha::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_reply_published")
                    .table(Reply::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Reply::PublicSuggestionText, Reply::PublicText] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Reply::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
