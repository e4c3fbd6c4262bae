//! Accounts: `login`, `logout`, `me`, and user management for OFFICE_ADMIN.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use entity::app_user;

use crate::graphql::access::{self, Allow, ADMIN};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::error::{for_payload, for_query, UserErrorObject};
use crate::graphql::ids::{self, Decoder, Kind};
use crate::graphql::objects::*;
use crate::graphql::request::RequestAuth;
use crate::graphql::scalars::DateTime;
use crate::graphql::state;
use crate::service::account::{self as svc, NewUser, UserChanges, UserFilter};
use crate::service::{page::PageArgs, ServiceError};

#[derive(InputObject)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <token>`. Shown once; banli keeps only its hash.
    pub token: Option<String>,
    /// The absolute expiry; the token also expires after the configured idle time.
    pub expires_at: Option<DateTime>,
    pub user: Option<User>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// True when this request's token was revoked.
    pub revoked: bool,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    /// 3–64 of a-z 0-9 . _ -
    pub username: String,
    pub display_name: String,
    pub role: UserRole,
    /// Required for UNIT_STAFF.
    pub unit_id: Option<ID>,
    /// Required for DEPUTY.
    pub deputy_id: Option<ID>,
    /// 12–128 characters.
    pub password: String,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub display_name: Option<String>,
    pub role: Option<UserRole>,
    /// null clears it.
    pub unit_id: MaybeUndefined<ID>,
    /// null clears it.
    pub deputy_id: MaybeUndefined<ID>,
    /// Disabling signs the user out everywhere.
    pub disabled: Option<bool>,
    /// Lifts a lockout after repeated wrong passwords.
    #[graphql(default)]
    pub unlock: bool,
}

#[derive(InputObject)]
pub struct ResetPasswordInput {
    pub id: ID,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(SimpleObject)]
pub struct UserPayload {
    pub user: Option<User>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(InputObject, Default)]
pub struct UserFilterInput {
    pub role: Option<UserRole>,
    pub unit_id: Option<ID>,
    /// Words in the username or display name.
    pub keyword: Option<String>,
    pub disabled: Option<bool>,
}

