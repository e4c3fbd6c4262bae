//! Spreadsheets over HTTP: the suggestion list as `.xlsx` or `.csv`, the import template,
//! and the bulk import.
//!
//! ```text
//! GET  /export/suggestions.xlsx?sessionId=…&status=ASSIGNED,REPLIED&keyword=…   CASEWORK roles
//! GET  /export/suggestions.csv?…                                                CASEWORK roles
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

use std::io::Read as _;
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::ID;
use chrono::NaiveDate;
use futures_util::StreamExt as _;
use serde_json::json;
use tracing_actix_web::RequestId;

use super::{authenticate, AuthFailure, Authenticator};
use crate::db::Db;
use crate::domain::access::{Caller, Principal, Role};
use crate::domain::UserError;
use crate::graphql::account::RequestAuth;
use crate::graphql::ids::{self, Kind};
use crate::routes::{
    url_encode, IMPORT, IMPORT_TEMPLATE, STATISTICS_CSV, STATISTICS_XLSX, SUGGESTIONS_CSV,
    SUGGESTIONS_XLSX,
};
use crate::service::audit::{self, AuditOutcome, NewAuditEntry};
use crate::service::export::{suggestion_columns, SuggestionRows};
use crate::service::import::{self, ImportLimits};
use crate::service::spreadsheet::{Cell, Column, CsvWriter, XlsxWriter};
use crate::service::statistics::{self, GroupBy, StatisticsFilter};
use crate::service::suggestion::SuggestionFilter;
use crate::service::work::Work;
use crate::service::ServiceError;

/// The content type of `.xlsx` files.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows of one Excel worksheet, the header included.
const EXCEL_MAX_ROWS: u32 = 1_048_576;

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

fn internal(request_id: &str, error: &anyhow::Error) -> HttpResponse {
    tracing::error!(request_id = %request_id, error = ?error, "unexpected error in a spreadsheet route");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        &format!("服务器内部错误，请稍后重试 (internal error); request id {request_id}"),
    )
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

/// The query parameters as pairs; `None` when the query string is malformed.
fn pairs(req: &HttpRequest) -> Option<Vec<(String, String)>> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .map(web::Query::into_inner)
}

fn one<'a>(values: &[&'a str], name: &str) -> Result<Option<&'a str>, UserError> {
    match values {
        [] => Ok(None),
        [value] => Ok(Some(value)),
        _ => Err(UserError::invalid(
            &[name],
            format!("参数 {name} 只能出现一次 ({name} given more than once)"),
        )),
    }
}

fn date_param(values: &[&str], name: &str) -> Result<Option<NaiveDate>, UserError> {
    one(values, name)?
        .map(|v| {
            crate::graphql::scalars::parse_date(v).ok_or_else(|| {
                UserError::invalid(
                    &[name],
                    format!("{name} 应为 YYYY-MM-DD 格式的日期 ({name} must be a date YYYY-MM-DD)"),
                )
            })
        })
        .transpose()
}

fn id_param(values: &[&str], name: &str, kind: Kind) -> Result<Option<i64>, UserError> {
    one(values, name)?
        .map(|v| ids::expect(&ID(v.to_owned()), kind, &[name]))
        .transpose()
}

/// Enum values, comma-separated or repeated, by their API names.
fn enum_list<T: serde::de::DeserializeOwned>(
    values: &[&str],
    name: &str,
) -> Result<Option<Vec<T>>, UserError> {
    if values.is_empty() {
        return Ok(None);
    }
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            serde_json::from_value(serde_json::Value::String(v.to_owned())).map_err(|_| {
                UserError::invalid(
                    &[name],
                    format!("{name} 的取值 {v} 无效 (unknown value {v} of {name})"),
                )
            })
        })
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

