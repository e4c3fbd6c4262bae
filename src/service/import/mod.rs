//! Registering suggestions in bulk from an `.xlsx` sheet (批量导入), all or nothing.
//!
//! The office downloads a template ([`template`]) with one sheet to fill (建议登记: a header
//! row, one suggestion per row) and one that explains each column (填写说明), fills it and
//! uploads it for a session. Every row is tidied (`domain::import`: stray and invisible
//! spaces, full-width digits, padded names, scraping noise), its deputies are looked up by
//! name, and then it goes through `service::suggestion::register_in` — the very checks of
//! `registerSuggestion` — inside **one** write transaction. If any row has an error, the
//! transaction is rolled back and the report lists every error of every row (row number
//! as Excel shows it, column letter and header, field, code, message); otherwise all rows
//! are committed together, each with its search index entry and timeline event, and one
//! audit row for the whole import.
//!
//! Deputies are not kept per session: the roster is the deputy table. A name must match
//! exactly one deputy — as written, or else folded (full-width, traditional → simplified,
//! so 李明華 finds 李明华); namesakes are told apart by the delegation in parentheses,
//! `张伟（淮南代表团）`. Unknown names are NOT_FOUND, names shared by several deputies
//! INVALID.
//!
//! Numbers must be unique in the session and in the file: a number that repeats an
//! earlier row is reported on the later row (DUPLICATE), whatever the database holds.

mod archive;
mod parse;
mod run;
mod template;
use archive::*;
use parse::*;
pub use run::import;
pub use template::*;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AssignmentRole, FilingPeriod, Publication, ReplyCategory, SuggestionKind};
use entity::{deputy, handling_unit, session};
use sea_orm::{EntityTrait, QuerySelect};
use serde::Serialize;

use super::assignment::{assign_in, AssignInput, UnitAssignment};
use super::reply::{publish_in, submit_in, NewReply, PublishInput};
use super::spreadsheet::{self, column_letter, Cell, Column, ReadLimits, XlsxWriter};
use super::suggestion::{register_in, NewSuggestion};
use super::workflow::sign_for_in;
use super::{DbContext, ServiceError, ServiceResult};
use crate::db::Db;
use crate::domain::import as tidy;
use crate::domain::text::Lines;
use crate::domain::{ErrorCode, UserError};

/// The sheet to fill in the template (and the one read; else the first sheet).
pub const SHEET: &str = "建议登记";

/// The sheet that explains the columns.
pub const NOTES_SHEET: &str = "填写说明";

/// Most bytes the parts of an uploaded workbook may unpack to together.
pub const MAX_UNPACKED_BYTES: u64 = 128 << 20;

/// Most bytes one part (the sheet, the shared strings) may unpack to.
pub const MAX_PART_BYTES: u64 = 64 << 20;

/// Columns read: the template's dozen with room for the office's own notes; a cell further
/// right refuses the file before any row is widened.
pub const MAX_COLUMNS: u32 = 50;

/// What an import may be given (settings `import_max_bytes`, `import_max_rows`).
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    pub max_bytes: usize,
    /// Data rows, the header not counted.
    pub max_rows: u32,
}

/// What a column of the template holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Number,
    Title,
    LeadDeputy,
    CoSigners,
    Content,
    Topic,
    Kind,
    Period,
    IsKey,
    SupervisingLeader,
    Confidential,
    SubmittedOn,
    // An archive's handling, when it is moved into banli (all optional).
    LeadUnit,
    AssignedOn,
    RepliedOn,
    Category,
    DocNumber,
    ReplyBody,
    SignedBy,
    ContactName,
    ContactPhone,
    PublishedAt,
}

struct Spec {
    field: Field,
    header: &'static str,
    /// The name of the field in `registerSuggestion`'s input (as reported).
    api: &'static str,
    required: bool,
    width: f64,
    note: &'static str,
}

