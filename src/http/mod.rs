//! HTTP routes: `POST /graphql` (the API), `GET /graphql` (GraphiQL, and cacheable public
//! reads), `/` (a page linking them), `/healthz`, `/readyz` (`GET` and `HEAD`).
//!
//! Operations run only from `POST /graphql` with a JSON body: a browser cannot send that
//! cross-origin without a CORS preflight, which only the configured origins pass, so a
//! foreign page cannot make a signed-in user's browser run a mutation (CSRF). Form and
//! text bodies are refused with 415; a multipart body (a file upload, `upload`) runs only
//! with a header no form can send; and `GET` runs nothing but anonymous public read
//! queries (`public_get`), which change nothing and may be cached.

pub mod access_log;
pub mod client_ip;
pub mod examples;
pub mod files;
pub mod graphiql;
pub mod home;
pub mod metrics;
pub mod public_get;
pub mod sheets;
pub mod subscription;
pub mod upload;

use std::fmt;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::error::{InternalError, JsonPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::{web, Either, HttpRequest, HttpResponse};
use async_graphql_actix_web::GraphQLResponse;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::json;

use access_log::RequestId;

use crate::db::Db;
use crate::domain::access::Caller;
use crate::domain::time::Clock;
use crate::graphql::request::RequestAuth;
use crate::graphql::{self, Schemas};
use crate::service::account::{self, AuthPolicy};

/// Registers every route. `max_body_bytes` bounds the JSON body of `POST /graphql`
/// (async-graphql-actix-web's own extractor reads bodies without a limit).
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize, graphiql_enabled: bool) {
    let json = web::JsonConfig::default()
        .limit(max_body_bytes)
        .content_type_required(true)
        .error_handler(json_error);
    let graphql = web::resource("/graphql")
        // Answers may hold what only this caller may see: never cached anywhere, unless a
        // handler says otherwise (public reads over GET set their own Cache-Control).
        .wrap(actix_web::middleware::DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
        .app_data(json)
        .route(
            web::post()
                .guard(actix_web::guard::fn_guard(upload::is_multipart))
                .to(upload::graphql_multipart),
        )
        .route(web::post().to(graphql_post))
        .route(
            web::get()
                .guard(actix_web::guard::fn_guard(subscription::is_upgrade))
                .to(subscription::handle),
        );
    let graphql = graphql.route(web::get().to(
        move |req: HttpRequest,
              schemas: web::Data<Schemas>,
              db: web::Data<Db>,
              timeout: web::Data<RequestTimeout>,
              cache: web::Data<public_get::PublicCache>,
              metrics: web::Data<metrics::Metrics>,
              request_id: RequestId| async move {
            if !asks_to_run(&req) {
                return if graphiql_enabled {
                    graphiql::page().await
                } else {
                    HttpResponse::NotFound().finish()
                };
            }
            match public_get::public_read(&req) {
                Some(mut request) => {
                    let operation = operation_name(&mut request);
                    access_log::note_operation(&req, operation.as_deref());
                    let started = std::time::Instant::now();
                    let response =
                        run_anonymous(request, &schemas, &db, &timeout, request_id).await;
                    metrics.observe(
                        operation.as_deref(),
                        started.elapsed().as_secs_f64(),
                        response.errors.is_empty(),
                    );
                    public_get::respond(&req, &response, **cache)
                }
                None => get_refused(),
            }
        },
    ));
    // PUT, DELETE, PATCH…: the same JSON refusal as a GET that asks to run an operation.
    let graphql = graphql.default_service(web::to(|| async { get_refused() }));
    cfg.service(graphql)
        .route("/graphiql/{file}", web::get().to(graphiql::asset))
        .route(
            "/",
            web::get().to(move || async move { home::page(graphiql_enabled) }),
        )
        .route("/healthz", web::get().to(healthz))
        .route("/healthz", web::head().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/readyz", web::head().to(readyz));
}

/// The CORS policy: browsers may call the API from `origins` only (none by default), with
/// the methods and headers the API uses. Pages served by banli itself are same-origin and
/// need no entry. Origins are checked at start-up (`Settings::validate`). A request that
/// names an origin outside the list is not blocked outright (browsers send `Origin` on
/// same-origin POSTs too, so that would lock out banli's own GraphiQL page): its answer
/// lacks `Access-Control-Allow-Origin`, so a foreign page cannot read it, and a browser
/// sends a JSON POST cross-origin only after a preflight, which such an origin fails.
pub fn cors(origins: &[String], max_age_secs: usize) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            "content-type",
            "authorization",
            "idempotency-key",
            "apollo-require-preflight",
            "x-apollo-operation-name",
        ])
        .max_age(max_age_secs);
    origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}

fn graphql_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .json(json!({"errors": [{"message": message, "extensions": {"code": code}}]}))
}

/// A `GET` carrying `query` is a client trying to run an operation over GET (a link or an
/// image tag could do that cross-site): it is refused, unless it is a public read query
/// (see [`public_get`]).
fn asks_to_run(req: &HttpRequest) -> bool {
    web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .is_ok_and(|params| params.contains_key("query"))
}