/// The list's filters and `asOf` from the query parameters, decoded as the API does.
pub fn export_filter(
    params: &[(String, String)],
    principal: &Principal,
    today: NaiveDate,
) -> Result<(SuggestionFilter, NaiveDate), Vec<UserError>> {
    const KNOWN: [&str; 10] = [
        "sessionId",
        "unitId",
        "deputyId",
        "status",
        "category",
        "isKey",
        "keyword",
        "submittedFrom",
        "submittedTo",
        "asOf",
    ];
    let mut errors = known_only(params, &KNOWN);
    let values = |name: &str| values_of(params, name);
    let scope = Caller::User(principal.clone()).scope();
    let session_id = errors.check(id_param(&values("sessionId"), "sessionId", Kind::Session));
    let unit_id = errors.check(id_param(&values("unitId"), "unitId", Kind::HandlingUnit));
    let deputy_id = errors.check(id_param(&values("deputyId"), "deputyId", Kind::Deputy));
    let status = errors.check(enum_list(&values("status"), "status"));
    let category = errors.check(enum_list(&values("category"), "category"));
    let is_key = errors.check(one(&values("isKey"), "isKey").and_then(|v| match v {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(UserError::invalid(
            &["isKey"],
            "isKey 应为 true 或 false (isKey must be true or false)",
        )),
    }));
    let keyword = errors.check(one(&values("keyword"), "keyword").and_then(|k| match k {
        Some(k) if k.chars().count() > 100 => Err(UserError::invalid(
            &["keyword"],
            "关键词不能超过 100 个字符 (keyword at most 100 characters)",
        )),
        k => Ok(k.map(str::to_owned)),
    }));
    let submitted_from = errors.check(date_param(&values("submittedFrom"), "submittedFrom"));
    let submitted_to = errors.check(date_param(&values("submittedTo"), "submittedTo"));
    let as_of = errors.check(date_param(&values("asOf"), "asOf"));
    if let Some(Some(unit)) = unit_id {
        check_unit(scope, unit, &mut errors);
    }
    errors.finish()?;
    let filter = SuggestionFilter {
        scope,
        session_id: session_id.flatten(),
        unit_id: unit_id.flatten(),
        deputy_id: deputy_id.flatten(),
        status: status.flatten(),
        category: category.flatten(),
        is_key: is_key.flatten(),
        keyword: keyword.flatten(),
        submitted_from: submitted_from.flatten(),
        submitted_to: submitted_to.flatten(),
        keyword_plan: None,
    };
    Ok((filter, as_of.flatten().unwrap_or(today)))
}

/// Authenticates a list export and reads its parameters.
async fn export_request(
    req: &HttpRequest,
    db: &Db,
    authenticator: &Authenticator,
    request_id: &str,
) -> Result<SuggestionRows, HttpResponse> {
    let (principal, _) = signed_in(
        req,
        db,
        authenticator,
        request_id,
        crate::graphql::access::CASEWORK,
    )
    .await?;
    let Some(params) = pairs(req) else {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "查询参数格式错误 (malformed query string)",
        ));
    };
    let today = authenticator.clock.today();
    let (filter, as_of) = export_filter(&params, &principal, today)
        .map_err(|errors| user_errors(StatusCode::BAD_REQUEST, &errors))?;
    // The keyword is looked up once for the whole export, as for one page of the list.
    let filter = crate::service::suggestion::plan(db, filter)
        .await
        .map_err(|e| service_error(request_id, e))?;
    Ok(SuggestionRows::new(db.clone(), filter, as_of))
}

/// The download's ASCII and Chinese file names: `{ascii}-YYYYMMDD.ext`, `{name}-YYYYMMDD.ext`.
fn dated_names(ascii: &str, name: &str, today: NaiveDate, extension: &str) -> (String, String) {
    let date = today.format("%Y%m%d");
    (
        format!("{ascii}-{date}.{extension}"),
        format!("{name}-{date}.{extension}"),
    )
}

fn file_name(today: NaiveDate, extension: &str) -> (String, String) {
    dated_names("suggestions", "建议办理情况一览表", today, extension)
}

