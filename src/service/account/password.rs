//! Password hashing (Argon2id, OWASP parameters) with a bounded number of hashes at once, and the constant-time answer for unknown users.

use super::*;

pub(super) fn argon2() -> Argon2<'static> {
    // OWASP Password Storage cheat sheet: m=19456 KiB, t=2, p=1. The constants are valid,
    // so `Params::new` cannot fail; fall back to the crate default (also argon2id) anyway.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// How long a password check waits for a turn at the hasher before it is refused.
const HASH_WAIT: Duration = Duration::from_secs(2);

/// A turn at argon2: at most one hash per core runs at once in this process, whatever the
/// number of requests (each takes 19 MiB and tens of milliseconds on purpose; unbounded,
/// 32 connections of aliased sign-ins took the server past 1 GB). The others wait up to
/// [`HASH_WAIT`], then are answered RATE_LIMITED.
pub(super) async fn hash_turn() -> ServiceResult<tokio::sync::SemaphorePermit<'static>> {
    static TURNS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let turns = TURNS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores)
    });
    match tokio::time::timeout(HASH_WAIT, turns.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(closed)) => Err(anyhow::anyhow!("the password hasher is closed: {closed}").into()),
        Err(_) => Err(UserError::rate_limited(
            &["input"],
            "服务器繁忙，请稍后再试 (the server is busy checking passwords; retry in a moment)",
            1,
        )
        .into()),
    }
}

/// Hashes a password off the async runtime (it takes tens of milliseconds on purpose).
pub(super) async fn hash_password(password: &NewPassword) -> ServiceResult<String> {
    let secret = password.expose().to_owned();
    let _turn = hash_turn().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2()
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("password hashing task failed: {e}"))?
    .map_err(ServiceError::Unexpected)
}

/// A hash of a random password, checked when there is no real hash to check, so a failed
/// sign-in takes as long whatever the reason.
pub(super) fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2()
            .hash_password(random_token().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// True when `password` matches the PHC string `hash`.
pub(super) async fn verify_password(password: &str, hash: &str) -> ServiceResult<bool> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    let _turn = hash_turn().await?;
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("password check task failed: {e}")))
}
