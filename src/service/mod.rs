//! Services: one module per aggregate. Each state change is one database transaction
//! with a version check; each function returns either the changed record, the user
//! errors that explain why nothing changed, or an unexpected error for the log.
//!
//! Services take plain data (ids, strings, dates) and parse it through `crate::domain`,
//! so every entry point (GraphQL today, imports later) validates the same way.

pub mod account;
pub mod assignment;
pub mod attachment;
pub mod audit;
pub mod calendar;
pub mod captcha;
pub mod deadline;
pub mod delivery;
pub mod deputy;
pub mod export;
pub mod facts;
pub mod failure;
pub mod feed_cursor;
pub mod feedback;
pub mod filing;
pub mod idempotency;
pub mod import;
pub mod limiter;
pub mod notification;
pub mod notification_settings;
pub mod page;
pub mod public;
pub mod release;
pub mod reminder;
pub mod reply;
pub mod scope;
pub mod search;
pub mod session;
pub mod spreadsheet;
pub mod statistics;
pub mod suggestion;
pub mod suggestion_state;
pub mod supervision;
pub mod timeline;
pub mod token_cache;
pub mod unit;
pub mod work;
pub mod workflow;

use sea_orm::{DbErr, SqlErr};

use crate::domain::UserError;

/// Why a service call changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Errors the caller can fix; reported as `userErrors`.
    #[error("{} user error(s)", .0.len())]
    User(Vec<UserError>),
    /// Anything else; logged with its context and reported as INTERNAL.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<UserError> for ServiceError {
    fn from(error: UserError) -> Self {
        Self::User(vec![error])
    }
}

impl From<Vec<UserError>> for ServiceError {
    fn from(errors: Vec<UserError>) -> Self {
        Self::User(errors)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Adds words to a database error so the log says what failed.
pub(crate) trait DbContext<T> {
    fn during(self, what: &'static str) -> ServiceResult<T>;
}

impl<T> DbContext<T> for Result<T, DbErr> {
    fn during(self, what: &'static str) -> ServiceResult<T> {
        self.map_err(|e| ServiceError::Unexpected(anyhow::Error::new(e).context(what)))
    }
}

/// Maps a unique-constraint violation to a user error. `needles` name the constraint as
/// PostgreSQL reports it (index name) and as SQLite does (`table.column`).
pub(crate) fn on_unique(
    err: DbErr,
    needles: &[&str],
    error: UserError,
    what: &'static str,
) -> ServiceError {
    if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
        if needles.iter().any(|n| message.contains(n)) {
            return ServiceError::User(vec![error]);
        }
    }
    ServiceError::Unexpected(anyhow::Error::new(err).context(what))
}

/// The CONFLICT error when a row changed since the caller read it.
pub(crate) fn conflict(what: &str, field: &[&str]) -> ServiceError {
    ServiceError::User(vec![UserError::conflict(
        field,
        format!("{what}已被他人修改，请刷新后重试 (changed by someone else since you read it; reload and retry)"),
    )])
}

/// Saves `changes` to the row `id` of `A`'s table if it is still at `version` (CONFLICT at
/// `field`, naming `what`, if someone changed it since), moving its `version` on and
/// stamping `updated_at`; returns the row as saved. The table needs `id`, `version` and
/// `updated_at` columns.
pub(crate) async fn save_versioned<C, A>(
    conn: &C,
    id: i64,
    version: i32,
    mut changes: A,
    now: chrono::DateTime<chrono::Utc>,
    what: &str,
    field: &[&str],
) -> ServiceResult<<A::Entity as sea_orm::EntityTrait>::Model>
where
    C: sea_orm::ConnectionTrait,
    A: sea_orm::ActiveModelTrait + Send,
{
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    use std::str::FromStr as _;
    let column = |name: &str| {
        <A::Entity as sea_orm::EntityTrait>::Column::from_str(name)
            .map_err(|_| anyhow::anyhow!("the {what} table has no column {name}"))
    };
    let (id_column, version_column) = (column("id")?, column("version")?);
    changes.set(version_column, (version + 1).into());
    changes.set(column("updated_at")?, now.into());
    let result = A::Entity::update_many()
        .set(changes)
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(conn)
        .await
        .during("saving a versioned row")?;
    if result.rows_affected != 1 {
        return Err(conflict(what, field));
    }
    A::Entity::find()
        .filter(id_column.eq(id))
        .one(conn)
        .await
        .during("reloading a versioned row")?
        .ok_or_else(|| anyhow::anyhow!("{what} {id} vanished inside its own transaction").into())
}

/// Checks a version the client sent against the stored one.
pub(crate) fn check_version(what: &str, expected: Option<i32>, stored: i32) -> ServiceResult<()> {
    match expected {
        Some(v) if v != stored => Err(conflict(what, &["input", "expectedVersion"])),
        _ => Ok(()),
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern that uses `\` as its escape character.
pub(crate) fn like_contains(keyword: &str) -> String {
    let mut pattern = String::with_capacity(keyword.len() + 2);
    pattern.push('%');
    for c in keyword.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `column LIKE '%keyword%' ESCAPE '\'`, with the keyword's own wildcards escaped.
pub(crate) fn contains<C: sea_orm::ColumnTrait>(
    column: C,
    keyword: &str,
) -> sea_orm::sea_query::SimpleExpr {
    column.like(sea_orm::sea_query::LikeExpr::new(like_contains(keyword)).escape('\\'))
}
