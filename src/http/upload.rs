//! File uploads to `POST /graphql` as the GraphQL multipart request spec has them (what
//! apollo-upload-client, urql and graphql-request send): a `multipart/form-data` body with
//! an `operations` part (the JSON request, `null` where a file goes), a `map` part (which
//! file part fills which variable) and the file parts.
//!
//! **CSRF.** A multipart POST is a CORS "simple" request: a form on any page can send one
//! without a preflight. So banli runs a multipart request only when it carries a header no
//! form can set, `Apollo-Require-Preflight` (any value; Apollo Server's rule, which
//! Apollo's clients send) or a non-empty `X-Apollo-Operation-Name`. A browser sends such
//! a header cross-origin only after a preflight, which only `cors_allowed_origins` pass.
//! Without it the request is refused (400 `PREFLIGHT_REQUIRED`) before its body is read.
//!
//! **Limits.** Uploads need a signed-in caller (401 before the body is read). Each file
//! streams to a temporary file in the attachment store, hashed as it comes, and the
//! request is cut off with 413 as soon as a file passes `attachment_max_bytes`, the files
//! `attachment_max_files`, or the whole body `upload_max_request_bytes`; nothing it sent
//! is kept. The parts must come in the spec's order (operations, map, files).

use std::collections::HashMap;
use std::sync::Arc;

use crate::http::access_log::RequestId;
use actix_multipart::{Field, Multipart};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt as _;

use super::{caller_of, graphql_error, Body, RequestTimeout, Run};
use crate::db::Db;
use crate::domain::access::Caller;
use crate::graphql::scalars::Upload;
use crate::graphql::Schemas;
use crate::service::attachment::store::{StagedFile, TooLarge};
use crate::service::attachment::FileStore;

pub use crate::graphql::StagedUploads;

/// The attachment store and the upload limits, shared by the workers.
pub struct Uploads {
    pub store: Arc<FileStore>,
    pub max_file_bytes: u64,
    pub max_files: usize,
    pub max_request_bytes: u64,
    /// The limit of the `operations` part (the JSON body limit).
    pub max_operations_bytes: usize,
    /// `max-age` of a published letter copy's download (`public_cache_secs`).
    pub public_cache_secs: u32,
    /// Checks signed download links.
    pub links: Arc<crate::service::attachment::LinkSigner>,
}

impl Uploads {
    pub fn from_settings(
        settings: &crate::config::Settings,
        store: Arc<FileStore>,
        links: Arc<crate::service::attachment::LinkSigner>,
    ) -> Self {
        Self {
            store,
            max_file_bytes: settings.files.attachment_max_bytes,
            max_files: settings.files.attachment_max_files,
            max_request_bytes: settings.files.upload_max_request_bytes,
            max_operations_bytes: settings.max_body_bytes,
            public_cache_secs: settings.public_cache_secs,
            links,
        }
    }
}

/// A `multipart/form-data` body (the route's guard).
pub fn is_multipart(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Whether the request carries a header that a cross-site form cannot send.
fn preflighted(req: &HttpRequest) -> bool {
    let has = |name: &str| {
        req.headers()
            .get(name)
            .is_some_and(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace))
    };
    req.headers().contains_key("apollo-require-preflight") || has("x-apollo-operation-name")
}

