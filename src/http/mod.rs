//! HTTP routes: `POST /graphql` (the API), `GET /graphql` (GraphiQL), `/healthz`, `/readyz`.

pub mod graphiql;

use actix_web::error::{InternalError, JsonPayloadError};
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql_actix_web::GraphQLResponse;
use serde_json::json;
use tracing_actix_web::RequestId;

use crate::db::Db;
use crate::domain::access::Caller;
use crate::graphql::{self, Schemas};

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

async fn graphql_post(
    schemas: web::Data<Schemas>,
    db: web::Data<Db>,
    timeout: web::Data<RequestTimeout>,
    request_id: RequestId,
    body: web::Json<async_graphql::Request>,
) -> GraphQLResponse {
    let request_id = request_id.to_string();
    // Every caller is anonymous until token authentication computes the caller here.
    let caller = Caller::Anonymous;
    let schema = schemas.for_caller(&caller);
    let request = graphql::prepare(
        body.into_inner(),
        &db,
        request_id.clone(),
        caller,
        schemas.environment(),
    );
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
    }
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
