//! The import template and the bulk import of a filled template (`.xlsx` as the body).

use std::sync::Arc;

use crate::http::access_log::RequestId;
use actix_web::http::{header, StatusCode};
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt as _;

use super::params::session_param;
use super::{
    attachment, error_response, internal, service_error, signed_in, user_errors, XLSX_TYPE,
};
use crate::db::Db;
use crate::domain::UserError;
use crate::http::Authenticator;
use crate::service::audit::{self, AuditOutcome, NewAuditEntry};
use crate::service::import::{self, ImportLimits};
use crate::service::work::Work;
use crate::service::ServiceError;

/// `GET /import/suggestions/template.xlsx?sessionId=…`
pub(super) async fn template(
    req: HttpRequest,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    if let Err(response) = signed_in(
        &req,
        &db,
        &authenticator,
        &request_id,
        crate::graphql::access::OFFICE,
    )
    .await
    {
        return response.into();
    }
    let session_id = match session_param(&req) {
        Ok(id) => id,
        Err(e) => return user_errors(StatusCode::BAD_REQUEST, &[e]),
    };
    let session = <entity::session::Entity as sea_orm::EntityTrait>::find_by_id(session_id)
        .one(db.conn())
        .await;
    let session = match session {
        Ok(Some(session)) => session,
        Ok(None) => {
            return user_errors(
                StatusCode::BAD_REQUEST,
                &[UserError::missing(&["sessionId"], "会议", "session")],
            )
        }
        Err(e) => return internal(&request_id, &anyhow::Error::new(e)),
    };
    let name = session.name.clone();
    let bytes = match tokio::task::spawn_blocking(move || import::template(&name)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return internal(&request_id, &e),
        Err(e) => return internal(&request_id, &anyhow::Error::new(e)),
    };
    HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header((
            header::CONTENT_DISPOSITION,
            attachment(
                "suggestion-import-template.xlsx",
                &format!("建议导入模板-{}.xlsx", session.name),
            ),
        ))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .body(bytes)
}

/// `POST /import/suggestions?sessionId=…` with the `.xlsx` as the body. 200 with
/// `{imported, errors: []}` when every row was registered; 422 with `{imported: 0,
/// errors: [{row, column, header, field, code, message}]}` when any row was wrong
/// (nothing registered); 400 for a bad request, 413 past `import_max_bytes`, 415 for
/// another content type. One audit row (`importSuggestions`, target the session).
pub(super) async fn import_suggestions(
    req: HttpRequest,
    payload: web::Payload,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    limits: web::Data<ImportLimits>,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    let (principal, auth) = match signed_in(
        &req,
        &db,
        &authenticator,
        &request_id,
        crate::graphql::access::OFFICE,
    )
    .await
    {
        Ok(found) => found,
        Err(refused) => {
            return refused
                .audited(&db, &authenticator, "importSuggestions", &request_id)
                .await
        }
    };
    if let Err(refused) = check_content_type(&req) {
        return *refused;
    }
    let session_id = match session_param(&req) {
        Ok(id) => id,
        Err(e) => return user_errors(StatusCode::BAD_REQUEST, &[e]),
    };
    let body = match read_body(&req, payload, limits.max_bytes).await {
        Ok(body) => body,
        Err(refused) => return *refused,
    };
    let entry = NewAuditEntry {
        occurred_at: authenticator.clock.now(),
        actor_user_id: Some(principal.user_id),
        actor_name: Some(principal.username.clone()),
        role: principal.role.as_str().to_owned(),
        operation: "importSuggestions".to_owned(),
        target: Some(format!("Session:{session_id}")),
        outcome: AuditOutcome::Success,
        error_codes: Vec::new(),
        client_ip: auth.client_ip.clone(),
        request_id: Some(request_id.clone()),
        details: None,
    };
    let work = Work::new(entry, authenticator.audit.key().cloned());
    let clock = Arc::clone(&authenticator.clock);
    let result = import::import(
        &db.within(work.clone()),
        session_id,
        &body,
        **limits,
        clock.now(),
        clock.today(),
    )
    .await;
    if !work.is_recorded() {
        audit_refusal(&db, &authenticator, &work, &result, &request_id).await;
    }
    match result {
        Ok(report) if report.errors.is_empty() => HttpResponse::Ok().json(report),
        Ok(report) => HttpResponse::UnprocessableEntity().json(report),
        Err(e) => service_error(&request_id, e),
    }
}

/// The body is the `.xlsx` itself (or octet-stream), not a form.
fn check_content_type(req: &HttpRequest) -> Result<(), Box<HttpResponse>> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if content_type != XLSX_TYPE && content_type != "application/octet-stream" {
        return Err(Box::new(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            &format!(
                "请直接上传 .xlsx 文件，Content-Type 为 {XLSX_TYPE} (send the .xlsx file itself as the body)"
            ),
        )));
    }
    Ok(())
}

/// The whole body, refused with 413 as soon as it is declared or read past `max_bytes`.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    max_bytes: usize,
) -> Result<web::BytesMut, Box<HttpResponse>> {
    let too_large = || {
        Box::new(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_REQUEST",
            &format!("文件过大，最大 {max_bytes} 字节 (file larger than {max_bytes} bytes)"),
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max_bytes) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() > max_bytes => return Err(too_large()),
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(_) => {
                return Err(Box::new(error_response(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "请求体读取失败 (the body could not be read)",
                )))
            }
        }
    }
    Ok(body)
}

/// The audit row of an import that stored nothing: its error codes, sorted and unique.
async fn audit_refusal(
    db: &Db,
    authenticator: &Authenticator,
    work: &Work,
    result: &Result<import::ImportReport, ServiceError>,
    request_id: &str,
) {
    let mut codes: Vec<String> = match result {
        Ok(report) => report
            .errors
            .iter()
            .map(|e| e.code.as_str().to_owned())
            .collect(),
        Err(ServiceError::User(errors)) => {
            errors.iter().map(|e| e.code.as_str().to_owned()).collect()
        }
        Err(ServiceError::Unexpected(_)) => Vec::new(),
    };
    codes.sort();
    codes.dedup();
    let mut entry = work.entry();
    entry.outcome = match result {
        Err(ServiceError::Unexpected(_)) => AuditOutcome::Error,
        _ => AuditOutcome::UserError,
    };
    entry.error_codes = codes;
    if let Err(error) = audit::append_now(db, &authenticator.audit, &entry).await {
        tracing::error!(request_id = %request_id, ?error, "appending the audit row of an import");
    }
}
