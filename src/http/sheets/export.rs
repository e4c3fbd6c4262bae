//! The exports: the suggestion list (`.csv` streamed as pages are read, `.xlsx` written to a
//! temp file in constant memory) and the statistics table, each with the caller's scope.

use std::io::Read as _;

use crate::http::access_log::RequestId;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::params::{export_filter, pairs, statistics_filter};
use super::{
    attachment, dated_names, error_response, internal, service_error, signed_in, user_errors,
    XLSX_TYPE,
};
use crate::db::Db;
use crate::domain::UserError;
use crate::http::Authenticator;
use crate::service::export::{suggestion_columns, SuggestionRows};
use crate::service::spreadsheet::{Cell, Column, CsvWriter, XlsxWriter};
use crate::service::statistics;

/// Rows of one Excel worksheet, the header included.
pub(super) const EXCEL_MAX_ROWS: u32 = 1_048_576;

/// Authenticates a list export and reads its parameters.
pub(super) async fn export_request(
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
        crate::graphql::access::CASE_READERS,
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

pub(super) fn file_name(today: NaiveDate, extension: &str) -> (String, String) {
    dated_names("suggestions", "建议办理情况一览表", today, extension)
}

/// `GET /export/suggestions.csv`: streamed as pages are read, in bounded memory. An error
/// after the first bytes went out aborts the response (the client sees a broken download,
/// never a silently short file); the cause is logged with the request id.
pub(super) async fn export_csv(
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

pub(super) fn receiver_stream(
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// `GET /export/suggestions.xlsx`: pages go to a constant-memory workbook on a blocking
/// thread (through a channel of two pages), which is saved to an anonymous temp file and
/// then streamed from it; only then is the status sent, so a failure is a clean 500.
pub(super) async fn export_xlsx(
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
pub(super) fn file_stream(
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

/// Authenticates a statistics export and builds its sheet.
pub(super) async fn statistics_sheet(
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
        crate::graphql::access::DESK_READERS,
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
    let limit = u64::try_from(crate::graphql::ops::statistics::MAX_ROWS + 1).unwrap_or(u64::MAX);
    let as_of = crate::service::deadline::AsOf::on(db, as_of, authenticator.clock.today())
        .await
        .map_err(|e| service_error(request_id, e))?;
    let (columns, rows) = statistics::sheet(db, &filter, &group_by, as_of, limit)
        .await
        .map_err(|e| service_error(request_id, e))?;
    // The table rows and the total row.
    if rows.len() > crate::graphql::ops::statistics::MAX_ROWS + 1 {
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

pub(super) fn statistics_file_name(today: NaiveDate, extension: &str) -> (String, String) {
    dated_names("statistics", "建议办理情况统计表", today, extension)
}

/// `GET /export/statistics.xlsx`: the `statistics` table as an Excel sheet.
pub(super) async fn statistics_xlsx(
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
pub(super) async fn statistics_csv(
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
