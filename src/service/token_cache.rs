//! A short-lived cache of checked bearer tokens, so a desk's stream of requests does not
//! look its token and user up in the database on every request (one statement of the
//! few a nested read makes).
//!
//! - An entry answers for at most `auth_cache_secs` of the clock (default 5 s) and never
//!   past the token's own absolute or idle expiry.
//! - Every change this process makes to users or tokens (sign-out, a user changed or
//!   disabled, a new password) empties the cache after its commit, and a lookup that
//!   started before such a change cannot store its (older) answer afterwards: a
//!   generation number guards the store. So within one process a revocation takes effect
//!   on the next request, as without the cache.
//! - Changes made by another server on the same PostgreSQL reach this one at once: the
//!   writer sends `NOTIFY banli_auth` after its commit and [`listen`] empties this cache
//!   when it hears it (or when its connection was lost, as it may have missed one). Changes
//!   that are not announced (the CLI, SQLite) or whose notification is lost reach it within
//!   `auth_cache_secs`; set it to 0 to look every token up.
//! - Bounded: at most [`CAPACITY`] tokens; when full, expired entries go first, then all.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::domain::access::Principal;

/// Most tokens the cache holds.
pub const CAPACITY: usize = 10_000;

/// The PostgreSQL channel on which instances announce changes to users and tokens.
pub const CHANNEL: &str = "banli_auth";

/// After a change to users or tokens has committed: empties this process's token cache
/// and, on PostgreSQL, tells every other instance to empty theirs (`NOTIFY banli_auth`,
/// heard by [`listen`]). A lost notification only delays the change there to
/// `auth_cache_secs`.
pub async fn changed(db: &crate::db::Db, tokens: &TokenCache) {
    tokens.invalidate();
    if db.backend() == sea_orm::DbBackend::Postgres {
        if let Err(error) =
            sea_orm::ConnectionTrait::execute_unprepared(db.conn(), &format!("NOTIFY {CHANNEL}"))
                .await
        {
            tracing::warn!(?error, "could not tell other instances of a sign-out or user change; they see it within auth_cache_secs");
        }
    }
}

/// On PostgreSQL, listens on [`CHANNEL`] for the life of the process and empties `tokens`
/// at each notification, and whenever the listening connection was lost (a notification
/// may have been missed). `None` on SQLite.
pub fn listen(
    db: crate::db::Db,
    tokens: std::sync::Arc<TokenCache>,
) -> Option<tokio::task::JoinHandle<()>> {
    if db.backend() != sea_orm::DbBackend::Postgres {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            let pool = db.conn().get_postgres_connection_pool();
            let mut listener = match sqlx::postgres::PgListener::connect_with(pool).await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(
                        ?error,
                        "cannot listen for sign-outs of other instances; retrying"
                    );
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    continue;
                }
            };
            if let Err(error) = listener.listen(CHANNEL).await {
                tracing::warn!(
                    ?error,
                    "cannot listen for sign-outs of other instances; retrying"
                );
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                continue;
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) | Ok(None) => tokens.invalidate(),
                    Err(error) => {
                        // The pool closed (shutting down) or the server refuses: stop,
                        // retrying after a pause unless the pool is gone.
                        tokens.invalidate();
                        if matches!(error, sqlx::Error::PoolClosed) {
                            return;
                        }
                        tracing::warn!(?error, "lost the sign-out channel; listening again");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        break;
                    }
                }
            }
        }
    }))
}

#[derive(Debug)]
pub struct TokenCache {
    ttl: chrono::Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    entries: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    principal: Principal,
    checked_at: DateTime<Utc>,
    fresh_until: DateTime<Utc>,
}