fn user_payload(
    ctx: &Context<'_>,
    result: Result<app_user::Model, ServiceError>,
) -> Result<UserPayload> {
    let (user, user_errors) = for_payload(ctx, result)?;
    Ok(UserPayload {
        user: user.map(User),
        user_errors,
    })
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in user; null for the public.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(principal) = access::caller(ctx).principal() else {
            return Ok(None);
        };
        let found = svc::user(&state(ctx)?.db, principal.user_id)
            .await
            .map_err(|e| crate::graphql::error::for_query(ctx, e))?;
        Ok(found.map(User))
    }

    /// Users, oldest first.
    #[graphql(guard = "Allow(ADMIN)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<User>> {
        let db = state(ctx)?.db.clone();
        let f = filter.unwrap_or_default();
        let unit_id = f
            .unit_id
            .as_ref()
            .map(|id| ids::expect(id, Kind::HandlingUnit, &["filter", "unitId"]))
            .transpose()
            .map_err(crate::graphql::error::user_error)?;
        let filter = UserFilter {
            role: f.role.map(Into::into),
            unit_id,
            keyword: f.keyword.filter(|k| k.chars().count() <= 100),
            disabled: f.disabled,
        };
        let page = svc::list(&db, &filter, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, select) = (db.clone(), svc::filtered(&filter));
            async move { crate::service::page::count(db.conn(), select).await }
        });
        Ok(connection(page, total, User))
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Signs in. A wrong password, an unknown name, a disabled or a locked account all
    /// get the same INVALID_CREDENTIALS answer.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<LoginPayload> {
        let st = state(ctx)?;
        let ip = ctx
            .data_opt::<RequestAuth>()
            .and_then(|a| a.client_ip.clone());
        let result = svc::login(
            &st.db,
            &st.auth,
            &input.username,
            &input.password,
            ip,
            st.clock.now(),
        )
        .await;
        let (signed_in, user_errors) = for_payload(ctx, result)?;
        Ok(match signed_in {
            Some(s) => LoginPayload {
                token: Some(s.token),
                expires_at: Some(DateTime(s.expires_at)),
                user: Some(User(s.user)),
                user_errors,
            },
            None => LoginPayload {
                token: None,
                expires_at: None,
                user: None,
                user_errors,
            },
        })
    }

    /// Revokes the token this request was made with.
    async fn logout(&self, ctx: &Context<'_>) -> Result<LogoutPayload> {
        access::signed_in(ctx)?;
        let st = state(ctx)?;
        let Some(hash) = ctx
            .data_opt::<RequestAuth>()
            .and_then(|a| a.token_hash.clone())
        else {
            return Err(access::unauthenticated());
        };
        let (revoked, user_errors) = for_payload(
            ctx,
            svc::logout(&st.db, &st.tokens, &hash, st.clock.now()).await,
        )?;
        Ok(LogoutPayload {
            revoked: revoked.unwrap_or(false),
            user_errors,
        })
    }

    /// Changes the caller's own password; signs them out everywhere.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> Result<UserPayload> {
        let user_id = access::signed_in(ctx)?.user_id;
        let st = state(ctx)?;
        let result = svc::change_password(
            &st.db,
            &st.tokens,
            &st.auth,
            user_id,
            &input.current_password,
            &input.new_password,
            st.clock.now(),
        )
        .await;
        user_payload(ctx, result)
    }

    #[graphql(guard = "Allow(ADMIN)")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<UserPayload> {
        let st = state(ctx)?;
        let mut ids = Decoder::new();
        let unit_id = input
            .unit_id
            .as_ref()
            .map(|id| ids.id(id, Kind::HandlingUnit, &["input", "unitId"]));
        let deputy_id = input
            .deputy_id
            .as_ref()
            .map(|id| ids.id(id, Kind::Deputy, &["input", "deputyId"]));
        let result = async {
            ids.finish()?;
            let new = NewUser {
                username: input.username,
                display_name: input.display_name,
                role: input.role.into(),
                unit_id,
                deputy_id,
                password: input.password,
            };
            svc::create_user(&st.db, new, st.clock.now()).await
        }
        .await;
        user_payload(ctx, result)
    }

    /// Changes a user's name, role, binding or status; takes effect on their next request.
    #[graphql(guard = "Allow(ADMIN)")]
    async fn update_user(&self, ctx: &Context<'_>, input: UpdateUserInput) -> Result<UserPayload> {
        let st = state(ctx)?;
        let mut ids = Decoder::new();
        let id = ids.id(&input.id, Kind::User, &["input", "id"]);
        // Left out: unchanged; null: unbound; an id: bound to it.
        let binding = |value: &MaybeUndefined<ID>, kind, field, ids: &mut Decoder| match value {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(ids.id(id, kind, &["input", field]))),
        };
        let unit_id = binding(&input.unit_id, Kind::HandlingUnit, "unitId", &mut ids);
        let deputy_id = binding(&input.deputy_id, Kind::Deputy, "deputyId", &mut ids);
        let result = async {
            ids.finish()?;
            let changes = UserChanges {
                id,
                expected_version: input.expected_version,
                display_name: input.display_name,
                role: input.role.map(Into::into),
                unit_id,
                deputy_id,
                disabled: input.disabled,
                unlock: input.unlock,
            };
            svc::update_user(&st.db, &st.tokens, changes, st.clock.now()).await
        }
        .await;
        user_payload(ctx, result)
    }

    /// Sets a new password for a user (who must sign in again).
    #[graphql(guard = "Allow(ADMIN)")]
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> Result<UserPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::User, &["input", "id"])?;
            svc::set_password(&st.db, &st.tokens, id, &input.new_password, st.clock.now()).await
        }
        .await;
        user_payload(ctx, result)
    }
}
