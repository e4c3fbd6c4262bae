//! `GET /files/{id}`: an attachment's content, for whoever sees the record it belongs to
//! (with the API's `Authorization: Bearer` header, or a signed link made for them:
//! `Attachment.signedDownloadUrl`). Anyone else gets 404, exactly as for an attachment that
//! does not exist (an invalid token gets 401, a forged or expired link 403).
//!
//! The answer is a download, never a page: `Content-Disposition: attachment` with the
//! UTF-8 name (RFC 6266, `filename*` of RFC 5987, an ASCII fallback), the type found in
//! the bytes, `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`.
//! The ETag is the content's SHA-256 (`If-None-Match` answers 304), and one byte range
//! (`Range: bytes=…`, `If-Range`) answers 206, so a viewer can page through a large PDF.
//! Each download of a private file, whole or a range from its first byte, is written to the
//! audit log (who read which file). A published reply's letter copy (答复函公开件) is public:
//! anyone may download it without signing in, and caches may keep it.

use std::ops::RangeInclusive;

use crate::http::access_log::RequestId;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::upload::Uploads;
use super::{authenticate, refusal, AuthFailure, Authenticator};
use crate::db::Db;
use crate::domain::access::{Caller, Principal};
use crate::domain::attachment as rules;
use crate::graphql::ids::{self, Kind};
use crate::service::attachment;
use crate::service::audit::{self, AuditOutcome, NewAuditEntry};
use entity::attachment::Model as Row;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        &format!("{}/{{id}}", crate::routes::FILES),
        web::get().to(download),
    );
}

fn not_found() -> HttpResponse {
    refusal(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "附件不存在 (attachment not found)",
    )
}

fn unavailable() -> HttpResponse {
    refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "UNAVAILABLE",
        "服务暂不可用，请稍后重试 (service unavailable; retry later)",
    )
}

async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    uploads: web::Data<Uploads>,
    request_id: RequestId,
) -> HttpResponse {
    let Some((Kind::Attachment, id)) = ids::decode(&path) else {
        return not_found();
    };
    let (caller, auth) = match caller_of(&req, &db, &authenticator, &uploads, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (row, reader) = match find(&db, &caller, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "loading an attachment");
            return unavailable();
        }
    };
    let etag = format!("\"{}\"", row.sha256);
    if header_is(&req, header::IF_NONE_MATCH, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    let size = u64::try_from(row.byte_size).unwrap_or_default();
    let range = match wanted_range(&req, &etag, size) {
        Ok(range) => range,
        Err(()) => {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .finish()
        }
    };
    let cache = match &reader {
        // A private file: who read it is audited (a range from the first byte counts).
        Some(principal) => {
            if range.as_ref().is_none_or(|r| *r.start() == 0) {
                let entry = read_entry(&authenticator, principal, &row, auth, &request_id);
                if let Err(error) = audit::append_now(&db, &authenticator.audit, &entry).await {
                    // No record of the read, no read.
                    tracing::error!(error = %format!("{error:?}"), "auditing a download");
                    return unavailable();
                }
            }
            "private, no-cache".to_owned()
        }
        None => format!("public, max-age={}", uploads.public_cache_secs),
    };
    serve(
        &uploads,
        &row,
        Served {
            etag,
            size,
            range,
            cache,
        },
    )
    .await
}

/// Who downloads: the bearer token's user, a signed link's user, or the public.
async fn caller_of(
    req: &HttpRequest,
    db: &Db,
    authenticator: &Authenticator,
    uploads: &Uploads,
    id: i64,
) -> Result<(Caller, crate::graphql::request::RequestAuth), HttpResponse> {
    match authenticate(req, db, authenticator).await {
        // A signed link (no header) acts for the user it was made for.
        Ok((Caller::Anonymous, auth)) if req.query_string().contains("signature=") => {
            Ok((linked(req, db, authenticator, uploads, id).await?, auth))
        }
        Ok(found) => Ok(found),
        Err(AuthFailure::Invalid { .. }) => Err(refusal(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "登录已失效或凭据无效，请重新登录 (the token is invalid or expired; sign in again)",
        )),
        Err(AuthFailure::Unavailable(error)) => {
            tracing::error!(%error, "authenticating a download");
            Err(unavailable())
        }
    }
}

