//! Links to the spreadsheet routes (`src/http/sheets/`, paths in `src/routes.rs`), so
//! clients never build those addresses by hand: the filter is checked here exactly as
//! `suggestions` checks it and encoded into the address, global IDs unchanged.

use async_graphql::{Context, Enum, Object, Result, ID};

use crate::graphql::access::{self, Allow, CASE_READERS, OFFICE};
use crate::graphql::error::{for_query, user_error};
use crate::graphql::ids::filter_id;
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::*;
use crate::graphql::ops::records::SuggestionFilter;
use crate::graphql::scalars::Date;
use crate::routes::{with_query, IMPORT, IMPORT_TEMPLATE, SUGGESTIONS_CSV, SUGGESTIONS_XLSX};

/// A spreadsheet format.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Excel workbook: Chinese headers, frozen header row, date cells.
    Xlsx,
    /// UTF-8 with a byte-order mark, so Excel shows the Chinese correctly.
    Csv,
}

#[derive(Default)]
pub struct ExportQuery;

fn api_name<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

#[Object]
impl ExportQuery {
    /// The relative address of the suggestion list as a spreadsheet, with `filter` (the
    /// `suggestions` filter) and `asOf` (the day deadline statuses are computed for;
    /// default: the day of the download, China time) encoded. Fetch it with `GET` and the
    /// same `Authorization` header; it holds the rows the caller sees in `suggestions`,
    /// one per suggestion, in registration order, streamed in bounded memory (a unit sees
    /// only its own assignments, replies and ratings).
    #[graphql(guard = "Allow(CASE_READERS)")]
    async fn suggestion_export(
        &self,
        ctx: &Context<'_>,
        filter: Option<SuggestionFilter>,
        #[graphql(default_with = "ExportFormat::Xlsx")] format: ExportFormat,
        as_of: Option<Date>,
    ) -> Result<String> {
        let f = filter.unwrap_or_default();
        let mut params: Vec<(&str, String)> = Vec::new();
        let ids = [
            ("sessionId", f.session_id.as_ref(), Kind::Session),
            ("unitId", f.unit_id.as_ref(), Kind::HandlingUnit),
            ("deputyId", f.deputy_id.as_ref(), Kind::Deputy),
        ];
        for (name, id, kind) in ids {
            if let Some(key) = filter_id(id, kind, name)? {
                if name == "unitId" {
                    crate::service::scope::check_unit_filter(
                        access::scope(ctx),
                        Some(key),
                        &["filter", "unitId"],
                    )
                    .map_err(|e| for_query(ctx, e))?;
                }
                params.push((name, ids::encode(kind, key).0));
            }
        }
        if let Some(status) = f.status.filter(|s| !s.is_empty()) {
            let names: Vec<String> = status
                .into_iter()
                .map(|s| api_name(entity::enums::SuggestionStatus::from(s)))
                .collect();
            params.push(("status", names.join(",")));
        }
        if let Some(category) = f.category.filter(|c| !c.is_empty()) {
            let names: Vec<String> = category
                .into_iter()
                .map(|c| api_name(entity::enums::ReplyCategory::from(c)))
                .collect();
            params.push(("category", names.join(",")));
        }
        if let Some(is_key) = f.is_key {
            params.push(("isKey", is_key.to_string()));
        }
        if let Some(keyword) = crate::graphql::ops::records::keyword(f.keyword.as_ref())? {
            params.push(("keyword", keyword));
        }
        let dates = [
            ("submittedFrom", f.submitted_from),
            ("submittedTo", f.submitted_to),
            ("asOf", as_of),
        ];
        for (name, date) in dates {
            if let Some(date) = date {
                params.push((name, date.0.format("%Y-%m-%d").to_string()));
            }
        }
        let path = match format {
            ExportFormat::Xlsx => SUGGESTIONS_XLSX,
            ExportFormat::Csv => SUGGESTIONS_CSV,
        };
        Ok(with_query(path, &params))
    }

    /// The bulk import of `sessionId` (office only): its template and where to upload it.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn suggestion_import(&self, session_id: ID) -> Result<SuggestionImportLinks> {
        let key = ids::expect(&session_id, Kind::Session, &["sessionId"]).map_err(user_error)?;
        let id = ids::encode(Kind::Session, key).0;
        Ok(SuggestionImportLinks {
            template_url: with_query(IMPORT_TEMPLATE, &[("sessionId", id.clone())]),
            upload_url: with_query(IMPORT, &[("sessionId", id)]),
        })
    }
}
