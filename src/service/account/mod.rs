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

mod password;
mod session;
use password::*;
pub use session::*;

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

use super::{check_version, conflict, on_unique, page, DbContext, ServiceError, ServiceResult};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::access::{
    check_binding, NewPassword, Principal, Role, Username, PASSWORD_MAX_CHARS,
};
use crate::domain::error::Errors;
use crate::domain::text::{self, Lines};
use crate::domain::UserError;
use crate::service::limiter::ClientWindow;
use crate::service::token_cache::TokenCache;

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
    crate::service::token_cache::changed(db, tokens).await;
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
    crate::service::token_cache::changed(db, tokens).await;
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

/// The user `id`, if there is one.
pub async fn user(db: &Db, id: i64) -> ServiceResult<Option<app_user::Model>> {
    app_user::Entity::find_by_id(id)
        .one(db.conn())
        .await
        .during("loading a user")
}

/// The user `id` as a caller (a signed download link acts for its user): None when there
/// is no such user, or it is disabled.
pub async fn principal_of(
    db: &Db,
    id: i64,
) -> ServiceResult<Option<crate::domain::access::Principal>> {
    let Some(user) = user(db, id).await? else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&user.role).filter(|_| !user.disabled) else {
        return Ok(None);
    };
    Ok(Some(crate::domain::access::Principal {
        user_id: user.id,
        username: user.username,
        role,
        unit_id: user.unit_id.filter(|_| role == Role::UnitStaff),
        deputy_id: user.deputy_id.filter(|_| role == Role::Deputy),
    }))
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