/// `GET /export/suggestions.csv`: streamed as pages are read, in bounded memory. An error
/// after the first bytes went out aborts the response (the client sees a broken download,
/// never a silently short file); the cause is logged with the request id.
async fn export_csv(
    req: HttpRequest,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    let mut rows = match export_request(&req, &db, &authenticator, &request_id).await {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let log_id = request_id.clone();
    actix_web::rt::spawn(async move {
        let columns = suggestion_columns();
        let mut csv = match CsvWriter::new(Vec::new(), &columns) {
            Ok(csv) => csv,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        loop {
            let page = rows.next_page().await;
            let done = !matches!(page, Ok(Some(_)));
            match page {
                Ok(Some(page)) => {
                    for row in &page {
                        if let Err(e) = csv.row(row) {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(request_id = %log_id, ?error, "CSV export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
            let chunk = std::mem::take(csv.get_mut());
            if !chunk.is_empty() && tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return; // the client went away
            }
            if done {
                return;
            }
        }
    });
    let (ascii, name) = file_name(authenticator.clock.today(), "csv");
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, attachment(&ascii, &name)))
        .streaming(receiver_stream(rx))
}

fn receiver_stream(
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// `GET /export/suggestions.xlsx`: pages go to a constant-memory workbook on a blocking
/// thread (through a channel of two pages), which is saved to an anonymous temp file and
/// then streamed from it; only then is the status sent, so a failure is a clean 500.
async fn export_xlsx(
    req: HttpRequest,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    let mut rows = match export_request(&req, &db, &authenticator, &request_id).await {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Vec<crate::service::spreadsheet::Cell>>>(2);
    let writer =
        tokio::task::spawn_blocking(move || -> anyhow::Result<Result<std::fs::File, u32>> {
            let mut xlsx = XlsxWriter::new("建议办理情况", &suggestion_columns())?;
            while let Some(page) = rx.blocking_recv() {
                for row in &page {
                    if xlsx.rows() + 1 >= EXCEL_MAX_ROWS {
                        return Ok(Err(EXCEL_MAX_ROWS - 1));
                    }
                    xlsx.row(row)?;
                }
            }
            Ok(Ok(xlsx.finish()?))
        });
    loop {
        match rows.next_page().await {
            Ok(Some(page)) => {
                if tx.send(page).await.is_err() {
                    break; // the writer stopped; its result says why
                }
            }
            Ok(None) => break,
            Err(e) => return service_error(&request_id, e),
        }
    }
    drop(tx);
    let file = match writer.await {
        Ok(Ok(Ok(file))) => file,
        Ok(Ok(Err(max))) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "TOO_LARGE",
                &format!(
                    "超过 Excel 单表 {max} 行的上限，请缩小筛选范围或导出 CSV (more than {max} rows; narrow the filter or export CSV)"
                ),
            )
        }
        Ok(Err(e)) => return internal(&request_id, &e),
        Err(e) => return internal(&request_id, &anyhow::Error::new(e)),
    };
    let length = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return internal(&request_id, &anyhow::Error::new(e)),
    };
    let (ascii, name) = file_name(authenticator.clock.today(), "xlsx");
    HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, attachment(&ascii, &name)))
        // Already a zip container: not compressed again.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .no_chunking(length)
        .streaming(file_stream(file))
}

/// A file read in 64 KiB chunks on a blocking thread, a few chunks ahead of the client.
fn file_stream(
    mut file: std::fs::File,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match file.read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buffer[..n])))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    receiver_stream(rx)
}

/// The session a template or an import is for, from `?sessionId=`.
fn session_param(req: &HttpRequest) -> Result<i64, UserError> {
    let params = pairs(req).unwrap_or_default();
    let values: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "sessionId")
        .map(|(_, v)| v.as_str())
        .collect();
    id_param(&values, "sessionId", Kind::Session)?.ok_or_else(|| {
        UserError::invalid(
            &["sessionId"],
            "请指定会议 sessionId (sessionId is required)",
        )
    })
}

