//! How an unexpected error is answered, the same way on every route (GraphQL and the
//! spreadsheet routes): logged in full with the request id, answered with a stable code and
//! a generic message, so no SQL, table name or stack trace ever leaves the server.

/// What a client is told about an unexpected error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `UNAVAILABLE` when the database cannot be reached or written (retry later),
    /// `INTERNAL` otherwise.
    pub code: &'static str,
    /// Chinese first, then English, with the request id.
    pub message: String,
}

impl Failure {
    /// Logs `error` with `request_id` and says what to answer.
    pub fn of(error: &anyhow::Error, request_id: &str) -> Self {
        if is_unavailable(error) {
            tracing::warn!(request_id = %request_id, error = ?error, "database unavailable");
            return Self {
                code: "UNAVAILABLE",
                message: format!(
                    "服务暂不可用，请稍后重试 (service unavailable: the database cannot be reached; retry later); request id {request_id}"
                ),
            };
        }
        tracing::error!(request_id = %request_id, error = ?error, "unexpected error");
        Self {
            code: "INTERNAL",
            message: format!(
                "服务器内部错误，请稍后重试 (internal error); request id {request_id}"
            ),
        }
    }

    /// True for `UNAVAILABLE`: nothing the request asked for is at fault.
    pub fn is_unavailable(&self) -> bool {
        self.code == "UNAVAILABLE"
    }
}

/// True when `error` comes from not reaching the database (no connection to be had, a
/// connection lost mid-way) or from storage that cannot be written (a full disk, a
/// read-only file), rather than from what the request asked.
pub fn is_unavailable(error: &anyhow::Error) -> bool {
    fn sqlx_unreachable(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            // SQLite's answers when its files cannot be written: SQLITE_READONLY (8),
            // SQLITE_IOERR (10, and its extended codes), SQLITE_FULL (13), SQLITE_CANTOPEN (14).
            sqlx::Error::Database(db) => {
                db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                    && matches!(
                        db.code()
                            .and_then(|c| c.parse::<i64>().ok())
                            .map(|c| c & 0xff),
                        Some(8 | 10 | 13 | 14)
                    )
            }
            _ => false,
        }
    }
    error
        .chain()
        .any(|cause| match cause.downcast_ref::<sea_orm::DbErr>() {
            Some(sea_orm::DbErr::ConnectionAcquire(_)) => true,
            Some(
                sea_orm::DbErr::Conn(runtime)
                | sea_orm::DbErr::Exec(runtime)
                | sea_orm::DbErr::Query(runtime),
            ) => matches!(runtime, sea_orm::RuntimeErr::SqlxError(e) if sqlx_unreachable(e)),
            _ => cause
                .downcast_ref::<sqlx::Error>()
                .is_some_and(sqlx_unreachable),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_unavailable_and_anything_else_internal() {
        let unreachable = anyhow::Error::new(sea_orm::DbErr::ConnectionAcquire(
            sea_orm::ConnAcquireErr::Timeout,
        ))
        .context("loading a suggestion");
        let failure = Failure::of(&unreachable, "r-1");
        assert_eq!(failure.code, "UNAVAILABLE");
        assert!(failure.is_unavailable());
        assert!(failure.message.contains("r-1"), "{}", failure.message);

        let bug = anyhow::anyhow!("SELECT secret FROM app_user failed").context("a step");
        let failure = Failure::of(&bug, "r-2");
        assert_eq!(failure.code, "INTERNAL");
        assert!(!failure.is_unavailable());
        assert!(failure.message.contains("r-2"), "{}", failure.message);
        assert!(
            !failure.message.contains("SELECT"),
            "the cause stays in the log"
        );
    }
}
