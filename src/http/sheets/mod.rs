//! Spreadsheets over HTTP: the suggestion list and the statistics as `.xlsx` or `.csv`
//! (`export`), the import template and the bulk import (`import`), their query parameters
//! decoded as the API decodes its arguments (`params`).
//!
//! ```text
//! GET  /export/suggestions.xlsx?sessionId=…&status=ASSIGNED,REPLIED&keyword=…   CASE_READERS roles
//! GET  /export/suggestions.csv?…                                                CASE_READERS roles
//! GET  /import/suggestions/template.xlsx?sessionId=…                            the office
//! POST /import/suggestions?sessionId=…   (body: the .xlsx file itself)          the office
//! ```
//!
//! Every route needs `Authorization: Bearer <token>` (401 without one), and answers with
//! `Cache-Control: no-store`. The list takes the filters of the `suggestions` query as
//! query parameters — `sessionId`, `unitId`, `deputyId` (global IDs, decoded as the API
//! does), `status`, `category` (API enum names, comma-separated or repeated), `isKey`,
//! `keyword`, `submittedFrom`, `submittedTo`, and `asOf` for the deadline status
//! (default today, China time) — applied with the caller's scope; `suggestionExport` in
//! the API builds the address. A bad parameter is a 400 with a GraphQL-shaped error
//! (`{errors: [{message, extensions: {code, field}}]}`), never a partial file.
//!
//! **Why the import is CSRF-safe without a form.** `POST /graphql` refuses form and
//! multipart bodies so that a foreign page cannot make a signed-in browser submit one.
//! The import takes the raw `.xlsx` bytes with their own content type, and needs the
//! bearer token in the `Authorization` header: banli uses no cookies, so a browser never
//! adds credentials by itself, and a cross-origin request carrying `Authorization` or
//! that content type (neither is CORS-safelisted) is sent only after a preflight, which
//! only `cors_allowed_origins` pass. A form on a foreign page can send neither.

mod export;
mod import;
mod params;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde_json::json;

use super::{authenticate, AuthFailure, Authenticator};
use crate::db::Db;
use crate::domain::access::{Caller, Principal, Role};
use crate::domain::UserError;
use crate::graphql::request::RequestAuth;
use crate::routes::{
    url_encode, IMPORT, IMPORT_TEMPLATE, STATISTICS_CSV, STATISTICS_XLSX, SUGGESTIONS_CSV,
    SUGGESTIONS_XLSX,
};
use crate::service::audit::{self, NewAuditEntry};
use crate::service::failure::Failure;
use crate::service::import::ImportLimits;
use crate::service::ServiceError;
use export::{export_csv, export_xlsx, statistics_csv, statistics_xlsx};
use import::{import_suggestions, template};

/// The content type of `.xlsx` files.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn configure(cfg: &mut web::ServiceConfig, limits: ImportLimits) {
    let no_store =
        || actix_web::middleware::DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store"));
    cfg.app_data(web::Data::new(limits))
        .service(
            web::resource(SUGGESTIONS_XLSX)
                .wrap(no_store())
                .route(web::get().to(export_xlsx)),
        )
        .service(
            web::resource(SUGGESTIONS_CSV)
                .wrap(no_store())
                .route(web::get().to(export_csv)),
        )
        .service(
            web::resource(STATISTICS_XLSX)
                .wrap(no_store())
                .route(web::get().to(statistics_xlsx)),
        )
        .service(
            web::resource(STATISTICS_CSV)
                .wrap(no_store())
                .route(web::get().to(statistics_csv)),
        )
        .service(
            web::resource(IMPORT_TEMPLATE)
                .wrap(no_store())
                .route(web::get().to(template)),
        )
        .service(
            web::resource(IMPORT)
                .wrap(no_store())
                .route(web::post().to(import_suggestions)),
        );
}

fn error_response(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    super::refusal(status, code, message)
}

fn user_errors(status: StatusCode, errors: &[UserError]) -> HttpResponse {
    let errors: Vec<_> = errors
        .iter()
        .map(|e| {
            json!({"message": e.message, "extensions": {"code": e.code.as_str(), "field": e.field}})
        })
        .collect();
    HttpResponse::build(status).json(json!({ "errors": errors }))
}

