//! Accounts and sign-in (OWASP Authentication and Session Management cheat sheets).
//!
//! - Passwords are hashed with argon2id at OWASP's recommended minimum (19 MiB, 2
//!   iterations, 1 lane), off the async runtime; the length is capped before hashing.
//! - A failed sign-in answers the same whether the name is unknown, the password wrong,
//!   or the account disabled or locked, and takes about as long (a dummy hash is checked
//!   when there is no real one).
//! - `login` hands out an opaque random token; only its SHA-256 is stored. A token dies
//!   at its absolute expiry, after an idle period, at `logout`, or when the user is
//!   disabled or gets a new password. A role or unit change takes effect on the next
//!   request: a checked token is cached for a few seconds (`token_cache`), and every
//!   change to users or tokens empties that cache.

use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use entity::{app_user, auth_token, deputy, handling_unit};
use rand::RngCore as _;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, Select,
};
use sha2::{Digest as _, Sha256};

use super::limiter::ClientWindow;
use super::token_cache::TokenCache;
use super::{check_version, conflict, on_unique, page, DbContext, ServiceError, ServiceResult};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::access::{
    check_binding, NewPassword, Principal, Role, Username, PASSWORD_MAX_CHARS,
};
use crate::domain::error::Errors;
use crate::domain::text::{self, Lines};
use crate::domain::UserError;

/// How sign-in behaves; from the settings.
#[derive(Debug, Clone, Copy)]
pub struct AuthPolicy {
    pub max_failures: u32,
    pub lockout: Duration,
    pub absolute: Duration,
    pub idle: Duration,
    /// Failed sign-ins per client address (over all accounts and instances).
    pub per_address: ClientWindow,
}

impl AuthPolicy {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            max_failures: Ord::max(settings.login_max_failures, 1),
            lockout: Duration::from_secs(settings.login_lockout_secs),
            absolute: Duration::from_secs(Ord::max(settings.session_absolute_minutes, 1) * 60),
            idle: Duration::from_secs(Ord::max(settings.session_idle_minutes, 1) * 60),
            per_address: ClientWindow {
                name: "login-failure",
                limit: settings.login_address_max_failures,
                length: Duration::from_secs(Ord::max(settings.login_lockout_secs, 60)),
            },
        }
    }
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self::from_settings(&Settings::default())
    }
}

/// A token is refreshed in the database at most this often, so reads do not turn into
/// writes on every request.
const TOUCH_INTERVAL_SECS: i64 = 60;

