//! Counts per client and time window that every banli instance over one database shares:
//! CAPTCHAs drawn per address and minute, failed sign-ins per address. Kept in memory,
//! three instances behind a load balancer allowed three times the limit.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClientWindow {
    Table,
    /// What is counted and for whom, e.g. `captcha:203.0.113.7`.
    Key,
    /// The window's first second (Unix time, a multiple of the window's length).
    WindowStart,
    Count,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClientWindow::Table)
                    .col(string_len(ClientWindow::Key, 200))
                    .col(big_integer(ClientWindow::WindowStart))
                    .col(integer(ClientWindow::Count))
                    .primary_key(
                        Index::create()
                            .col(ClientWindow::Key)
                            .col(ClientWindow::WindowStart),
                    )
                    .to_owned(),
            )
            .await?;
        // Housekeeping deletes past windows by their start.
        manager
            .create_index(index(
                "idx_client_window_start",
                ClientWindow::Table,
                &["window_start"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientWindow::Table).to_owned())
            .await
    }
}
