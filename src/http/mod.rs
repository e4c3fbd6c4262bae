//! HTTP routes: `POST /graphql` (the API), `GET /graphql` (GraphiQL), `/healthz`, `/readyz`.

pub mod graphiql;

use actix_web::error::{InternalError, JsonPayloadError};
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, Either, HttpRequest, HttpResponse};
use async_graphql_actix_web::GraphQLResponse;
use serde_json::json;
use tracing_actix_web::RequestId;

use crate::db::Db;
use crate::domain::access::Caller;
use crate::domain::time::Clock;
use crate::graphql::account::RequestAuth;
use crate::graphql::{self, BanliSchema};
use crate::service::account::{self, AuthPolicy};

/// Registers every route. `max_body_bytes` bounds the JSON body of `POST /graphql`
/// (async-graphql-actix-web's own extractor reads bodies without a limit).
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize, graphiql_enabled: bool) {
    let json = web::JsonConfig::default()
        .limit(max_body_bytes)
        .content_type_required(true)
        .error_handler(json_error);
    let graphql = web::resource("/graphql")
        .app_data(json)
        .route(web::post().to(graphql_post));
    let graphql = if graphiql_enabled {
        graphql.route(web::get().to(graphiql::page))
    } else {
        graphql.route(web::get().to(not_enabled))
    };
    cfg.service(graphql)
        .route("/graphiql/{file}", web::get().to(graphiql::asset))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn not_enabled() -> HttpResponse {
    HttpResponse::NotFound().finish()
}

/// A body that is not a GraphQL request gets a GraphQL-shaped error, never a stack trace.
fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let (status, message) = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => (
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "请求体过大 (request body too large)",
        ),
        JsonPayloadError::ContentType => (
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "请求须为 application/json (Content-Type must be application/json)",
        ),
        _ => (
            actix_web::http::StatusCode::BAD_REQUEST,
            "请求体不是有效的 GraphQL JSON 请求 (body is not a valid GraphQL JSON request)",
        ),
    };
    let body = json!({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]});
    InternalError::from_response(err, HttpResponse::build(status).json(body)).into()
}

/// How long one GraphQL request may run.
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub std::time::Duration);

/// What it takes to turn a bearer token into the request's caller.
pub struct Authenticator {
    pub policy: AuthPolicy,
    pub clock: Arc<dyn Clock>,
}

/// Why a request's credentials were refused.
enum AuthFailure {
    /// The header is there but is not `Bearer <token>`, or the token is not (or no longer)
    /// valid: the client must sign in again.
    Invalid,
    /// The database could not be asked.
    Unavailable(String),
}

/// The caller of a request: anonymous without an `Authorization` header, the token's user
/// with a valid one; anything else is refused (so a stale token is noticed, not silently
/// downgraded to the public).
async fn authenticate(
    req: &HttpRequest,
    db: &Db,
    auth: &Authenticator,
) -> Result<(Caller, RequestAuth), AuthFailure> {
    let client_ip = req.peer_addr().map(|a| a.ip().to_string());
    let Some(header) = req.headers().get(header::AUTHORIZATION) else {
        return Ok((
            Caller::Anonymous,
            RequestAuth {
                client_ip,
                token_hash: None,
            },
        ));
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthFailure::Invalid)?;
    match account::authenticate(db, &auth.policy, token, auth.clock.now()).await {
        Ok(Some((principal, token_hash))) => Ok((
            Caller::User(principal),
            RequestAuth {
                client_ip,
                token_hash: Some(token_hash),
            },
        )),
        Ok(None) => Err(AuthFailure::Invalid),
        Err(e) => Err(AuthFailure::Unavailable(format!("{e:#}"))),
    }
}

fn refusal(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
    }
    response.json(body)
}

async fn graphql_post(
    req: HttpRequest,
    schema: web::Data<BanliSchema>,
    db: web::Data<Db>,
    timeout: web::Data<RequestTimeout>,
    authenticator: web::Data<Authenticator>,
    request_id: RequestId,
    body: web::Json<async_graphql::Request>,
) -> Either<GraphQLResponse, HttpResponse> {
    let request_id = request_id.to_string();
    let (caller, auth) =
        match authenticate(&req, &db, &authenticator).await {
            Ok(found) => found,
            Err(AuthFailure::Invalid) => return Either::Right(refusal(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "登录已失效或凭据无效，请重新登录 (the token is invalid or expired; sign in again)",
            )),
            Err(AuthFailure::Unavailable(error)) => {
                tracing::error!(request_id = %request_id, %error, "authenticating a request");
                return Either::Right(refusal(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "UNAVAILABLE",
                    "服务暂不可用，请稍后重试 (service unavailable; retry later)",
                ));
            }
        };
    let request = graphql::prepare(body.into_inner(), &db, request_id.clone(), caller, auth);
    Either::Left(
        match tokio::time::timeout(timeout.0, schema.execute(request)).await {
            Ok(response) => response.into(),
            Err(_) => {
                tracing::warn!(request_id = %request_id, "GraphQL request timed out");
                let error = async_graphql::ServerError::new(
                    format!("请求处理超时 (the request took too long); request id {request_id}"),
                    None,
                );
                let mut error = error;
                let mut extensions = async_graphql::ErrorExtensionValues::default();
                extensions.set("code", "TIMEOUT");
                extensions.set("requestId", request_id);
                error.extensions = Some(extensions);
                async_graphql::Response::from_errors(vec![error]).into()
            }
        },
    )
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(db: web::Data<Db>) -> HttpResponse {
    if db.ping().await {
        HttpResponse::Ok().json(json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "database unavailable"}))
    }
}