const SPECS: [Spec; 22] = [
    Spec {
        field: Field::Number,
        header: "编号",
        api: "number",
        required: true,
        width: 10.0,
        note: "本次会议内唯一，可含前导零（如 0255）；数字、字母和连字符。全角数字、空格和“第…号”会自动去掉。",
    },
    Spec {
        field: Field::Title,
        header: "标题",
        api: "title",
        required: true,
        width: 40.0,
        note: "一行，最多 500 字。",
    },
    Spec {
        field: Field::LeadDeputy,
        header: "领衔代表",
        api: "leadDeputy",
        required: true,
        width: 12.0,
        note: "代表姓名，须与代表名单中的一位代表对应；重名时写成“姓名（代表团）”，如 张伟（淮南代表团）。姓名中的空格会去掉。",
    },
    Spec {
        field: Field::CoSigners,
        header: "联名代表",
        api: "coSigners",
        required: false,
        width: 24.0,
        note: "可空；多位代表用顿号、逗号或分号分隔（、，,；;），不要用空格分隔。",
    },
    Spec {
        field: Field::Content,
        header: "内容",
        api: "content",
        required: true,
        width: 60.0,
        note: "建议全文，可分段（单元格内换行 Alt+Enter）；多余的空格和空行会整理。",
    },
    Spec {
        field: Field::Topic,
        header: "主题分类",
        api: "topic",
        required: false,
        width: 12.0,
        note: "可空，如 组织人事、教科文卫。",
    },
    Spec {
        field: Field::Kind,
        header: "类型",
        api: "kind",
        required: false,
        width: 8.0,
        note: "建议 或 提案；空为 建议。",
    },
    Spec {
        field: Field::Period,
        header: "提出时间",
        api: "period",
        required: false,
        width: 10.0,
        note: "大会期间 或 闭会期间；空为 大会期间。",
    },
    Spec {
        field: Field::IsKey,
        header: "重点建议",
        api: "isKey",
        required: false,
        width: 10.0,
        note: "是 或 否；空为 否。",
    },
    Spec {
        field: Field::SupervisingLeader,
        header: "督办领导",
        api: "supervisingLeader",
        required: false,
        width: 12.0,
        note: "可空；重点建议的督办领导。",
    },
    Spec {
        field: Field::Confidential,
        header: "要求保密",
        api: "confidential",
        required: false,
        width: 10.0,
        note: "是 或 否；空为 否。代表要求保密的建议不公开。",
    },
    Spec {
        field: Field::SubmittedOn,
        header: "提出日期",
        api: "submittedOn",
        required: false,
        width: 12.0,
        note: "日期，如 2022-01-18 或 2022年1月18日；不能晚于今天；空为导入当天。",
    },
    Spec {
        field: Field::LeadUnit,
        header: "主办单位",
        api: "leadUnit",
        required: false,
        width: 20.0,
        note: "导入存档时填写，否则留空：承办单位全称，须与承办单位名单一致。填写后该建议交办给此单位（主办）。",
    },
    Spec {
        field: Field::AssignedOn,
        header: "交办日期",
        api: "assignedOn",
        required: false,
        width: 12.0,
        note: "可空；不能早于提出日期、不能晚于今天；空为导入当天。办理期限按会议的期限规则从此日算起。",
    },
    Spec {
        field: Field::RepliedOn,
        header: "答复日期",
        api: "repliedOn",
        required: false,
        width: 12.0,
        note: "导入已答复的建议时填写：答复函落款日期，不能早于交办日期。以下答复各列（类别、正文、签发人、联系人、电话）须同时填写。",
    },
    Spec {
        field: Field::Category,
        header: "答复类别",
        api: "category",
        required: false,
        width: 8.0,
        note: "A、B、C（或会议类别方案中的 D）。",
    },
    Spec {
        field: Field::DocNumber,
        header: "答复文号",
        api: "docNumber",
        required: false,
        width: 16.0,
        note: "可空，如 淮民函〔2022〕61号。",
    },
    Spec {
        field: Field::ReplyBody,
        header: "答复正文",
        api: "body",
        required: false,
        width: 60.0,
        note: "答复函全文，可分段。",
    },
    Spec {
        field: Field::SignedBy,
        header: "签发人",
        api: "signedBy",
        required: false,
        width: 10.0,
        note: "答复函的签发领导。",
    },
    Spec {
        field: Field::ContactName,
        header: "联系人",
        api: "contactName",
        required: false,
        width: 10.0,
        note: "承办单位的联系人。",
    },
    Spec {
        field: Field::ContactPhone,
        header: "联系电话",
        api: "contactPhone",
        required: false,
        width: 14.0,
        note: "承办单位联系电话，如 0554-6658135。",
    },
    Spec {
        field: Field::PublishedAt,
        header: "公开时间",
        api: "publishedAt",
        required: false,
        width: 18.0,
        note: "答复已向社会公开时填写：如 2022-09-19 14:52（北京时间），或只写日期；不能早于答复日期、不能晚于现在。填写后答复全文公开。",
    },
];

fn spec(field: Field) -> &'static Spec {
    SPECS.iter().find(|s| s.field == field).unwrap_or(&SPECS[0])
}

/// The outcome of an import: how many suggestions were registered (0 when anything was
/// wrong) and every error found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    pub errors: Vec<RowError>,
}

/// One error of one row: `row` as Excel numbers it (the header is row 1), `column` its
/// letter and `header` its title, `field` the name in `registerSuggestion`'s input.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowError {
    pub row: u32,
    pub column: Option<String>,
    pub header: Option<String>,
    pub field: Option<String>,
    pub code: ErrorCode,
    pub message: String,
}

/// Where each field stands in the uploaded sheet.
type Layout = HashMap<Field, usize>;

fn row_error(row: u32, at: Option<(Field, usize)>, code: ErrorCode, message: String) -> RowError {
    RowError {
        row,
        column: at.map(|(_, col)| column_letter(col)),
        header: at.map(|(f, _)| spec(f).header.to_owned()),
        field: at.map(|(f, _)| spec(f).api.to_owned()),
        code,
        message,
    }
}

/// The deputy table, by name, for looking names up.
struct Roster {
    exact: HashMap<String, Vec<(i64, Option<String>)>>,
    folded: HashMap<String, Vec<(i64, Option<String>)>>,
}

