//! Per-client limits counted in the database (`client_window`), so every banli instance over
//! one database enforces one limit: with the counts in each process's memory, three
//! instances behind a load balancer let one address draw three times its CAPTCHAs.
//!
//! A [`ClientWindow`] counts uses per client in fixed windows (a minute, a quarter of an
//! hour): the count of the window `now` falls in is compared with the limit. A client may
//! reach up to twice the limit across a window's edge; the windows are short and that is
//! the price of one row per client and window. Callers check before the costly work
//! ([`ClientWindow::check`], a read) and count inside the transaction that records it
//! ([`ClientWindow::count`]), so a refused request writes nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::{DbContext, ServiceResult};

/// A limit of `limit` uses per client in each window of `length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientWindow {
    /// What is counted, the first part of the key (`captcha`, `login-failure`).
    pub name: &'static str,
    pub limit: u32,
    pub length: Duration,
}

/// Longer client strings (they come from headers) are cut, so a key fits its column.
const CLIENT_MAX_CHARS: usize = 150;

impl ClientWindow {
    fn length_secs(&self) -> i64 {
        i64::try_from(self.length.as_secs())
            .unwrap_or(i64::MAX)
            .max(1)
    }

    /// The start (Unix seconds) of the window `now` falls in.
    fn start(&self, now: DateTime<Utc>) -> i64 {
        let length = self.length_secs();
        now.timestamp().div_euclid(length) * length
    }

    fn key(&self, client: &str) -> String {
        let client: String = client.chars().take(CLIENT_MAX_CHARS).collect();
        format!("{}:{client}", self.name)
    }

    /// Whole seconds until the window after the one `now` falls in (at least 1).
    fn wait(&self, now: DateTime<Utc>) -> u32 {
        let left = self.start(now) + self.length_secs() - now.timestamp();
        u32::try_from(left.max(1)).unwrap_or(u32::MAX)
    }

    /// `Ok` while `client` is under the limit in the current window; otherwise the seconds
    /// until the next window. Reads only.
    pub async fn check<C: ConnectionTrait>(
        &self,
        conn: &C,
        client: &str,
        now: DateTime<Utc>,
    ) -> ServiceResult<Result<(), u32>> {
        let backend = conn.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                r#"SELECT "count" FROM client_window WHERE "key" = $1 AND window_start = $2"#
            }
            _ => r#"SELECT "count" FROM client_window WHERE "key" = ? AND window_start = ?"#,
        };
        let row = conn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [self.key(client).into(), self.start(now).into()],
            ))
            .await
            .during("reading a client's count")?;
        let used: i32 = match row {
            Some(row) => row
                .try_get("", "count")
                .during("reading a client's count")?,
            None => 0,
        };
        if u32::try_from(used).unwrap_or(0) >= self.limit {
            Ok(Err(self.wait(now)))
        } else {
            Ok(Ok(()))
        }
    }

    /// Counts one use by `client` in the current window, inside the caller's transaction.
    pub async fn count<C: ConnectionTrait>(
        &self,
        conn: &C,
        client: &str,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let backend = conn.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                r#"INSERT INTO client_window ("key", window_start, "count") VALUES ($1, $2, 1)
                   ON CONFLICT ("key", window_start) DO UPDATE SET "count" = client_window."count" + 1"#
            }
            _ => {
                r#"INSERT INTO client_window ("key", window_start, "count") VALUES (?, ?, 1)
                   ON CONFLICT ("key", window_start) DO UPDATE SET "count" = client_window."count" + 1"#
            }
        };
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [self.key(client).into(), self.start(now).into()],
        ))
        .await
        .during("counting a client's use")?;
        Ok(())
    }
}

/// Deletes the windows that ended more than a day before `now` (housekeeping): no limit
/// here looks back further.
pub async fn purge<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> ServiceResult<u64> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "DELETE FROM client_window WHERE window_start < $1",
        _ => "DELETE FROM client_window WHERE window_start < ?",
    };
    let cutoff = now.timestamp() - 2 * 24 * 3600;
    let result = conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [cutoff.into()],
        ))
        .await
        .during("deleting past client windows")?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::ClientWindow;
    use chrono::{TimeZone as _, Utc};
    use std::time::Duration;

    #[test]
    fn windows_are_fixed_and_the_wait_runs_to_the_next_one() {
        let minute = ClientWindow {
            name: "captcha",
            limit: 3,
            length: Duration::from_secs(60),
        };
        // (seconds after a minute began, the wait)
        for (second, wait) in [(0, 60), (1, 59), (59, 1)] {
            let now = Utc.with_ymd_and_hms(2026, 12, 6, 9, 30, second).unwrap();
            assert_eq!(minute.start(now) % 60, 0);
            assert_eq!(minute.wait(now), wait, "{second}");
        }
        let long = "x".repeat(1_000);
        assert_eq!(minute.key(&long).chars().count(), "captcha:".len() + 150);
    }
}