/// Why a multipart body was refused.
struct Refusal(StatusCode, &'static str, String);

impl Refusal {
    fn bad(message: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, "BAD_REQUEST", message.into())
    }

    fn too_large(code: &'static str, message: String) -> Self {
        Self(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    fn response(&self) -> HttpResponse {
        let mut response = graphql_error(self.0, self.1, &self.2);
        if self.0 == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection closes after the answer.
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn graphql_multipart(
    req: HttpRequest,
    payload: web::Payload,
    schemas: web::Data<Schemas>,
    db: web::Data<Db>,
    timeout: web::Data<RequestTimeout>,
    authenticator: web::Data<super::Authenticator>,
    uploads: web::Data<Uploads>,
    request_id: RequestId,
) -> HttpResponse {
    if !preflighted(&req) {
        return graphql_error(
            StatusCode::BAD_REQUEST,
            "PREFLIGHT_REQUIRED",
            "上传文件的请求须带 Apollo-Require-Preflight 请求头 (multipart requests need an \
             Apollo-Require-Preflight header, so that no cross-site form can send one)",
        );
    }
    let request_id = request_id.to_string();
    let (caller, auth) = match caller_of(&req, &db, &authenticator, &request_id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    if matches!(caller, Caller::Anonymous) {
        return super::refusal(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "上传文件须先登录 (sign in to upload files)",
        );
    }
    let request = match receive(&req, payload, &uploads).await {
        Ok(request) => request,
        Err(refusal) => return refusal.response(),
    };
    let run = Run {
        req: &req,
        schemas: &schemas,
        db: &db,
        timeout: &timeout,
        request_id,
    };
    let response = run.execute(request, caller, auth).await;
    actix_web::Responder::respond_to(response, &req).map_into_boxed_body()
}

/// Reads the multipart body into a GraphQL request with its files staged.
async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    uploads: &Uploads,
) -> Result<async_graphql::Request, Refusal> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > uploads.max_request_bytes) {
        return Err(request_too_large(uploads));
    }
    let mut parts = Multipart::new(req.headers(), payload.into_inner());
    let mut request: Option<async_graphql::Request> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files: Vec<(String, StagedFile)> = Vec::new();
    let mut total = 0u64;
    while let Some(part) = parts.next().await {
        let mut field = part
            .map_err(|e| Refusal::bad(format!("请求体格式有误 (malformed multipart body: {e})")))?;
        let name = field.name().unwrap_or_default().to_owned();
        match (name.as_str(), &request, &map) {
            ("operations", None, _) => {
                let bytes = read_small(
                    &mut field,
                    uploads.max_operations_bytes,
                    &mut total,
                    uploads,
                )
                .await?;
                request = Some(operations(&bytes)?);
            }
            ("map", Some(_), None) => {
                let bytes = read_small(&mut field, 64 * 1024, &mut total, uploads).await?;
                map = Some(serde_json::from_slice(&bytes).map_err(|_| {
                    Refusal::bad("map 部分不是有效的 JSON 对象 (the map part must be a JSON object of arrays)")
                })?);
            }
            (_, Some(_), Some(map)) if map.contains_key(&name) => {
                if files.len() >= uploads.max_files {
                    return Err(Refusal::too_large(
                        "TOO_MANY_FILES",
                        format!(
                            "一次最多上传 {} 个文件 (at most {} files per request)",
                            uploads.max_files, uploads.max_files
                        ),
                    ));
                }
                let staged = stage(&mut field, &mut total, uploads).await?;
                files.push((name, staged));
            }
            _ => {
                return Err(Refusal::bad(
                    "请求体各部分须依次为 operations、map 和 map 中列出的文件 (parts must be \
                     operations, then map, then the files the map names)",
                ))
            }
        }
    }
    let (Some(request), Some(map)) = (request, map) else {
        return Err(Refusal::bad(
            "缺少 operations 或 map 部分 (operations and map are required)",
        ));
    };
    attach(request, map, files)
}

fn request_too_large(uploads: &Uploads) -> Refusal {
    Refusal::too_large(
        "PAYLOAD_TOO_LARGE",
        format!(
            "请求体超过 {} 字节上限 (the request is larger than {} bytes)",
            uploads.max_request_bytes, uploads.max_request_bytes
        ),
    )
}

/// Counts `n` more bytes of the body against its limit.
fn count(total: &mut u64, n: usize, uploads: &Uploads) -> Result<(), Refusal> {
    *total += n as u64;
    if *total > uploads.max_request_bytes {
        return Err(request_too_large(uploads));
    }
    Ok(())
}

/// A small part (operations, map) read whole, up to `limit` bytes.
async fn read_small(
    field: &mut Field,
    limit: usize,
    total: &mut u64,
    uploads: &Uploads,
) -> Result<Vec<u8>, Refusal> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk =
            chunk.map_err(|e| Refusal::bad(format!("请求体读取失败 (reading the body: {e})")))?;
        count(total, chunk.len(), uploads)?;
        if bytes.len() + chunk.len() > limit {
            return Err(Refusal::too_large(
                "PAYLOAD_TOO_LARGE",
                format!("operations 或 map 部分过大 (a part is larger than {limit} bytes)"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn operations(bytes: &[u8]) -> Result<async_graphql::Request, Refusal> {
    match serde_json::from_slice::<Body>(bytes) {
        Ok(Body::Single(request)) => Ok(*request),
        Ok(Body::Batch) => Err(Refusal::bad(
            "不支持批量请求，请每次发送一个操作 (batched requests are not supported)",
        )),
        Err(_) => Err(Refusal::bad(
            "operations 部分不是有效的 GraphQL JSON 请求 (operations is not a GraphQL JSON request)",
        )),
    }
}

/// One file part, streamed to the store's staging area.
async fn stage(
    field: &mut Field,
    total: &mut u64,
    uploads: &Uploads,
) -> Result<StagedFile, Refusal> {
    let filename = field
        .content_disposition()
        .and_then(|d| d.get_filename())
        .unwrap_or_default()
        .to_owned();
    let client_type = field.content_type().map(ToString::to_string);
    let failed = |e: std::io::Error| {
        tracing::error!(error = %e, "staging an upload");
        Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "文件暂存失败，请稍后重试 (the file could not be stored; retry later)".to_owned(),
        )
    };
    let mut staging = uploads
        .store
        .stage(&filename, uploads.max_file_bytes)
        .await
        .map_err(failed)?;
    while let Some(chunk) = field.next().await {
        let chunk =
            chunk.map_err(|e| Refusal::bad(format!("请求体读取失败 (reading the body: {e})")))?;
        count(total, chunk.len(), uploads)?;
        match staging.write(&chunk).await {
            Ok(()) => {}
            Err(Ok(TooLarge)) => {
                let max = uploads.max_file_bytes;
                return Err(Refusal::too_large(
                    "FILE_TOO_LARGE",
                    format!(
                        "单个文件不能超过 {} MB (a file may have at most {max} bytes)",
                        max / (1024 * 1024)
                    ),
                ));
            }
            Err(Err(e)) => return Err(failed(e)),
        }
    }
    staging.finish(client_type).await.map_err(failed)
}

/// Puts each file where the map says (its variable then holds the file's index), and the
/// staged files beside the request for the resolvers.
fn attach(
    mut request: async_graphql::Request,
    mut map: HashMap<String, Vec<String>>,
    files: Vec<(String, StagedFile)>,
) -> Result<async_graphql::Request, Refusal> {
    let mut staged = Vec::new();
    for (name, file) in files {
        let index = staged.len();
        for path in map.remove(&name).unwrap_or_default() {
            let Some(slot) = variable(&mut request.variables, &path) else {
                return Err(Refusal::bad(format!(
                    "map 中的路径 {path} 不指向任何变量 (map path {path} names no variable)"
                )));
            };
            *slot = async_graphql::Value::String(Upload::marker(index));
        }
        staged.push(Arc::new(file));
    }
    if !map.is_empty() {
        return Err(Refusal::bad(
            "map 中列出的文件未随请求发送 (files named in map are missing)",
        ));
    }
    Ok(request.data(StagedUploads(staged)))
}

/// The value at a map path (`variables.input.file`, `variables.files.0`), if it exists.
fn variable<'a>(
    variables: &'a mut async_graphql::Variables,
    path: &str,
) -> Option<&'a mut async_graphql::Value> {
    let mut parts = path.strip_prefix("variables.")?.split('.');
    let first = variables.get_mut(parts.next()?)?;
    parts.try_fold(first, |value, part| match value {
        async_graphql::Value::List(items) => items.get_mut(part.parse::<usize>().ok()?),
        async_graphql::Value::Object(fields) => fields.get_mut(part),
        _ => None,
    })
}