/// `GET /import/suggestions/template.xlsx?sessionId=…`
async fn template(
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
                &[UserError::not_found(
                    &["sessionId"],
                    "会议不存在 (session not found)",
                )],
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
async fn import_suggestions(
    req: HttpRequest,
    mut payload: web::Payload,
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
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            &format!(
                "请直接上传 .xlsx 文件，Content-Type 为 {XLSX_TYPE} (send the .xlsx file itself as the body)"
            ),
        );
    }
    let session_id = match session_param(&req) {
        Ok(id) => id,
        Err(e) => return user_errors(StatusCode::BAD_REQUEST, &[e]),
    };
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_REQUEST",
            &format!(
                "文件过大，最大 {} 字节 (file larger than {} bytes)",
                limits.max_bytes, limits.max_bytes
            ),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return too_large();
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() > limits.max_bytes => return too_large(),
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "请求体读取失败 (the body could not be read)",
                )
            }
        }
    }
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
        let codes: Vec<String> = match &result {
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
        let mut codes: Vec<String> = codes;
        codes.sort();
        codes.dedup();
        let mut entry = work.entry();
        entry.outcome = match &result {
            Err(ServiceError::Unexpected(_)) => AuditOutcome::Error,
            _ => AuditOutcome::UserError,
        };
        entry.error_codes = codes;
        if let Err(error) = audit::append_now(&db, &authenticator.audit, &entry).await {
            tracing::error!(request_id = %request_id, ?error, "appending the audit row of an import");
        }
    }
    match result {
        Ok(report) if report.errors.is_empty() => HttpResponse::Ok().json(report),
        Ok(report) => HttpResponse::UnprocessableEntity().json(report),
        Err(e) => service_error(&request_id, e),
    }
}

/// Errors for the parameters a route does not know (a typo must not silently widen an
/// export), to which the route adds its own.
fn known_only(params: &[(String, String)], known: &[&str]) -> crate::domain::error::Errors {
    let mut errors = crate::domain::error::Errors::new();
    for (key, _) in params {
        if !known.contains(&key.as_str()) {
            errors.push(UserError::invalid(
                &[key.as_str()],
                format!("未知参数 {key} (unknown parameter {key})"),
            ));
        }
    }
    errors
}

/// Every value given for the parameter `name`.
fn values_of<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// For unit staff only their own unit exists as a filter value.
fn check_unit(
    scope: crate::domain::access::Scope,
    unit: i64,
    errors: &mut crate::domain::error::Errors,
) {
    if let Err(ServiceError::User(found)) =
        crate::service::scope::check_unit_filter(scope, Some(unit), &["unitId"])
    {
        for e in found {
            errors.push(e);
        }
    }
}

/// The parameters of a statistics export: the `statistics` query's filter, `groupBy`
/// (comma-separated: SESSION, UNIT, TOPIC, CATEGORY, MONTH) and `asOf`.
fn statistics_filter(
    params: &[(String, String)],
    principal: &Principal,
    today: NaiveDate,
) -> Result<(StatisticsFilter, Vec<GroupBy>, NaiveDate), Vec<UserError>> {
    const KNOWN: [&str; 8] = [
        "sessionId",
        "unitId",
        "topic",
        "kind",
        "from",
        "to",
        "groupBy",
        "asOf",
    ];
    let mut errors = known_only(params, &KNOWN);
    let values = |name: &str| values_of(params, name);
    let scope = Caller::User(principal.clone()).scope();
    let session_id = errors.check(id_param(&values("sessionId"), "sessionId", Kind::Session));
    let unit_id = errors.check(id_param(&values("unitId"), "unitId", Kind::HandlingUnit));
    let topic = errors.check(one(&values("topic"), "topic")).flatten();
    let kind = errors
        .check(enum_list::<entity::enums::SuggestionKind>(
            &values("kind"),
            "kind",
        ))
        .flatten();
    let from = errors.check(date_param(&values("from"), "from")).flatten();
    let to = errors.check(date_param(&values("to"), "to")).flatten();
    let as_of = errors.check(date_param(&values("asOf"), "asOf")).flatten();
    let mut group_by = Vec::new();
    for name in values("groupBy").iter().flat_map(|v| v.split(',')) {
        let group = match name.trim() {
            "SESSION" => GroupBy::Session,
            "UNIT" => GroupBy::Unit,
            "TOPIC" => GroupBy::Topic,
            "CATEGORY" => GroupBy::Category,
            "MONTH" => GroupBy::Month,
            other => {
                errors.push(UserError::invalid(
                    &["groupBy"],
                    format!(
                        "未知分组 {other} (groupBy takes SESSION, UNIT, TOPIC, CATEGORY, MONTH)"
                    ),
                ));
                continue;
            }
        };
        if !group_by.contains(&group) {
            group_by.push(group);
        }
    }
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.push(UserError::invalid(
                &["to"],
                "结束日期不能早于开始日期 (to must not precede from)",
            ));
        }
    }
    let kind = match kind.as_deref() {
        None | Some([]) => None,
        Some([one]) => Some(*one),
        Some(_) => {
            errors.push(UserError::invalid(&["kind"], "kind 只能有一个 (one kind)"));
            None
        }
    };
    if let Some(Some(unit)) = unit_id {
        check_unit(scope, unit, &mut errors);
    }
    errors.finish()?;
    let filter = StatisticsFilter {
        scope,
        session_id: session_id.flatten(),
        unit_id: unit_id.flatten(),
        topic: topic
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        kind,
        from,
        to,
    };
    Ok((filter, group_by, as_of.unwrap_or(today)))
}