fn get_refused() -> HttpResponse {
    let mut response = graphql_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "请用 POST 发送 JSON 格式的 GraphQL 请求 (send GraphQL operations with POST and a JSON body)",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    response
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
    InternalError::from_response(err, graphql_error(status, "BAD_REQUEST", message)).into()
}

/// The body of `POST /graphql`: one request, or a batch (a JSON array), which banli does not
/// run (one request could otherwise carry any number of operations past every per-request
/// limit) and refuses with its own code rather than a parse error.
pub enum Body {
    Single(Box<async_graphql::Request>),
    Batch,
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BodyVisitor;

        impl<'de> Visitor<'de> for BodyVisitor {
            type Value = Body;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a GraphQL request object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body, A::Error> {
                async_graphql::Request::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|request| Body::Single(Box::new(request)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body, A::Error> {
                // Skipped unread: the body limit already bounds it.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Body::Batch)
            }
        }

        deserializer.deserialize_any(BodyVisitor)
    }
}

/// How long one GraphQL request may run, and the places for requests in flight.
pub struct RequestTimeout {
    limit: std::time::Duration,
    in_flight: tokio::sync::Semaphore,
}

impl RequestTimeout {
    /// `graphql_in_flight_per_worker` places for each of `workers` HTTP workers.
    pub fn new(settings: &crate::config::LoadSettings, workers: usize) -> Self {
        let places = settings
            .graphql_in_flight_per_worker
            .max(1)
            .saturating_mul(workers.max(1));
        Self {
            limit: std::time::Duration::from_secs(settings.request_timeout_secs.max(1)),
            in_flight: tokio::sync::Semaphore::new(places),
        }
    }

    /// Runs `request` once a place is free, within the time limit (the wait counts);
    /// `None` when the limit passed first.
    pub async fn run<F: std::future::Future>(&self, request: F) -> Option<F::Output> {
        let placed = async {
            // The semaphore is never closed.
            let _place = self.in_flight.acquire().await;
            request.await
        };
        tokio::time::timeout(self.limit, placed).await.ok()
    }
}

/// What it takes to turn a bearer token into the request's caller.
pub struct Authenticator {
    pub policy: AuthPolicy,
    /// Bearer tokens checked recently (the GraphQL layer's sign-outs empty it).
    pub tokens: Arc<crate::service::token_cache::TokenCache>,
    /// Where refusals are sampled and audited.
    pub audit: Arc<crate::service::audit::AuditLog>,
    pub clock: Arc<dyn Clock>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Why a request's credentials were refused.
enum AuthFailure {
    /// The header is there but is not `Bearer <token>`, or the token is not (or no longer)
    /// valid: the client must sign in again. With the client's address, for the audit log.
    Invalid { client_ip: Option<String> },
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
    let forwarded_for = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|h| h.to_str().ok());
    let client_ip = client_ip::resolve(
        req.peer_addr().map(|a| a.ip()),
        forwarded_for,
        &auth.trusted_proxies,
    )
    .map(|ip| ip.to_string());
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
        .ok_or_else(|| AuthFailure::Invalid {
            client_ip: client_ip.clone(),
        })?;
    match account::authenticate(db, &auth.policy, &auth.tokens, token, auth.clock.now()).await {
        Ok(Some((principal, token_hash))) => Ok((
            Caller::User(principal),
            RequestAuth {
                client_ip,
                token_hash: Some(token_hash),
            },
        )),
        Ok(None) => Err(AuthFailure::Invalid { client_ip }),
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
    schemas: web::Data<Schemas>,
    db: web::Data<Db>,
    timeout: web::Data<RequestTimeout>,
    authenticator: web::Data<Authenticator>,
    request_id: RequestId,
    body: web::Json<Body>,
) -> Either<GraphQLResponse, HttpResponse> {
    let Body::Single(request) = body.into_inner() else {
        return Either::Right(batch_refused());
    };
    let request_id = request_id.to_string();
    let (caller, auth) = match caller_of(&req, &db, &authenticator, &request_id).await {
        Ok(found) => found,
        Err(refused) => return Either::Right(refused),
    };
    let run = Run {
        req: &req,
        schemas: &schemas,
        db: &db,
        timeout: &timeout,
        request_id,
    };
    Either::Left(run.execute(*request, caller, auth).await)
}

fn batch_refused() -> HttpResponse {
    graphql_error(
        StatusCode::BAD_REQUEST,
        "BATCH_NOT_SUPPORTED",
        "不支持批量请求，请每次发送一个操作 (batched requests are not supported; send one operation per request)",
    )
}

/// The caller of a request to run an operation, or the refusal to answer with (a bad
/// token is audited).
async fn caller_of(
    req: &HttpRequest,
    db: &Db,
    authenticator: &Authenticator,
    request_id: &str,
) -> Result<(Caller, RequestAuth), HttpResponse> {
    match authenticate(req, db, authenticator).await {
        Ok(found) => Ok(found),
        Err(AuthFailure::Invalid { client_ip }) => {
            crate::service::audit::refused(
                db,
                &authenticator.audit,
                crate::service::audit::NewAuditEntry::refusal(
                    authenticator.clock.now(),
                    None,
                    "http:POST /graphql",
                    "UNAUTHENTICATED",
                    client_ip,
                    Some(request_id.to_owned()),
                ),
            )
            .await;
            Err(refusal(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "登录已失效或凭据无效，请重新登录 (the token is invalid or expired; sign in again)",
            ))
        }
        Err(AuthFailure::Unavailable(error)) => {
            tracing::error!(request_id = %request_id, %error, "authenticating a request");
            Err(refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "服务暂不可用，请稍后重试 (service unavailable; retry later)",
            ))
        }
    }
}

/// What running one operation from `POST /graphql` takes.
struct Run<'a> {
    req: &'a HttpRequest,
    schemas: &'a Schemas,
    db: &'a Db,
    timeout: &'a RequestTimeout,
    request_id: String,
}

