//! Signing in and out: bearer tokens (random, stored hashed), their absolute and idle expiry, failed sign-ins counted per account and per client address, and the token check of every request (cached briefly).

use super::*;

/// A token is refreshed in the database at most this often, so reads do not turn into
/// writes on every request.
const TOUCH_INTERVAL_SECS: i64 = 60;

pub(super) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("bl_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn invalid_credentials() -> ServiceError {
    ServiceError::User(vec![UserError::new(
        &["input"],
        crate::domain::ErrorCode::InvalidCredentials,
        "用户名或密码错误，或账户已停用、暂时锁定 (wrong username or password, or the account is disabled or temporarily locked)",
    )])
}

/// What `login` hands back.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The bearer token; shown once, never stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: app_user::Model,
}

/// RATE_LIMITED while `client` is past its failed sign-ins of the window.
async fn check_address(
    db: &Db,
    policy: &AuthPolicy,
    client: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    match policy.per_address.check(db.conn(), client, now).await? {
        Ok(()) => Ok(()),
        Err(wait) => Err(UserError::rate_limited(
            &["input"],
            format!("此地址登录失败次数过多，请 {wait} 秒后再试 (too many failed sign-ins from this address; retry in {wait} s)"),
            wait,
        )
        .into()),
    }
}

/// Signs in with a username and password: a new bearer token, or INVALID_CREDENTIALS (the
/// same answer, after the same work, whatever was wrong) with the failure counted.
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
        check_address(db, policy, client, now).await?;
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
pub(super) async fn record_failure(
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
    crate::service::token_cache::changed(db, tokens).await;
    Ok(result.rows_affected == 1)
}

pub(super) async fn revoke_all<C: ConnectionTrait>(
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