fn argon2() -> Argon2<'static> {
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
async fn hash_turn() -> ServiceResult<tokio::sync::SemaphorePermit<'static>> {
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
async fn hash_password(password: &NewPassword) -> ServiceResult<String> {
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
fn dummy_hash() -> &'static str {
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
async fn verify_password(password: &str, hash: &str) -> ServiceResult<bool> {
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

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("bl_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn invalid_credentials() -> ServiceError {
    ServiceError::User(vec![UserError::new(
        &["input"],
        crate::domain::ErrorCode::InvalidCredentials,
        "用户名或密码错误，或账户已停用、暂时锁定 (wrong username or password, or the account is disabled or temporarily locked)",
    )])
}

fn after(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// A new user as the API or the command line describes them.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub deputy_id: Option<i64>,
    pub password: String,
}

/// Checks that a bound unit or deputy exists.
async fn check_bound<C: ConnectionTrait>(
    conn: &C,
    unit_id: Option<i64>,
    deputy_id: Option<i64>,
    errors: &mut Errors,
) -> ServiceResult<()> {
    if let Some(id) = unit_id {
        if handling_unit::Entity::find_by_id(id)
            .one(conn)
            .await
            .during("checking the unit")?
            .is_none()
        {
            errors.push(UserError::missing(&["input", "unitId"], "承办单位", "unit"));
        }
    }
    if let Some(id) = deputy_id {
        if deputy::Entity::find_by_id(id)
            .one(conn)
            .await
            .during("checking the deputy")?
            .is_none()
        {
            errors.push(UserError::missing(&["input", "deputyId"], "代表", "deputy"));
        }
    }
    Ok(())
}

pub async fn create_user(
    db: &Db,
    input: NewUser,
    now: DateTime<Utc>,
) -> ServiceResult<app_user::Model> {
    let mut errors = Errors::new();
    let username = errors.check(Username::parse(&input.username, &["input", "username"]));
    let display_name = errors.check(text::required(
        &input.display_name,
        &["input", "displayName"],
        100,
        Lines::Single,
    ));
    let password = username.as_ref().and_then(|u| {
        errors.check(NewPassword::parse(
            &input.password,
            u,
            &["input", "password"],
        ))
    });
    if let Err(e) = check_binding(input.role, input.unit_id, input.deputy_id) {
        errors.push(e.under(&["input"]));
    }
    check_bound(db.conn(), input.unit_id, input.deputy_id, &mut errors).await?;
    errors.finish()?;
    let (Some(username), Some(display_name), Some(password)) = (username, display_name, password)
    else {
        return Err(anyhow::anyhow!("validated user fields missing").into());
    };
    let hash = hash_password(&password).await?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = app_user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        display_name: Set(display_name),
        role: Set(input.role.as_str().to_owned()),
        unit_id: Set(input.unit_id),
        deputy_id: Set(input.deputy_id),
        password_hash: Set(hash),
        disabled: Set(false),
        failed_attempts: Set(0),
        locked_until: Set(None),
        last_login_at: Set(None),
        password_changed_at: Set(now),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .map_err(|e| {
        on_unique(
            e,
            &["username"],
            UserError::duplicate(&["input", "username"], "用户名已被使用 (username taken)"),
            "inserting a user",
        )
    })?;
    txn.audit_created("User", saved.id);
    txn.commit().await.during("committing a user")?;
    Ok(saved)
}

/// What `login` hands back.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The bearer token; shown once, never stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: app_user::Model,
}

pub async fn login(
    db: &Db,
    policy: &AuthPolicy,
    username: &str,
    password: &str,
    client_ip: Option<String>,
    now: DateTime<Utc>,
) -> ServiceResult<SignedIn> {
    // Checked before any hashing: a megabyte "password" costs nothing, and an address
    // past its failures is turned away without one.
    if password.chars().count() > PASSWORD_MAX_CHARS || username.chars().count() > 64 {
        return Err(invalid_credentials());
    }
    if let Some(client) = client_ip.as_deref() {
        if let Err(wait) = policy.per_address.check(db.conn(), client, now).await? {
            return Err(UserError::rate_limited(
                &["input"],
                format!("此地址登录失败次数过多，请 {wait} 秒后再试 (too many failed sign-ins from this address; retry in {wait} s)"),
                wait,
            )
            .into());
        }
    }
    let name = username.trim().to_ascii_lowercase();
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(name))
        .one(db.conn())
        .await
        .during("looking up a user")?;
    let usable = user.filter(|u| {
        !u.disabled
            && u.locked_until.is_none_or(|until| until <= now)
            && Role::parse(&u.role).is_some()
    });
    let hash = usable
        .as_ref()
        .map_or_else(|| dummy_hash(), |u| u.password_hash.as_str());
    let matches = verify_password(password, hash).await?;
    let Some(user) = usable.as_ref().filter(|_| matches) else {
        let user_id = usable.as_ref().map(|u| u.id);
        record_failure(db, policy, user_id, client_ip.as_deref(), now).await?;
        return Err(invalid_credentials());
    };
    let token = random_token();
    let expires_at = after(now, policy.absolute);
    let txn = db.begin_write().await.during("beginning a transaction")?;
    app_user::Entity::update_many()
        .col_expr(app_user::Column::FailedAttempts, Expr::value(0))
        .col_expr(
            app_user::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(app_user::Column::LastLoginAt, Expr::value(now))
        .filter(app_user::Column::Id.eq(user.id))
        .exec(&*txn)
        .await
        .during("recording a sign-in")?;
    auth_token::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(token_hash(&token)),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        client_ip: Set(client_ip),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .during("storing a token")?;
    txn.commit().await.during("committing a sign-in")?;
    let user = app_user::Model {
        failed_attempts: 0,
        locked_until: None,
        last_login_at: Some(now),
        ..user.clone()
    };
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}

/// Counts a failed sign-in against the client's address, and a wrong password against the
/// account (`user_id`), which it locks when the count reaches the limit. One statement
/// each, so concurrent failures are all counted.
async fn record_failure(
    db: &Db,
    policy: &AuthPolicy,
    user_id: Option<i64>,
    client: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    if let Some(client) = client {
        policy.per_address.count(&*txn, client, now).await?;
    }
    let Some(user_id) = user_id else {
        txn.commit_with_user_errors(&["INVALID_CREDENTIALS"])
            .await
            .during("committing a failed sign-in")?;
        return Ok(());
    };
    app_user::Entity::update_many()
        .col_expr(
            app_user::Column::FailedAttempts,
            Expr::col(app_user::Column::FailedAttempts).add(1),
        )
        .filter(app_user::Column::Id.eq(user_id))
        .exec(&*txn)
        .await
        .during("counting a failed sign-in")?;
    let locked = app_user::Entity::update_many()
        .col_expr(
            app_user::Column::LockedUntil,
            Expr::value(after(now, policy.lockout)),
        )
        .col_expr(app_user::Column::FailedAttempts, Expr::value(0))
        .filter(app_user::Column::Id.eq(user_id))
        .filter(app_user::Column::FailedAttempts.gte(policy.max_failures as i32))
        .exec(&*txn)
        .await
        .during("locking an account")?;
    txn.commit_with_user_errors(&["INVALID_CREDENTIALS"])
        .await
        .during("committing a failed sign-in")?;
    if locked.rows_affected > 0 {
        tracing::warn!(user_id, "account locked after repeated failed sign-ins");
    }
    Ok(())
}

/// The user behind a bearer token, or `None` when the token is unknown, expired, revoked,
/// or its user disabled.
pub async fn authenticate(
    db: &Db,
    policy: &AuthPolicy,
    cache: &TokenCache,
    token: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Option<(Principal, String)>> {
    if token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(token);
    if let Some(principal) = cache.get(&hash, now) {
        return Ok(Some((principal, hash)));
    }
    let generation = cache.generation();
    // One statement per request (or none, while the token is cached): the token and its
    // user together.
    let found = auth_token::Entity::find()
        .filter(auth_token::Column::TokenHash.eq(hash.as_str()))
        .find_also_related(app_user::Entity)
        .one(db.conn())
        .await
        .during("looking up a token")?;
    let Some((stored, Some(user))) = found else {
        return Ok(None);
    };
    let idle_deadline = after(stored.last_used_at, policy.idle);
    if stored.revoked_at.is_some() || stored.expires_at <= now || idle_deadline <= now {
        return Ok(None);
    }
    let Some(role) = Role::parse(&user.role).filter(|_| !user.disabled) else {
        return Ok(None);
    };
    let mut last_used_at = stored.last_used_at;
    if (now - stored.last_used_at).num_seconds() >= TOUCH_INTERVAL_SECS {
        let txn = db.begin_write().await.during("beginning a transaction")?;
        auth_token::Entity::update_many()
            .col_expr(auth_token::Column::LastUsedAt, Expr::value(now))
            .filter(auth_token::Column::Id.eq(stored.id))
            .exec(&*txn)
            .await
            .during("refreshing a token")?;
        txn.commit().await.during("committing a token refresh")?;
        last_used_at = now;
    }
    let principal = Principal {
        user_id: user.id,
        username: user.username,
        role,
        unit_id: user.unit_id.filter(|_| role == Role::UnitStaff),
        deputy_id: user.deputy_id.filter(|_| role == Role::Deputy),
    };
    let valid_until = Ord::min(stored.expires_at, after(last_used_at, policy.idle));
    cache.put(generation, &hash, &principal, now, valid_until);
    Ok(Some((principal, hash)))
}

/// Revokes the token with this hash; false when it was already unusable.
pub async fn logout(
    db: &Db,
    tokens: &TokenCache,
    token_hash: &str,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let result = auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now))
        .filter(auth_token::Column::TokenHash.eq(token_hash))
        .filter(auth_token::Column::RevokedAt.is_null())
        .exec(&*txn)
        .await
        .during("revoking a token")?;
    txn.commit().await.during("committing a sign-out")?;
    super::token_cache::changed(db, tokens).await;
    Ok(result.rows_affected == 1)
}

