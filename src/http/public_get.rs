//! `GET /graphql` for the public pages' read queries, so browsers and the reverse proxy in
//! front of banli can cache them (heavy anonymous traffic lands on a cache, not on the
//! database).
//!
//! Only a narrow kind of request runs over GET: no credentials, one query operation, whose
//! root fields are all public reads (`publishedReplies`, `publishedReply`). Such a request
//! changes nothing and reveals nothing a signed-out visitor could not see, so running it
//! from a link or an image tag is harmless; everything else over GET stays refused (405),
//! as the module docs of `http` explain. Answers carry `Cache-Control: public, max-age=…`
//! and an `ETag`; a matching `If-None-Match` gets 304 without a body.

use std::collections::HashMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use sha2::{Digest, Sha256};

/// Root fields a GET may select: public, read-only, and the same for every caller.
const PUBLIC_READS: [&str; 3] = ["publishedReplies", "publishedReply", "__typename"];

/// How long caches may keep a public answer.
#[derive(Debug, Clone, Copy)]
pub struct PublicCache {
    pub max_age_secs: u32,
}

/// A GET request's operation, if it may run over GET.
pub fn public_read(req: &HttpRequest) -> Option<async_graphql::Request> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    let params =
        actix_web::web::Query::<HashMap<String, String>>::from_query(req.query_string()).ok()?;
    let query = params.get("query")?;
    let operation_name = params.get("operationName").filter(|n| !n.is_empty());
    let document = async_graphql::parser::parse_query(query).ok()?;
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), None) => op,
        (DocumentOperations::Single(_), Some(_)) => return None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str())?,
        // One named operation needs no operationName.
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    if operation.node.ty != OperationType::Query {
        return None;
    }
    let only_public = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .all(|item| match &item.node {
            Selection::Field(field) => PUBLIC_READS.contains(&field.node.name.node.as_str()),
            // Fragments at the root could hide any field: not over GET.
            _ => false,
        });
    if !only_public {
        return None;
    }
    let mut request = async_graphql::Request::new(query.clone());
    if let Some(name) = operation_name {
        request = request.operation_name(name.clone());
    }
    if let Some(variables) = params.get("variables").filter(|v| !v.is_empty()) {
        let value: serde_json::Value = serde_json::from_str(variables).ok()?;
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    Some(request)
}

/// The HTTP answer to a public GET: cacheable when it succeeded, `no-store` when it
/// carries errors (a transient error must not be cached), 304 when the client's copy is
/// current.
pub fn respond(
    req: &HttpRequest,
    response: &async_graphql::Response,
    cache: PublicCache,
) -> HttpResponse {
    let body = match serde_json::to_vec(response) {
        Ok(body) => body,
        Err(_) => return HttpResponse::InternalServerError().finish(),
    };
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", crate::domain::feedback::hex(&digest[..16]));
    let cacheable = response.errors.is_empty() && cache.max_age_secs > 0;
    let cache_control = if cacheable {
        format!("public, max-age={}", cache.max_age_secs)
    } else {
        "no-store".to_owned()
    };
    let not_modified = cacheable
        && req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    if not_modified {
        builder.finish()
    } else {
        builder.content_type("application/json").body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn get(query: &str) -> HttpRequest {
        let encoded: String = query
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        TestRequest::get()
            .uri(&format!("/graphql?query={encoded}"))
            .to_http_request()
    }

    #[test]
    fn only_public_read_queries_run_over_get() {
        let allowed = [
            "{ publishedReplies(first: 20) { nodes { id title } } }",
            "query Page { publishedReply(id: \"x\") { text } __typename }",
        ];
        for query in allowed {
            assert!(public_read(&get(query)).is_some(), "{query}");
        }
        let refused = [
            "{ sessions { totalCount } }",
            "{ publishedReplies { totalCount } sessions { totalCount } }",
            "mutation { createCaptcha { id } }",
            "{ feedbackByLookupCode(code: \"x\", captchaId: \"y\", captchaAnswer: \"z\") { feedback { status } } }",
            "{ ...F } fragment F on QueryRoot { sessions { totalCount } }",
            "{ ... on QueryRoot { sessions { totalCount } } }",
            "query A { publishedReplies { totalCount } } query B { sessions { totalCount } }",
            "not graphql at all",
        ];
        for query in refused {
            assert!(public_read(&get(query)).is_none(), "{query}");
        }
        let with_token = TestRequest::get()
            .uri("/graphql?query=%7BpublishedReplies%7BtotalCount%7D%7D")
            .insert_header(("authorization", "Bearer bl_x"))
            .to_http_request();
        assert!(
            public_read(&with_token).is_none(),
            "credentials never go over GET"
        );
    }
}
