//! A case marked confidential after its reply was published kept the publication, hidden
//! only by the confidentiality test of the public queries: clearing the mark published the
//! reply again without anyone deciding so. Marking a case confidential now withdraws its
//! publications (`service::reply::withdraw_publications`); this brings rows written before
//! into the same state. Their public search documents are left to the public queries'
//! confidentiality test, which keeps excluding them, and go at the next index rebuild.

use sea_orm_migration::prelude::*;

use crate::helpers::withdraw_publications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        withdraw_publications(
            manager,
            "assignment_id IN (SELECT assignment.id FROM assignment \
             JOIN suggestion ON suggestion.id = assignment.suggestion_id \
             WHERE suggestion.confidential)",
        )
        .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // A withdrawn publication is not restored: the office publishes again if it means to.
        Ok(())
    }
}