/// Authenticates a statistics export and builds its sheet.
async fn statistics_sheet(
    req: &HttpRequest,
    db: &Db,
    authenticator: &Authenticator,
    request_id: &str,
) -> Result<(Vec<Column>, Vec<Vec<Cell>>), HttpResponse> {
    let (principal, _) = signed_in(
        req,
        db,
        authenticator,
        request_id,
        crate::graphql::access::UNIT_DESK,
    )
    .await?;
    let Some(params) = pairs(req) else {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "查询参数格式错误 (malformed query string)",
        ));
    };
    let (filter, group_by, as_of) =
        statistics_filter(&params, &principal, authenticator.clock.today())
            .map_err(|errors| user_errors(StatusCode::BAD_REQUEST, &errors))?;
    let limit = u64::try_from(crate::graphql::statistics::MAX_ROWS + 1).unwrap_or(u64::MAX);
    let as_of = crate::service::deadline::AsOf::on(db, as_of, authenticator.clock.today())
        .await
        .map_err(|e| service_error(request_id, e))?;
    let (columns, rows) = statistics::sheet(db, &filter, &group_by, as_of, limit)
        .await
        .map_err(|e| service_error(request_id, e))?;
    // The table rows and the total row.
    if rows.len() > crate::graphql::statistics::MAX_ROWS + 1 {
        return Err(user_errors(
            StatusCode::BAD_REQUEST,
            &[UserError::invalid(
                &["groupBy"],
                "分组过多，请缩小筛选范围 (too many groups: narrow the filter or group by less)",
            )],
        ));
    }
    Ok((columns, rows))
}

fn statistics_file_name(today: NaiveDate, extension: &str) -> (String, String) {
    dated_names("statistics", "建议办理情况统计表", today, extension)
}

/// `GET /export/statistics.xlsx`: the `statistics` table as an Excel sheet.
async fn statistics_xlsx(
    req: HttpRequest,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    let (columns, rows) = match statistics_sheet(&req, &db, &authenticator, &request_id).await {
        Ok(sheet) => sheet,
        Err(response) => return response,
    };
    let built = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let mut xlsx = XlsxWriter::new("办理情况统计", &columns)?;
        for row in &rows {
            xlsx.row(row)?;
        }
        xlsx.finish_to_vec()
    })
    .await;
    let bytes = match built {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return internal(&request_id, &e),
        Err(e) => return internal(&request_id, &anyhow::Error::new(e)),
    };
    let (ascii, name) = statistics_file_name(authenticator.clock.today(), "xlsx");
    HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, attachment(&ascii, &name)))
        .body(bytes)
}

/// `GET /export/statistics.csv`: the `statistics` table as CSV (UTF-8 with a BOM).
async fn statistics_csv(
    req: HttpRequest,
    db: web::Data<Db>,
    authenticator: web::Data<Authenticator>,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    let (columns, rows) = match statistics_sheet(&req, &db, &authenticator, &request_id).await {
        Ok(sheet) => sheet,
        Err(response) => return response,
    };
    let written = (|| -> std::io::Result<Vec<u8>> {
        let mut csv = CsvWriter::new(Vec::new(), &columns)?;
        for row in &rows {
            csv.row(row)?;
        }
        Ok(csv.into_inner())
    })();
    let bytes = match written {
        Ok(bytes) => bytes,
        Err(e) => return internal(&request_id, &anyhow::Error::new(e)),
    };
    let (ascii, name) = statistics_file_name(authenticator.clock.today(), "csv");
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, attachment(&ascii, &name)))
        .body(bytes)
}