/// One data row made into `registerSuggestion`'s input, and the errors found on the way.
struct Parsed {
    input: NewSuggestion,
    /// The co-signers' names, in the order of `input.co_signer_ids`.
    co_signer_names: Vec<String>,
    lead_resolved: bool,
    /// The row's handling, when it is an archived case.
    archive: Archive,
    errors: Vec<RowError>,
}

/// What an archive row says happened after registration: assigned to a lead unit on a
/// day, answered with a reply, published at a time. Each step needs the one before.
#[derive(Debug, Clone, Default)]
struct Archive {
    unit_id: Option<i64>,
    assigned_on: Option<NaiveDate>,
    reply: Option<ArchivedReply>,
    published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct ArchivedReply {
    replied_on: Option<NaiveDate>,
    category: ReplyCategory,
    doc_number: Option<String>,
    body: String,
    signed_by: String,
    contact_name: String,
    contact_phone: String,
}

/// The reply columns: any one filled means the row carries a reply.
const REPLY_FIELDS: [Field; 7] = [
    Field::RepliedOn,
    Field::Category,
    Field::DocNumber,
    Field::ReplyBody,
    Field::SignedBy,
    Field::ContactName,
    Field::ContactPhone,
];

/// The handling units, by name and by code, for looking the lead unit up.
struct Units(HashMap<String, i64>);

/// The past dates an import recorded, per column: how many rows gave one and the earliest;
/// the import's audit row says so (`details.backdated`).
#[derive(Debug, Default)]
struct Backdated(std::collections::BTreeMap<&'static str, (usize, String)>);

fn read_error(error: &spreadsheet::ReadError, limits: ImportLimits) -> ServiceError {
    use spreadsheet::ReadError;
    let message = match error {
        ReadError::NotXlsx => {
            "文件不是有效的 .xlsx 表格，请用导入模板另存为 Excel 工作簿 (not an .xlsx workbook)"
                .to_owned()
        }
        ReadError::TooLarge { .. } => {
            "表格解压后过大 (the workbook unpacks to too much data)".to_owned()
        }
        ReadError::TooManyRows { .. } => format!(
            "一次最多导入 {} 行，请分批导入 (at most {} rows per import)",
            limits.max_rows, limits.max_rows
        ),
        ReadError::NoSheet(_) => "表格中没有工作表 (the workbook has no sheet)".to_owned(),
        ReadError::TooManyColumns { max_cols } => format!(
            "表格超出第 {max_cols} 列，请使用导入模板 (a cell lies beyond column {max_cols}; use the template)"
        ),
    };
    UserError::invalid(&["file"], message).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_loosely() {
        let header: Vec<Cell> = ["编号*", " 标 题 ", "领衔代表＊", "内容", "备注", "提出日期"]
            .iter()
            .map(|h| Cell::text(*h))
            .collect();
        let found = layout(&header).expect("layout");
        assert_eq!(found.get(&Field::Title), Some(&1));
        assert_eq!(found.get(&Field::SubmittedOn), Some(&5));
        assert_eq!(found.get(&Field::CoSigners), None);

        let missing = layout(&[Cell::text("编号"), Cell::text("编号")]).expect_err("errors");
        let codes: Vec<_> = missing.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                ErrorCode::Duplicate,
                ErrorCode::Invalid,
                ErrorCode::Invalid,
                ErrorCode::Invalid
            ]
        );
        assert_eq!(missing[0].column.as_deref(), Some("B"));
    }

    #[test]
    fn dates_in_cells() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(date_of(Some(&Cell::Integer(44579))), Ok(day(2022, 1, 18)));
        assert_eq!(date_of(Some(&Cell::Decimal(44579.5))), Ok(day(2022, 1, 18)));
        assert_eq!(
            date_of(Some(&Cell::text("2022年1月18日"))),
            Ok(day(2022, 1, 18))
        );
        assert_eq!(date_of(Some(&Cell::text(" "))), Ok(None));
        assert_eq!(date_of(None), Ok(None));
        assert_eq!(date_of(Some(&Cell::text("下周"))), Err(()));
        assert_eq!(date_of(Some(&Cell::Integer(-3))), Err(()));
    }

    #[test]
    fn the_template_reads_back_as_its_own_layout() {
        let bytes = template("省人大十三届五次会议").expect("template");
        let limits = ReadLimits {
            max_rows: 10,
            max_cols: MAX_COLUMNS,
            max_unpacked_bytes: MAX_UNPACKED_BYTES,
            max_part_bytes: MAX_PART_BYTES,
        };
        let sheet = spreadsheet::read_xlsx(&bytes, Some(SHEET), limits).expect("sheet");
        assert_eq!(sheet.rows.len(), 1, "only the header");
        let found = layout(&sheet.rows[0]).expect("layout");
        assert_eq!(found.len(), SPECS.len());
        let notes = spreadsheet::read_xlsx(
            &bytes,
            Some(NOTES_SHEET),
            ReadLimits {
                max_rows: 100,
                ..limits
            },
        )
        .expect("notes");
        assert!(notes.rows[0][0].as_text().contains("省人大十三届五次会议"));
    }
}
