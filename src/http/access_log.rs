//! Every request gets an id and one line in the log. The id is the `X-Request-Id` a
//! trusted reverse proxy sent (so the proxy's log and banli's name the same request), or a
//! new UUID; it is answered in the `X-Request-Id` header, carried by every log line of the
//! request (its span) and by GraphQL errors (`extensions.requestId`).
//!
//! The line (target `banli::access`, level INFO) holds the method, the path (never the
//! query string, which may carry a public query's variables), the status, the duration, the
//! GraphQL operation's name, the request id and the client's address. Never a header, a
//! token or a body. Probes and scrapes (`/healthz`, `/readyz`, `/metrics`) log at DEBUG, so
//! a load balancer checking every second does not fill the log.

use std::convert::Infallible;
use std::fmt;
use std::future::{ready, Ready};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use tracing::Instrument;

use super::{client_ip, Authenticator};

/// The response header (and the header read from a trusted proxy).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Paths whose requests log at DEBUG.
const QUIET_PATHS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The request's id, for handlers (an extractor) and the errors they answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequest for RequestId {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req.extensions().get::<RequestId>().cloned();
        ready(Ok(id.unwrap_or_else(|| RequestId(new_id()))))
    }
}

/// The GraphQL operation a request ran, for its log line.
#[derive(Debug, Clone)]
struct Operation(String);

/// Notes the operation's name for the request's log line: a GraphQL name (letters, digits,
/// `_`) of at most 64 characters, or `-` for anything else a client sent.
pub fn note_operation(req: &HttpRequest, name: Option<&str>) {
    let Some(name) = name else { return };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let name = if valid { name } else { "-" };
    req.extensions_mut().insert(Operation(name.to_owned()));
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An id a proxy may hand on: 1–64 characters of letters, digits and `-_.:`.
fn acceptable_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = (1..=64).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    ok.then(|| text.to_owned())
}

/// The middleware: the id, the span, the header and the line.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // The shared settings (an `Arc`), not a copy of the proxy list per request.
    let auth = req.app_data::<web::Data<Authenticator>>().cloned();
    let trusted = auth
        .as_ref()
        .map_or(&[][..], |a| a.trusted_proxies.as_slice());
    let peer = req.peer_addr().map(|a| a.ip());
    let from_proxy = peer.is_some_and(|ip| trusted.iter().any(|net| net.contains(&ip)));
    let id = from_proxy
        .then(|| req.headers().get(&REQUEST_ID).and_then(acceptable_id))
        .flatten()
        .unwrap_or_else(new_id);
    let forwarded_for = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|h| h.to_str().ok());
    let client = client_ip::resolve(peer, forwarded_for, trusted)
        .map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let method = req.method().to_string();
    let path = req.path().to_owned();
    req.extensions_mut().insert(RequestId(id.clone()));

    let span = tracing::info_span!("request", request_id = %id);
    let result = next.call(req).instrument(span).await;
    let elapsed_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    let (status, operation) = match &result {
        Ok(response) => (
            response.status().as_u16(),
            response.request().extensions().get::<Operation>().cloned(),
        ),
        Err(error) => (error.as_response_error().status_code().as_u16(), None),
    };
    let operation = operation.map_or_else(|| "-".to_owned(), |o| o.0);
    macro_rules! line {
        ($level:expr) => {
            tracing::event!(
                target: "banli::access",
                $level,
                %method,
                %path,
                status,
                duration_ms = elapsed_ms,
                %operation,
                request_id = %id,
                %client,
                "request"
            )
        };
    }
    if QUIET_PATHS.contains(&path.as_str()) {
        line!(tracing::Level::DEBUG);
    } else {
        line!(tracing::Level::INFO);
    }
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_hands_on_only_a_plain_short_id() {
        for good in ["3f2a9c", "req-1.2_3:4", &"a".repeat(64)] {
            assert_eq!(
                acceptable_id(&HeaderValue::from_str(good).unwrap()).as_deref(),
                Some(good)
            );
        }
        for bad in ["", "a b", "id\"<script>", &"a".repeat(65), "编号"] {
            let Ok(value) = HeaderValue::from_str(bad) else {
                continue;
            };
            assert_eq!(acceptable_id(&value), None, "{bad}");
        }
    }
}