async fn revoke_all<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now))
        .filter(auth_token::Column::UserId.eq(user_id))
        .filter(auth_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await
        .during("revoking a user's tokens")?;
    Ok(())
}

/// Changes to a user by an administrator; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` clears the binding.
    pub unit_id: Option<Option<i64>>,
    pub deputy_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
    /// Lifts a lockout.
    pub unlock: bool,
}

fn user_not_found() -> ServiceError {
    UserError::missing(&["input", "id"], "用户", "user").into()
}

/// A user by id, or NOT_FOUND on `input.id`.
async fn load_user<C: ConnectionTrait>(conn: &C, id: i64) -> ServiceResult<app_user::Model> {
    app_user::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading a user")?
        .ok_or_else(user_not_found)
}

pub async fn update_user(
    db: &Db,
    tokens: &TokenCache,
    changes: UserChanges,
    now: DateTime<Utc>,
) -> ServiceResult<app_user::Model> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = load_user(&*txn, changes.id).await?;
    check_version("用户", changes.expected_version, current.version)?;
    let mut errors = Errors::new();
    let display_name = match &changes.display_name {
        Some(name) => errors.check(text::required(
            name,
            &["input", "displayName"],
            100,
            Lines::Single,
        )),
        None => Some(current.display_name.clone()),
    };
    let role = changes
        .role
        .or_else(|| Role::parse(&current.role))
        .ok_or_else(|| anyhow::anyhow!("user {} has an unknown role", current.id))?;
    let unit_id = changes.unit_id.unwrap_or(current.unit_id);
    let deputy_id = changes.deputy_id.unwrap_or(current.deputy_id);
    if let Err(e) = check_binding(role, unit_id, deputy_id) {
        errors.push(e.under(&["input"]));
    }
    check_bound(&*txn, unit_id, deputy_id, &mut errors).await?;
    errors.finish()?;
    let disabled = changes.disabled.unwrap_or(current.disabled);
    let mut model: app_user::ActiveModel = current.clone().into();
    model.display_name = Set(display_name.unwrap_or_default());
    model.role = Set(role.as_str().to_owned());
    model.unit_id = Set(unit_id);
    model.deputy_id = Set(deputy_id);
    model.disabled = Set(disabled);
    if changes.unlock {
        model.locked_until = Set(None);
        model.failed_attempts = Set(0);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    let result = app_user::Entity::update_many()
        .set(model)
        .filter(app_user::Column::Id.eq(current.id))
        .filter(app_user::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("updating a user")?;
    if result.rows_affected != 1 {
        return Err(conflict("用户", &["input", "expectedVersion"]));
    }
    if disabled && !current.disabled {
        revoke_all(&*txn, current.id, now).await?;
    }
    let saved = load_user(&*txn, current.id).await?;
    txn.commit().await.during("committing a user change")?;
    super::token_cache::changed(db, tokens).await;
    Ok(saved)
}

/// Sets a new password (an administrator's reset, or the user's own change after the
/// current password was checked) and signs the user out everywhere.
pub async fn set_password(
    db: &Db,
    tokens: &TokenCache,
    user_id: i64,
    new_password: &str,
    now: DateTime<Utc>,
) -> ServiceResult<app_user::Model> {
    let current = app_user::Entity::find_by_id(user_id)
        .one(db.conn())
        .await
        .during("loading a user")?
        .ok_or_else(user_not_found)?;
    let username = Username::parse(&current.username, &["input", "id"])?;
    let password = NewPassword::parse(new_password, &username, &["input", "newPassword"])?;
    let hash = hash_password(&password).await?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let result = app_user::Entity::update_many()
        .col_expr(app_user::Column::PasswordHash, Expr::value(hash))
        .col_expr(app_user::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(app_user::Column::FailedAttempts, Expr::value(0))
        .col_expr(
            app_user::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(app_user::Column::Version, Expr::value(current.version + 1))
        .col_expr(app_user::Column::UpdatedAt, Expr::value(now))
        .filter(app_user::Column::Id.eq(current.id))
        .filter(app_user::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("storing a password")?;
    if result.rows_affected != 1 {
        return Err(conflict("用户", &["input", "id"]));
    }
    revoke_all(&*txn, current.id, now).await?;
    let saved = load_user(&*txn, current.id).await?;
    txn.commit().await.during("committing a password")?;
    super::token_cache::changed(db, tokens).await;
    Ok(saved)
}

/// The user's own change: the current password must be right. A wrong one counts toward
/// the account's lockout exactly as a failed sign-in does, and a locked account's current
/// password is not checked at all, so a stolen token cannot be used to guess it.
pub async fn change_password(
    db: &Db,
    tokens: &TokenCache,
    policy: &AuthPolicy,
    user_id: i64,
    current_password: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> ServiceResult<app_user::Model> {
    let user = app_user::Entity::find_by_id(user_id)
        .one(db.conn())
        .await
        .during("loading a user")?
        .ok_or_else(user_not_found)?;
    let locked = user.locked_until.is_some_and(|until| until > now);
    let right = !locked
        && current_password.chars().count() <= PASSWORD_MAX_CHARS
        && verify_password(current_password, &user.password_hash).await?;
    if !right {
        if !locked {
            record_failure(db, policy, Some(user.id), None, now).await?;
        }
        return Err(UserError::new(
            &["input", "currentPassword"],
            crate::domain::ErrorCode::InvalidCredentials,
            "当前密码不正确，或因多次输错已暂时锁定 (the current password is wrong, or the account is locked after repeated failures)",
        )
        .into());
    }
    set_password(db, tokens, user_id, new_password, now).await
}

/// Filters of the user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub unit_id: Option<i64>,
    pub keyword: Option<String>,
    pub disabled: Option<bool>,
}

pub fn filtered(filter: &UserFilter) -> Select<app_user::Entity> {
    let mut cond = Condition::all();
    if let Some(role) = filter.role {
        cond = cond.add(app_user::Column::Role.eq(role.as_str()));
    }
    if let Some(unit) = filter.unit_id {
        cond = cond.add(app_user::Column::UnitId.eq(unit));
    }
    if let Some(disabled) = filter.disabled {
        cond = cond.add(app_user::Column::Disabled.eq(disabled));
    }
    if let Some(k) = filter.keyword.as_deref().filter(|k| !k.trim().is_empty()) {
        cond = cond.add(
            Condition::any()
                .add(super::contains(app_user::Column::Username, k.trim()))
                .add(super::contains(app_user::Column::DisplayName, k.trim())),
        );
    }
    app_user::Entity::find().filter(cond)
}

pub async fn list(
    db: &Db,
    filter: &UserFilter,
    args: &page::PageArgs,
) -> ServiceResult<page::Page<app_user::Model>> {
    let ordering = page::Ordering {
        name: "ID_ASC",
        column: None,
        descending: false,
    };
    page::fetch(
        db.conn(),
        filtered(filter),
        app_user::Column::Id,
        ordering,
        args,
        |_| None,
        |m| m.id,
    )
    .await
}

/// A user as `banli user add` describes them: role by name, unit by code, deputy by name.
#[derive(Debug, Clone)]
pub struct CliUser {
    pub role: String,
    pub name: String,
    pub display_name: Option<String>,
    pub unit_code: Option<String>,
    pub deputy_name: Option<String>,
    pub password: String,
}

/// `banli user add`: resolves the names, then creates the user like the API does.
pub async fn add_from_cli(db: &Db, input: CliUser) -> ServiceResult<app_user::Model> {
    let role = Role::parse(&input.role).ok_or_else(|| {
        UserError::invalid(
            &["role"],
            "角色须为 office-admin、office-staff、unit-staff、deputy 或 auditor (unknown role)",
        )
    })?;
    let unit_id = match input.unit_code.as_deref() {
        Some(code) => Some(
            handling_unit::Entity::find()
                .filter(handling_unit::Column::Code.eq(code.trim()))
                .one(db.conn())
                .await
                .during("looking up the unit")?
                .ok_or_else(|| {
                    UserError::not_found(&["unit"], "没有此代码的承办单位 (no unit with this code)")
                })?
                .id,
        ),
        None => None,
    };
    let deputy_id = match input.deputy_name.as_deref() {
        Some(name) => {
            let found = deputy::Entity::find()
                .filter(deputy::Column::Name.eq(name.trim()))
                .all(db.conn())
                .await
                .during("looking up the deputy")?;
            match found.as_slice() {
                [one] => Some(one.id),
                [] => return Err(UserError::not_found(&["deputy"], "没有此姓名的代表 (no deputy with this name)").into()),
                _ => return Err(UserError::invalid(&["deputy"], "有多名同名代表，请在接口中按 ID 绑定 (several deputies have this name; bind by ID in the API)").into()),
            }
        }
        None => None,
    };
    let new = NewUser {
        display_name: input.display_name.unwrap_or_else(|| input.name.clone()),
        username: input.name,
        role,
        unit_id,
        deputy_id,
        password: input.password,
    };
    create_user(db, new, Utc::now()).await
}
