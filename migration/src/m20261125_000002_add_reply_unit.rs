//! The handling unit on the reply itself (a copy of its assignment's `unit_id`, which never
//! changes), so "published replies of one unit, newest first" — the public list's unit
//! filter — reads one index in order instead of every assignment of the unit (BENCHMARKS.md,
//! issue 5: 30× the cost of the plain list without it).

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reply {
    Table,
    UnitId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Reply::Table)
                    .add_column(
                        ColumnDef::new(Reply::UnitId)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE reply SET unit_id = \
                 (SELECT assignment.unit_id FROM assignment WHERE assignment.id = reply.assignment_id)",
            )
            .await?;
        manager
            .create_index(index(
                "idx_reply_unit_published",
                Reply::Table,
                &["unit_id", "published_at", "id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_reply_unit_published")
                    .table(Reply::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Reply::Table)
                    .drop_column(Reply::UnitId)
                    .to_owned(),
            )
            .await
    }
}