/// An unexpected error, answered as on every route ([`Failure`]): 503 `UNAVAILABLE` when the
/// database cannot be reached, 500 `INTERNAL` otherwise; the cause only in the log.
fn internal(request_id: &str, error: &anyhow::Error) -> HttpResponse {
    let failure = Failure::of(error, request_id);
    let status = if failure.is_unavailable() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    error_response(status, failure.code, &failure.message)
}

fn service_error(request_id: &str, error: ServiceError) -> HttpResponse {
    match error {
        ServiceError::User(errors) => user_errors(StatusCode::BAD_REQUEST, &errors),
        ServiceError::Unexpected(e) => internal(request_id, &e),
    }
}

/// A refused spreadsheet request: the response to send, and who was refused with which code
/// (`UNAVAILABLE` is no refusal: the database could not be asked).
struct Refused {
    response: HttpResponse,
    principal: Option<Principal>,
    client_ip: Option<String>,
    code: &'static str,
}

impl From<Refused> for HttpResponse {
    fn from(refused: Refused) -> Self {
        refused.response
    }
}

impl Refused {
    /// The response, after the audit row of a refused change (the import): one for a
    /// signed-in caller, a sampled one for anyone else (`audit::refused`).
    async fn audited(
        self,
        db: &Db,
        authenticator: &Authenticator,
        operation: &str,
        request_id: &str,
    ) -> HttpResponse {
        if self.code != "UNAVAILABLE" {
            let entry = NewAuditEntry::refusal(
                authenticator.clock.now(),
                self.principal.as_ref(),
                operation,
                self.code,
                self.client_ip,
                Some(request_id.to_owned()),
            );
            audit::refused(db, &authenticator.audit, entry).await;
        }
        self.response
    }
}

/// The signed-in caller, whose role is one of `roles`; otherwise the refusal.
async fn signed_in(
    req: &HttpRequest,
    db: &Db,
    authenticator: &Authenticator,
    request_id: &str,
    roles: &[Role],
) -> Result<(Principal, RequestAuth), Refused> {
    let unauthenticated = |client_ip: Option<String>, message: &str| Refused {
        response: error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message),
        principal: None,
        client_ip,
        code: "UNAUTHENTICATED",
    };
    match authenticate(req, db, authenticator).await {
        Ok((Caller::User(principal), auth)) if roles.contains(&principal.role) => {
            Ok((principal, auth))
        }
        Ok((Caller::User(principal), auth)) => Err(Refused {
            response: error_response(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "无权执行此操作 (your role may not do this)",
            ),
            principal: Some(principal),
            client_ip: auth.client_ip,
            code: "FORBIDDEN",
        }),
        Ok((Caller::Anonymous, auth)) => {
            Err(unauthenticated(auth.client_ip, "请先登录 (sign in first)"))
        }
        Err(AuthFailure::Invalid { client_ip }) => Err(unauthenticated(
            client_ip,
            "登录已失效或凭据无效，请重新登录 (the token is invalid or expired; sign in again)",
        )),
        Err(AuthFailure::Unavailable(error)) => {
            tracing::error!(request_id = %request_id, %error, "authenticating a request");
            Err(Refused {
                response: error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "UNAVAILABLE",
                    "服务暂不可用，请稍后重试 (service unavailable; retry later)",
                ),
                principal: None,
                client_ip: None,
                code: "UNAVAILABLE",
            })
        }
    }
}

/// `attachment` with an ASCII fallback name and the Chinese name (RFC 6266/5987).
fn attachment(ascii: &str, name: &str) -> String {
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(name)
    )
}

/// The download's ASCII and Chinese file names: `{ascii}-YYYYMMDD.ext`, `{name}-YYYYMMDD.ext`.
fn dated_names(ascii: &str, name: &str, today: NaiveDate, extension: &str) -> (String, String) {
    let date = today.format("%Y%m%d");
    (
        format!("{ascii}-{date}.{extension}"),
        format!("{name}-{date}.{extension}"),
    )
}
