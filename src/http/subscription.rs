//! `notificationAdded` over WebSocket on `/graphql` (the `graphql-transport-ws` protocol of
//! graphql-ws and Apollo clients, and the older `graphql-ws`): signed in with the bearer token
//! in `connection_init`, refused from a browser page of an origin CORS does not allow, and
//! bounded per user and in all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::guard::GuardContext;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::Data;
use async_graphql_actix_web::GraphQLSubscription;
use serde_json::Value;

use super::{refusal, Authenticator};
use crate::db::Db;
use crate::domain::access::Caller;
use crate::graphql::Schemas;
use crate::service::account;

/// The open subscriptions (one per WebSocket connection) and their limits.
pub struct Subscriptions {
    per_user: usize,
    total: usize,
    allowed_origins: Vec<String>,
    open: Mutex<(usize, HashMap<i64, usize>)>,
}

impl Subscriptions {
    pub fn new(per_user: usize, total: usize, allowed_origins: Vec<String>) -> Arc<Self> {
        Arc::new(Self {
            per_user,
            total,
            allowed_origins,
            open: Mutex::new((0, HashMap::new())),
        })
    }

    /// A slot for one more connection of `user`, released when the connection ends; `None`
    /// past a limit.
    fn acquire(self: &Arc<Self>, user: i64) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mine = open.1.get(&user).copied().unwrap_or(0);
        if open.0 >= self.total || mine >= self.per_user {
            return None;
        }
        open.0 += 1;
        open.1.insert(user, mine + 1);
        Some(Slot {
            subscriptions: Arc::clone(self),
            user,
        })
    }
}

/// One open connection's place; kept in the connection's data, so it is given back when
/// the connection closes.
struct Slot {
    subscriptions: Arc<Subscriptions>,
    user: i64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .subscriptions
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(mine) = open.1.get_mut(&self.user) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                open.1.remove(&self.user);
            }
        }
    }
}

/// A WebSocket upgrade (`Upgrade: websocket`).
pub(super) fn is_upgrade(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// Upgrades to a GraphQL WebSocket. A browser always sends its page's `Origin`, and CORS
/// does not cover WebSockets: a page of another origin is refused here (403).
pub(super) async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    schemas: web::Data<Schemas>,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    subscriptions: web::Data<Arc<Subscriptions>>,
) -> actix_web::Result<HttpResponse> {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !subscriptions.allowed_origins.iter().any(|o| o == origin) {
            return Ok(refusal(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "该来源不允许建立实时连接 (this origin may not open a subscription)",
            ));
        }
    }
    // Subscriptions need a signed-in user, who may see the schema anyway.
    let schema = schemas.for_caller(&Caller::Anonymous).clone();
    let db = db.get_ref().clone();
    let subscriptions = Arc::clone(subscriptions.get_ref());
    GraphQLSubscription::new(schema)
        .on_connection_init(move |init| signed_in(init, db, authenticator, subscriptions))
        .start(&req, payload)
}

/// `connection_init`: the token (`{"Authorization": "Bearer …"}`, or `{"token": "…"}`) makes
/// the connection's caller; a slot must be free.
async fn signed_in(
    init: Value,
    db: Db,
    authenticator: web::Data<Authenticator>,
    subscriptions: Arc<Subscriptions>,
) -> async_graphql::Result<Data> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|k| init.get(*k).and_then(Value::as_str))
        .and_then(|h| h.strip_prefix("Bearer "));
    let token = header
        .or_else(|| init.get("token").and_then(Value::as_str))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            async_graphql::Error::new(
                "请先登录：connection_init 须带 {\"Authorization\": \"Bearer <token>\"} (sign in first)",
            )
        })?;
    let a = authenticator.get_ref();
    let found = account::authenticate(&db, &a.policy, &a.tokens, token, a.clock.now())
        .await
        .map_err(|_| async_graphql::Error::new("服务暂不可用，请稍后重试 (service unavailable)"))?;
    let Some((principal, _)) = found else {
        return Err(async_graphql::Error::new(
            "登录已失效或凭据无效，请重新登录 (the token is invalid or expired)",
        ));
    };
    let slot = subscriptions.acquire(principal.user_id).ok_or_else(|| {
        async_graphql::Error::new("实时连接过多，请关闭其他连接 (too many open subscriptions)")
    })?;
    let mut data = Data::default();
    data.insert(Caller::User(principal));
    data.insert(slot);
    Ok(data)
}
