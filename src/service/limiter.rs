//! A per-client limit kept in this process's memory (token bucket, `governor`), for
//! requests that cost the server work before any row could be counted — drawing a CAPTCHA.
//! Limits that must hold across instances (feedback per client and per reply) are counted
//! in the database instead (`service::feedback`).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// At most `per_minute` requests per client per minute, with bursts up to that number.
#[derive(Clone)]
pub struct ClientLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl std::fmt::Debug for ClientLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientLimiter").finish_non_exhaustive()
    }
}

impl ClientLimiter {
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(n))),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` when `client` may go on; otherwise the whole seconds to wait (at least 1).
    pub fn check(&self, client: &str) -> Result<(), u32> {
        self.limiter
            .check_key(&client.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                u32::try_from(wait.as_secs() + 1).unwrap_or(u32::MAX)
            })
    }

    /// Forgets clients whose buckets are full again, so memory follows active clients.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_bucket() {
        let limiter = ClientLimiter::per_minute(3);
        for _ in 0..3 {
            assert_eq!(limiter.check("10.0.0.1"), Ok(()));
        }
        let wait = limiter.check("10.0.0.1").unwrap_err();
        assert!((1..=21).contains(&wait), "{wait}");
        assert_eq!(limiter.check("10.0.0.2"), Ok(()));
        limiter.forget_idle();
    }
}