/// The user a signed link to attachment `id` acts for; 403 `LINK_INVALID` for a link
/// forged, expired or made for a user who can no longer sign in.
async fn linked(
    req: &HttpRequest,
    db: &Db,
    authenticator: &Authenticator,
    uploads: &Uploads,
    id: i64,
) -> Result<Caller, HttpResponse> {
    let invalid = || {
        refusal(
            StatusCode::FORBIDDEN,
            "LINK_INVALID",
            "下载链接无效或已过期，请重新获取 (the download link is invalid or expired; get a new one)",
        )
    };
    let Some(grant) = uploads
        .links
        .check(id, req.query_string(), authenticator.clock.now())
    else {
        return Err(invalid());
    };
    match crate::service::account::principal_of(db, grant.user_id).await {
        Ok(Some(principal)) => Ok(Caller::User(principal)),
        Ok(None) => Err(invalid()),
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "loading a link's user");
            Err(unavailable())
        }
    }
}

/// The attachment `id` as `caller` may download it: a private one they see (with them as
/// its reader, for the audit log), or a published letter copy anyone may have (no reader).
async fn find(
    db: &Db,
    caller: &Caller,
    id: i64,
) -> crate::service::ServiceResult<Option<(Row, Option<Principal>)>> {
    if let Some(principal) = caller.principal() {
        if let Some(row) = attachment::visible(db, caller.scope(), id).await? {
            return Ok(Some((row, Some(principal.clone()))));
        }
    }
    Ok(attachment::public_copy(db, id)
        .await?
        .map(|row| (row, None)))
}

fn read_entry(
    authenticator: &Authenticator,
    principal: &Principal,
    row: &Row,
    auth: crate::graphql::request::RequestAuth,
    request_id: &RequestId,
) -> NewAuditEntry {
    NewAuditEntry {
        occurred_at: authenticator.clock.now(),
        actor_user_id: Some(principal.user_id),
        actor_name: Some(principal.username.clone()),
        role: principal.role.as_str().to_owned(),
        operation: "downloadAttachment".to_owned(),
        target: Some(format!("Attachment:{}", row.id)),
        outcome: AuditOutcome::Success,
        error_codes: Vec::new(),
        client_ip: auth.client_ip,
        request_id: Some(request_id.to_string()),
        details: None,
    }
}

/// Whether `name` holds `etag` (or `*`).
fn header_is(req: &HttpRequest, name: header::HeaderName, etag: &str) -> bool {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The one range asked for: `None` for the whole file (no `Range`, several ranges, or an
/// `If-Range` for another version); `Err` when the range lies outside the file.
fn wanted_range(
    req: &HttpRequest,
    etag: &str,
    size: u64,
) -> Result<Option<RangeInclusive<u64>>, ()> {
    let Some(range) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if req.headers().contains_key(header::IF_RANGE) && !header_is(req, header::IF_RANGE, etag) {
        return Ok(None);
    }
    let Ok(parsed) = http_range_header::parse_range_header(range) else {
        return Ok(None);
    };
    match parsed.validate(size) {
        Ok(ranges) if ranges.len() == 1 => Ok(ranges.into_iter().next()),
        Ok(_) => Ok(None),
        Err(_) => Err(()),
    }
}

/// How one download is answered.
struct Served {
    etag: String,
    size: u64,
    range: Option<RangeInclusive<u64>>,
    /// `Cache-Control`.
    cache: String,
}

async fn serve(uploads: &Uploads, row: &Row, served: Served) -> HttpResponse {
    let Served {
        etag,
        size,
        range,
        cache,
    } = served;
    let (status, length) = match &range {
        Some(r) => (StatusCode::PARTIAL_CONTENT, r.end() - r.start() + 1),
        None => (StatusCode::OK, size),
    };
    let wanted = range.as_ref().map(|r| *r.start()..*r.end() + 1);
    let body = match uploads.store.read(&row.sha256, wanted).await {
        Ok(body) => body,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(attachment = row.id, sha256 = %row.sha256, %error,
                "an attachment's file is missing from the store");
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "附件文件缺失，请联系管理员 (the attachment's file is missing; tell the administrator)",
            );
        }
        Err(error) => {
            tracing::error!(attachment = row.id, %error, "reading an attachment");
            return unavailable();
        }
    };
    let file_type = rules::type_of(&row.media_type);
    let name = file_type.map_or_else(
        || row.filename.clone(),
        |t| rules::download_name(&row.filename, t),
    );
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, row.media_type.as_str()))
        .insert_header(disposition(&name))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Sent as stored: compressing would break byte ranges (and PDFs, JPEGs and
        // Office files are compressed already).
        .insert_header(header::ContentEncoding::Identity);
    if let Some(r) = &range {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{size}", r.start(), r.end()),
        ));
    }
    // Streamed in chunks: a large file never sits in memory.
    response.no_chunking(length).streaming(body)
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<the name>`.
fn disposition(name: &str) -> ContentDisposition {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}