impl Run<'_> {
    /// Runs `request` for `caller` within the timeout, and counts it in the metrics.
    async fn execute(
        self,
        request: async_graphql::Request,
        caller: Caller,
        auth: RequestAuth,
    ) -> GraphQLResponse {
        let runner = self.schemas.runner(&caller);
        let mut request = request;
        self.schemas.parse(&mut request);
        let request = graphql::prepare(
            request,
            self.db,
            self.request_id.clone(),
            caller,
            auth,
            self.schemas.environment(),
        );
        // An `Idempotency-Key` header stands for `idempotencyKey` in the mutation's input.
        let mut request = match self.req.headers().get("idempotency-key") {
            Some(key) => request.data(graphql::idempotency::HeaderKey(
                String::from_utf8_lossy(key.as_bytes()).into_owned(),
            )),
            None => request,
        };
        let operation = operation_name(&mut request);
        access_log::note_operation(self.req, operation.as_deref());
        let started = std::time::Instant::now();
        let response = match self.timeout.run(runner.execute(request)).await {
            Some(response) => crate::graphql::error::coded(response),
            None => timed_out(self.request_id),
        };
        if let Some(metrics) = self.req.app_data::<web::Data<metrics::Metrics>>() {
            metrics.observe(
                operation.as_deref(),
                started.elapsed().as_secs_f64(),
                response.errors.is_empty(),
            );
        }
        response.into()
    }
}

/// The name of the operation a request runs, for the metrics: `operationName`, or the name
/// of the document's only operation. Parsing here costs nothing extra: the request keeps
/// the parsed document for execution.
fn operation_name(request: &mut async_graphql::Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    match &request.parsed_query().ok()?.operations {
        async_graphql::parser::types::DocumentOperations::Multiple(operations)
            if operations.len() == 1 =>
        {
            operations.keys().next().map(ToString::to_string)
        }
        _ => None,
    }
}

/// Runs a public read query for an anonymous caller, within the request timeout.
async fn run_anonymous(
    request: async_graphql::Request,
    schemas: &Schemas,
    db: &Db,
    timeout: &RequestTimeout,
    request_id: RequestId,
) -> async_graphql::Response {
    let caller = Caller::Anonymous;
    let runner = schemas.runner(&caller);
    let request_id = request_id.to_string();
    let mut request = request;
    schemas.parse(&mut request);
    let request = graphql::prepare(
        request,
        db,
        request_id.clone(),
        caller,
        RequestAuth {
            client_ip: None,
            token_hash: None,
        },
        schemas.environment(),
    );
    match timeout.run(runner.execute(request)).await {
        Some(response) => crate::graphql::error::coded(response),
        None => timed_out(request_id),
    }
}

fn timed_out(request_id: String) -> async_graphql::Response {
    tracing::warn!(request_id = %request_id, "GraphQL request timed out");
    let mut error = async_graphql::ServerError::new(
        format!("请求处理超时 (the request took too long); request id {request_id}"),
        None,
    );
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "TIMEOUT");
    extensions.set("requestId", request_id);
    error.extensions = Some(extensions);
    async_graphql::Response::from_errors(vec![error])
}

/// Alive, and which build (an operator checking a rollout sees the commit).
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "version": crate::build_info::VERSION,
        "commit": crate::build_info::COMMIT,
        "buildDate": crate::build_info::BUILD_DATE,
    }))
}

async fn readyz(db: web::Data<Db>) -> HttpResponse {
    if db.ping().await {
        HttpResponse::Ok().json(json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "database unavailable"}))
    }
}

#[cfg(test)]
mod tests {
    use super::RequestTimeout;
    use crate::config::LoadSettings;

    #[tokio::test]
    async fn a_request_waits_for_a_place_and_the_wait_counts_in_its_time_limit() {
        let timeout = RequestTimeout::new(
            &LoadSettings {
                request_timeout_secs: 1,
                graphql_in_flight_per_worker: 1,
            },
            1,
        );
        // Another request holds the only place for longer than the limit.
        let place = timeout.in_flight.acquire().await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(timeout.run(async { "waiting" }).await, None);
        assert!(started.elapsed() >= std::time::Duration::from_secs(1));
        drop(place);
        // With the place free, a request runs.
        assert_eq!(timeout.run(async { "third" }).await, Some("third"));
    }
}
