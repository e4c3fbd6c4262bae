//! Links to the spreadsheet routes.

use async_graphql::SimpleObject;

/// Where to fetch the import template of a session and where to send the filled one.
#[derive(SimpleObject)]
pub struct SuggestionImportLinks {
    /// `GET` it (with `Authorization`): the .xlsx template with a 填写说明 sheet.
    pub template_url: String,
    /// `POST` the filled .xlsx itself as the body (`Content-Type:
    /// application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`, with
    /// `Authorization`). The answer is `{imported, errors: [{row, column, header, field,
    /// code, message}]}`: 200 when every row was registered, 422 when nothing was because
    /// some row is wrong.
    pub upload_url: String,
}
