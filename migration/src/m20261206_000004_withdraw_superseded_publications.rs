//! A reply superseded by a later round's reply could be published beside it, so the public
//! saw two different answers to one suggestion. Publishing now refuses a superseded reply
//! and withdraws earlier rounds' publications (`service::reply::publish`); this brings rows
//! written before into the same state. Their public search documents are left to the
//! public queries, which no longer return them, and go at the next index rebuild.

use sea_orm_migration::prelude::*;

use crate::helpers::withdraw_publications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        withdraw_publications(
            manager,
            "EXISTS (SELECT 1 FROM reply later \
             WHERE later.assignment_id = reply.assignment_id AND later.round > reply.round)",
        )
        .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // A withdrawn publication is not restored: the office publishes again if it means to.
        Ok(())
    }
}
