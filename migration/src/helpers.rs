//! Small builders the migrations share.

use sea_orm_migration::prelude::*;

/// A foreign key that refuses deletes and key changes of the referenced row.
pub(crate) fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .to_owned()
}

/// Withdraws the publication of the replies `condition` (SQL over `reply`) selects: a data
/// fix for publications a later rule no longer allows.
pub(crate) async fn withdraw_publications(
    manager: &SchemaManager<'_>,
    condition: &str,
) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "UPDATE reply SET publication = 'NONE', published_at = NULL, \
             public_text = NULL, public_suggestion_text = NULL, version = version + 1 \
             WHERE publication <> 'NONE' AND {condition}"
        ))
        .await?;
    Ok(())
}

/// A plain index on `cols` of `table`.
pub(crate) fn index(
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}