/// Taken before a lookup in the database; the answer is stored only if no change to users
/// or tokens happened since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl TokenCache {
    /// `ttl` zero disables the cache.
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::zero()),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map stays consistent whatever panicked while holding it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The principal of the token with this hash, if it was checked recently enough.
    pub fn get(&self, token_hash: &str, now: DateTime<Utc>) -> Option<Principal> {
        if self.ttl <= chrono::Duration::zero() {
            return None;
        }
        let inner = self.lock();
        let entry = inner.entries.get(token_hash)?;
        (entry.checked_at <= now && now < entry.fresh_until).then(|| entry.principal.clone())
    }

    /// Call before looking a token up in the database; pass the result to [`Self::put`].
    pub fn generation(&self) -> Generation {
        Generation(self.lock().generation)
    }

    /// Stores a token found valid at `now` until `valid_until` (its own expiry), unless a
    /// change to users or tokens happened since `generation` was taken.
    pub fn put(
        &self,
        generation: Generation,
        token_hash: &str,
        principal: &Principal,
        now: DateTime<Utc>,
        valid_until: DateTime<Utc>,
    ) {
        if self.ttl <= chrono::Duration::zero() {
            return;
        }
        let fresh_until = Ord::min(now + self.ttl, valid_until);
        let mut inner = self.lock();
        if inner.generation != generation.0 || fresh_until <= now {
            return;
        }
        if inner.entries.len() >= CAPACITY && !inner.entries.contains_key(token_hash) {
            inner.entries.retain(|_, e| e.fresh_until > now);
            if inner.entries.len() >= CAPACITY {
                inner.entries.clear();
            }
        }
        inner.entries.insert(
            token_hash.to_owned(),
            Entry {
                principal: principal.clone(),
                checked_at: now,
                fresh_until,
            },
        );
    }

    /// Forgets every token: after any committed change to users or tokens.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.clear();
    }

    /// Tokens held (for tests).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Role;
    use chrono::TimeZone as _;
    use std::time::Duration;

    fn principal() -> Principal {
        Principal {
            user_id: 7,
            username: "办公室".into(),
            role: Role::OfficeAdmin,
            unit_id: None,
            deputy_id: None,
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0)
            .single()
            .expect("a time")
    }

    #[test]
    fn answers_within_its_ttl_and_the_tokens_own_expiry() {
        // (ttl secs, token valid until, asked at, answers)
        let cases = [
            (5, 100, 0, true),
            (5, 100, 4, true),
            (5, 100, 5, false),
            (5, 3, 2, true),
            (5, 3, 3, false),
            (5, 100, -1, false), // a clock set back does not extend an entry
            (0, 100, 0, false),  // disabled
        ];
        for (ttl, valid_until, asked, answers) in cases {
            let cache = TokenCache::new(Duration::from_secs(ttl));
            let generation = cache.generation();
            cache.put(generation, "h", &principal(), at(0), at(valid_until));
            assert_eq!(
                cache.get("h", at(asked)).is_some(),
                answers,
                "ttl {ttl}, valid until {valid_until}, asked at {asked}"
            );
        }
    }

    #[test]
    fn a_change_empties_it_and_refuses_older_lookups() {
        let cache = TokenCache::new(Duration::from_secs(5));
        let before = cache.generation();
        cache.put(before, "a", &principal(), at(0), at(100));
        assert_eq!(cache.get("a", at(1)), Some(principal()));
        cache.invalidate();
        assert_eq!(cache.get("a", at(1)), None);
        // A lookup that began before the change may have read the old row: not stored.
        cache.put(before, "a", &principal(), at(1), at(100));
        assert_eq!(cache.get("a", at(1)), None);
        cache.put(cache.generation(), "a", &principal(), at(1), at(100));
        assert_eq!(cache.get("a", at(2)), Some(principal()));
    }

    #[test]
    fn stays_bounded() {
        let cache = TokenCache::new(Duration::from_secs(5));
        for i in 0..CAPACITY + 10 {
            cache.put(
                cache.generation(),
                &i.to_string(),
                &principal(),
                at(0),
                at(100),
            );
        }
        assert!(cache.len() <= CAPACITY);
        assert!(cache.get(&(CAPACITY + 9).to_string(), at(1)).is_some());
    }
}
