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

/// The header as written in the template: required columns end with `*`.
fn template_header(s: &Spec) -> String {
    if s.required {
        format!("{}*", s.header)
    } else {
        s.header.to_owned()
    }
}

/// A header cell as the import matches it: without `*`, spaces, full-width forms.
fn header_key(text: &str) -> String {
    crate::domain::text::fold_full_width(&tidy::tidy(text, Lines::Single))
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect()
}

/// The import template for `session_name`: the sheet to fill and its notes.
pub fn template(session_name: &str) -> anyhow::Result<Vec<u8>> {
    let columns: Vec<Column> = SPECS
        .iter()
        .map(|s| match s.field {
            Field::SubmittedOn | Field::AssignedOn | Field::RepliedOn => {
                Column::date(template_header(s))
            }
            _ => Column::text(template_header(s), s.width),
        })
        .collect();
    let mut xlsx = XlsxWriter::new(SHEET, &columns)?;
    let workbook = xlsx.workbook();
    // Numbers typed into a text column keep their leading zeros (0255 stays 0255).
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let number_col = SPECS.iter().position(|s| s.field == Field::Number);
    let xlsx_error = |e: rust_xlsxwriter::XlsxError| anyhow::anyhow!("writing the template: {e}");
    if let Some(col) = number_col.and_then(|c| u16::try_from(c).ok()) {
        workbook
            .worksheet_from_index(0)
            .map_err(xlsx_error)?
            .set_column_format(col, &text)
            .map_err(xlsx_error)?;
    }
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let notes = workbook.add_worksheet();
    notes.set_name(NOTES_SHEET).map_err(xlsx_error)?;
    notes.set_column_width(0, 8).map_err(xlsx_error)?;
    notes.set_column_width(1, 14).map_err(xlsx_error)?;
    notes.set_column_width(2, 8).map_err(xlsx_error)?;
    notes.set_column_width(3, 80).map_err(xlsx_error)?;
    notes
        .write_string_with_format(
            0,
            0,
            format!("会议：{session_name}（导入时以上传地址中的会议为准）"),
            &bold,
        )
        .map_err(xlsx_error)?;
    notes
        .write_string(
            1,
            0,
            format!(
                "在“{SHEET}”表中每行填写一件建议，不要改动表头；带 * 的列必填。整张表全部正确才会导入，有错误时一件也不导入，并逐行列出错误。"
            ),
        )
        .map_err(xlsx_error)?;
    for (col, header) in ["列", "表头", "必填", "说明"].iter().enumerate() {
        let col = u16::try_from(col).unwrap_or_default();
        notes
            .write_string_with_format(3, col, *header, &bold)
            .map_err(xlsx_error)?;
    }
    for (i, s) in SPECS.iter().enumerate() {
        let row = u32::try_from(i + 4).unwrap_or(u32::MAX);
        notes
            .write_string(row, 0, column_letter(i))
            .map_err(xlsx_error)?;
        notes
            .write_string(row, 1, template_header(s))
            .map_err(xlsx_error)?;
        notes
            .write_string(row, 2, if s.required { "是" } else { "否" })
            .map_err(xlsx_error)?;
        notes
            .write_string_with_format(row, 3, s.note, &wrap)
            .map_err(xlsx_error)?;
    }
    xlsx.finish_to_vec()
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

/// Reads the header row: each known column once, every required one present.
fn layout(header: &[Cell]) -> Result<Layout, Vec<RowError>> {
    let mut found: Layout = HashMap::new();
    let mut errors = Vec::new();
    for (col, cell) in header.iter().enumerate() {
        let key = header_key(&cell.as_text());
        let Some(s) = SPECS.iter().find(|s| s.header == key) else {
            continue;
        };
        if let Some(first) = found.get(&s.field) {
            errors.push(row_error(
                1,
                Some((s.field, col)),
                ErrorCode::Duplicate,
                format!(
                    "表头“{}”出现两次（第一次在 {} 列）(the header appears twice)",
                    s.header,
                    column_letter(*first)
                ),
            ));
        } else {
            found.insert(s.field, col);
        }
    }
    for s in SPECS.iter().filter(|s| s.required) {
        if !found.contains_key(&s.field) {
            errors.push(RowError {
                row: 1,
                column: None,
                header: Some(s.header.to_owned()),
                field: Some(s.api.to_owned()),
                code: ErrorCode::Invalid,
                message: format!(
                    "缺少必填列“{}”，请使用导入模板 (required column missing; use the template)",
                    s.header
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// The deputy table, by name, for looking names up.
struct Roster {
    exact: HashMap<String, Vec<(i64, Option<String>)>>,
    folded: HashMap<String, Vec<(i64, Option<String>)>>,
}

fn fold_key(name: &str) -> String {
    crate::domain::search::tokens(name).join("\u{1F}")
}

impl Roster {
    async fn load(db: &Db) -> ServiceResult<Self> {
        let rows: Vec<(i64, String, Option<String>)> = deputy::Entity::find()
            .select_only()
            .columns([
                deputy::Column::Id,
                deputy::Column::Name,
                deputy::Column::Delegation,
            ])
            .into_tuple()
            .all(db.conn())
            .await
            .during("loading the deputies for an import")?;
        let mut roster = Roster {
            exact: HashMap::new(),
            folded: HashMap::new(),
        };
        for (id, name, delegation) in rows {
            let name = tidy::tidy_name(&name);
            let entry = (id, delegation.map(|d| tidy::tidy(&d, Lines::Single)));
            roster
                .folded
                .entry(fold_key(&name))
                .or_default()
                .push(entry.clone());
            roster.exact.entry(name).or_default().push(entry);
        }
        Ok(roster)
    }

    /// The one deputy `written` names, or why not.
    fn resolve(&self, written: &str) -> Result<i64, (ErrorCode, String)> {
        let (name, delegation) = tidy::split_delegation(&tidy::tidy_name(written));
        let mut candidates = self.exact.get(&name).cloned().unwrap_or_default();
        if candidates.is_empty() {
            candidates = self
                .folded
                .get(&fold_key(&name))
                .cloned()
                .unwrap_or_default();
        }
        if let Some(wanted) = &delegation {
            let wanted = fold_key(wanted);
            candidates.retain(|(_, d)| d.as_deref().map(fold_key).as_ref() == Some(&wanted));
        }
        match candidates.as_slice() {
            [(id, _)] => Ok(*id),
            [] => Err((
                ErrorCode::NotFound,
                match delegation {
                    Some(d) => format!(
                        "代表名单中没有{d}的“{name}” (no deputy named {name} in delegation {d})"
                    ),
                    None => format!("代表名单中没有“{name}” (no deputy named {name})"),
                },
            )),
            many => Err((
                ErrorCode::Invalid,
                format!(
                    "代表名单中有 {} 位“{name}”，请写成“{name}（代表团）”加以区分 ({} deputies are named {name}; add the delegation in parentheses)",
                    many.len(),
                    many.len()
                ),
            )),
        }
    }
}

/// A cell as text (numbers as written, dates as `YYYY-MM-DD`).
fn text_of(row: &[Cell], col: Option<usize>) -> String {
    col.and_then(|c| row.get(c))
        .map(Cell::as_text)
        .unwrap_or_default()
}

/// Excel's serial day number (1900 system) as a date, for dates in number cells.
fn excel_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    #[allow(clippy::cast_possible_truncation)]
    let days = serial.floor() as i64;
    epoch.checked_add_signed(chrono::TimeDelta::days(days))
}

fn date_of(cell: Option<&Cell>) -> Result<Option<NaiveDate>, ()> {
    match cell {
        None | Some(Cell::Empty) => Ok(None),
        Some(Cell::Date(d)) => Ok(Some(*d)),
        #[allow(clippy::cast_precision_loss)]
        Some(Cell::Integer(n)) => excel_serial(*n as f64).map(Some).ok_or(()),
        Some(Cell::Decimal(f)) => excel_serial(*f).map(Some).ok_or(()),
        Some(Cell::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Cell::Text(t)) => tidy::parse_date(t).map(Some).ok_or(()),
    }
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

impl Units {
    async fn load(db: &Db) -> ServiceResult<Self> {
        let rows: Vec<(i64, String, String)> = handling_unit::Entity::find()
            .select_only()
            .columns([
                handling_unit::Column::Id,
                handling_unit::Column::Name,
                handling_unit::Column::Code,
            ])
            .into_tuple()
            .all(db.conn())
            .await
            .during("loading the units for an import")?;
        let mut units = HashMap::new();
        for (id, name, code) in rows {
            units.insert(unit_key(&code), id);
            units.insert(unit_key(&name), id);
        }
        Ok(Self(units))
    }

    fn resolve(&self, written: &str) -> Option<i64> {
        self.0.get(&unit_key(written)).copied()
    }
}

fn unit_key(name: &str) -> String {
    crate::domain::text::fold_full_width(&tidy::tidy(name, Lines::Single))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A date and time cell (公开时间): a real date-time, a date (that day's start), an Excel
/// serial with its fraction of a day, or text as `tidy::parse_date_time` reads it; China
/// local time.
fn date_time_of(cell: Option<&Cell>) -> Result<Option<DateTime<Utc>>, ()> {
    let local = |date: NaiveDate, time: Option<chrono::NaiveTime>| match time {
        None => crate::domain::time::start_of_day(date),
        Some(time) => crate::domain::time::local_date_time(date.and_time(time)),
    };
    match cell {
        None | Some(Cell::Empty) => Ok(None),
        Some(Cell::Date(d)) => Ok(Some(local(*d, None))),
        Some(Cell::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Cell::Text(t)) => tidy::parse_date_time(t)
            .map(|(d, time)| Some(local(d, time)))
            .ok_or(()),
        #[allow(clippy::cast_precision_loss)]
        Some(Cell::Integer(n)) => excel_serial(*n as f64)
            .map(|d| Some(local(d, None)))
            .ok_or(()),
        Some(Cell::Decimal(f)) => {
            let date = excel_serial(*f).ok_or(())?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let seconds = (f.fract() * 86_400.0).round() as u32;
            let time =
                chrono::NaiveTime::from_num_seconds_from_midnight_opt(seconds.min(86_399), 0);
            Ok(Some(local(date, time)))
        }
    }
}

fn parse_row(
    row_number: u32,
    row: &[Cell],
    layout: &Layout,
    rosters: (&Roster, &Units),
    session_id: i64,
) -> Parsed {
    let (roster, units) = rosters;
    let mut errors = Vec::new();
    let at = |f: Field| layout.get(&f).map(|c| (f, *c));
    let raw = |f: Field| text_of(row, layout.get(&f).copied());
    let mut error = |f: Field, code: ErrorCode, message: String| {
        errors.push(row_error(row_number, at(f), code, message));
    };
    for s in &SPECS {
        if tidy::is_damaged(&raw(s.field)) {
            error(
                s.field,
                ErrorCode::Invalid,
                "含有乱码字符（U+FFFD），原文在复制时已损坏，请核对后重新填写 (damaged text: U+FFFD replacement characters)"
                    .to_owned(),
            );
        }
    }
    let kind = match tidy::tidy(&raw(Field::Kind), Lines::Single).as_str() {
        "" | "建议" | "代表建议" | "人大代表建议" => SuggestionKind::NpcSuggestion,
        "提案" | "政协提案" => SuggestionKind::CppccProposal,
        other => {
            error(
                Field::Kind,
                ErrorCode::Invalid,
                format!("类型应为“建议”或“提案”，而不是“{other}” (kind must be 建议 or 提案)"),
            );
            SuggestionKind::NpcSuggestion
        }
    };
    let period = match tidy::tidy(&raw(Field::Period), Lines::Single).as_str() {
        "" | "大会期间" | "会议期间" => FilingPeriod::DuringSession,
        "闭会期间" => FilingPeriod::InterSession,
        other => {
            error(
                Field::Period,
                ErrorCode::Invalid,
                format!("提出时间应为“大会期间”或“闭会期间”，而不是“{other}” (period must be 大会期间 or 闭会期间)"),
            );
            FilingPeriod::DuringSession
        }
    };
    let mut flag = |f: Field| match tidy::parse_flag(&raw(f)) {
        Ok(v) => v.unwrap_or(false),
        Err(()) => {
            error(
                f,
                ErrorCode::Invalid,
                format!(
                    "应填“是”或“否”，而不是“{}” (must be 是 or 否)",
                    raw(f).trim()
                ),
            );
            false
        }
    };
    let is_key = flag(Field::IsKey);
    let confidential = flag(Field::Confidential);
    let submitted_on = match date_of(layout.get(&Field::SubmittedOn).and_then(|c| row.get(*c))) {
        Ok(d) => d,
        Err(()) => {
            error(
                Field::SubmittedOn,
                ErrorCode::Invalid,
                format!(
                    "不是有效日期“{}”，请写成 2022-01-18 (not a date; write 2022-01-18)",
                    raw(Field::SubmittedOn).trim()
                ),
            );
            None
        }
    };
    let lead_name = tidy::tidy_name(&raw(Field::LeadDeputy));
    let mut lead_resolved = false;
    let lead_deputy_id = if lead_name.is_empty() {
        error(
            Field::LeadDeputy,
            ErrorCode::Invalid,
            "领衔代表不能为空 (leadDeputy must not be empty)".to_owned(),
        );
        0
    } else {
        match roster.resolve(&lead_name) {
            Ok(id) => {
                lead_resolved = true;
                id
            }
            Err((code, message)) => {
                error(Field::LeadDeputy, code, message);
                0
            }
        }
    };
    let mut co_signer_ids = Vec::new();
    let mut co_signer_names = Vec::new();
    for name in tidy::split_names(&raw(Field::CoSigners)) {
        match roster.resolve(&name) {
            Ok(id) => {
                co_signer_ids.push(id);
                co_signer_names.push(name);
            }
            Err((code, message)) => error(Field::CoSigners, code, message),
        }
    }
    let topic = tidy::tidy(&raw(Field::Topic), Lines::Single);
    let leader = tidy::tidy(&raw(Field::SupervisingLeader), Lines::Single);
    let archive = parse_archive(row, layout, units, &mut error);
    Parsed {
        input: NewSuggestion {
            session_id,
            kind,
            number: tidy::tidy_number(&raw(Field::Number)),
            title: tidy::tidy(&raw(Field::Title), Lines::Single),
            content: tidy::tidy(&raw(Field::Content), Lines::Multi),
            period,
            lead_deputy_id,
            co_signer_ids,
            topic: (!topic.is_empty()).then_some(topic),
            is_key,
            supervising_leader: (!leader.is_empty()).then_some(leader),
            confidential,
            submitted_on,
        },
        co_signer_names,
        lead_resolved,
        archive,
        errors,
    }
}

/// The archive columns of a row: the lead unit, the reply and the publication. A reply
/// needs the unit, and its five required columns; a publication needs the reply.
fn parse_archive(
    row: &[Cell],
    layout: &Layout,
    units: &Units,
    error: &mut impl FnMut(Field, ErrorCode, String),
) -> Archive {
    let raw = |f: Field| text_of(row, layout.get(&f).copied());
    let cell = |f: Field| layout.get(&f).and_then(|c| row.get(*c));
    let filled = |f: Field| cell(f).is_some_and(|c| !c.is_blank());
    let mut archive = Archive::default();
    let unit_name = tidy::tidy(&raw(Field::LeadUnit), Lines::Single);
    if !unit_name.is_empty() {
        match units.resolve(&unit_name) {
            Some(id) => archive.unit_id = Some(id),
            None => error(
                Field::LeadUnit,
                ErrorCode::NotFound,
                format!("承办单位名单中没有“{unit_name}” (no handling unit named {unit_name})"),
            ),
        }
    }
    let mut date = |f: Field| match date_of(cell(f)) {
        Ok(d) => d,
        Err(()) => {
            error(
                f,
                ErrorCode::Invalid,
                format!(
                    "不是有效日期“{}”，请写成 2022-01-18 (not a date; write 2022-01-18)",
                    raw(f).trim()
                ),
            );
            None
        }
    };
    archive.assigned_on = date(Field::AssignedOn);
    let replied_on = date(Field::RepliedOn);
    if archive.assigned_on.is_some() && unit_name.is_empty() {
        error(
            Field::LeadUnit,
            ErrorCode::Invalid,
            "填写了交办日期，须同时填写主办单位 (assignedOn needs the lead unit)".to_owned(),
        );
    }
    if REPLY_FIELDS.iter().any(|f| filled(*f)) {
        if unit_name.is_empty() {
            error(
                Field::LeadUnit,
                ErrorCode::Invalid,
                "导入答复须填写主办单位 (a reply needs the lead unit)".to_owned(),
            );
        }
        for f in [
            Field::Category,
            Field::ReplyBody,
            Field::SignedBy,
            Field::ContactName,
            Field::ContactPhone,
        ] {
            if !filled(f) {
                error(
                    f,
                    ErrorCode::Invalid,
                    format!(
                        "导入答复时“{}”不能为空 ({} is required with a reply)",
                        spec(f).header,
                        spec(f).api
                    ),
                );
            }
        }
        let written = tidy::tidy(&raw(Field::Category), Lines::Single).to_uppercase();
        let category = match written.trim_end_matches('类') {
            "A" => Some(ReplyCategory::A),
            "B" => Some(ReplyCategory::B),
            "C" => Some(ReplyCategory::C),
            "D" => Some(ReplyCategory::D),
            "" => None,
            _ => {
                error(
                    Field::Category,
                    ErrorCode::Invalid,
                    format!("答复类别应为 A、B、C 或 D，而不是“{written}” (category must be A, B, C or D)"),
                );
                None
            }
        };
        let doc_number = tidy::tidy(&raw(Field::DocNumber), Lines::Single);
        archive.reply = category.map(|category| ArchivedReply {
            replied_on,
            category,
            doc_number: (!doc_number.is_empty()).then_some(doc_number),
            body: tidy::tidy(&raw(Field::ReplyBody), Lines::Multi),
            signed_by: tidy::tidy(&raw(Field::SignedBy), Lines::Single),
            contact_name: tidy::tidy(&raw(Field::ContactName), Lines::Single),
            contact_phone: tidy::tidy(&raw(Field::ContactPhone), Lines::Single),
        });
    }
    match date_time_of(cell(Field::PublishedAt)) {
        Ok(at) => archive.published_at = at,
        Err(()) => error(
            Field::PublishedAt,
            ErrorCode::Invalid,
            format!(
                "不是有效时间“{}”，请写成 2022-09-19 14:52 (not a date and time)",
                raw(Field::PublishedAt).trim()
            ),
        ),
    }
    if archive.published_at.is_some() && !REPLY_FIELDS.iter().any(|f| filled(*f)) {
        error(
            Field::PublishedAt,
            ErrorCode::Invalid,
            "填写了公开时间，须同时填写答复 (publishedAt needs the reply)".to_owned(),
        );
    }
    archive
}

/// Maps `registerSuggestion`'s errors (`input.number`, `input.coSignerIds.2`) to the
/// row's columns.
fn register_errors(
    row_number: u32,
    errors: Vec<UserError>,
    parsed: &Parsed,
    layout: &Layout,
) -> Vec<RowError> {
    errors
        .into_iter()
        .filter_map(|e| {
            let path: Vec<&str> = e.field.iter().map(String::as_str).collect();
            let (field, message) = match path.as_slice() {
                ["input", "number"] => (Some(Field::Number), e.message),
                ["input", "title"] => (Some(Field::Title), e.message),
                ["input", "content"] => (Some(Field::Content), e.message),
                ["input", "topic"] => (Some(Field::Topic), e.message),
                ["input", "supervisingLeader"] => (Some(Field::SupervisingLeader), e.message),
                ["input", "submittedOn"] => (Some(Field::SubmittedOn), e.message),
                ["input", "assignedOn"] => (Some(Field::AssignedOn), e.message),
                ["input", "units", ..] | ["input", "unitId"] => (Some(Field::LeadUnit), e.message),
                ["input", "repliedOn"] => (Some(Field::RepliedOn), e.message),
                ["input", "category"] => (Some(Field::Category), e.message),
                ["input", "docNumber"] => (Some(Field::DocNumber), e.message),
                ["input", "body"] => (Some(Field::ReplyBody), e.message),
                ["input", "signedBy"] => (Some(Field::SignedBy), e.message),
                ["input", "contactName"] => (Some(Field::ContactName), e.message),
                ["input", "contactPhone"] => (Some(Field::ContactPhone), e.message),
                ["input", "publishedAt"] => (Some(Field::PublishedAt), e.message),
                // Already reported when the name was looked up.
                ["input", "leadDeputyId"] if !parsed.lead_resolved => return None,
                ["input", "leadDeputyId"] => (Some(Field::LeadDeputy), e.message),
                ["input", "coSignerIds", index] => {
                    let name = index
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| parsed.co_signer_names.get(i));
                    let message = match name {
                        Some(name) => format!("“{name}”：{}", e.message),
                        None => e.message,
                    };
                    (Some(Field::CoSigners), message)
                }
                ["input", "coSignerIds"] => (Some(Field::CoSigners), e.message),
                _ => (None, e.message),
            };
            let at = field.and_then(|f| layout.get(&f).map(|c| (f, *c)));
            Some(row_error(row_number, at, e.code, message))
        })
        .collect()
}

/// Imports the sheet in `bytes` into session `session_id`. `Ok` with a report whose
/// `errors` are empty means every row was registered; with errors, nothing was.
/// `Err(User)` is a problem with the request itself (no such session, not a workbook,
/// too many rows).
pub async fn import(
    db: &Db,
    session_id: i64,
    bytes: &[u8],
    limits: ImportLimits,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<ImportReport> {
    if session::Entity::find_by_id(session_id)
        .one(db.conn())
        .await
        .during("loading the session of an import")?
        .is_none()
    {
        return Err(UserError::missing(&["sessionId"], "会议", "session").into());
    }
    let read_limits = ReadLimits {
        max_rows: limits.max_rows.saturating_add(1),
        max_cols: MAX_COLUMNS,
        max_unpacked_bytes: MAX_UNPACKED_BYTES,
        max_part_bytes: MAX_PART_BYTES,
    };
    // Unpacking and parsing XML is CPU work of up to seconds: on a blocking thread, with
    // the memory it may take bounded by the limits (parts' sizes, rows × columns).
    let owned = bytes.to_vec();
    let sheet = tokio::task::spawn_blocking(move || {
        match spreadsheet::read_xlsx(&owned, Some(SHEET), read_limits) {
            Err(spreadsheet::ReadError::NoSheet(_)) => {
                spreadsheet::read_xlsx(&owned, None, read_limits)
            }
            other => other,
        }
    })
    .await
    .map_err(|e| anyhow::anyhow!("reading an uploaded workbook panicked or was cancelled: {e}"))?
    .map_err(|e| read_error(&e, limits))?;
    let Some((header, rows)) = sheet.rows.split_first() else {
        return Err(UserError::invalid(
            &["file"],
            "表格是空的，请使用导入模板填写 (the sheet is empty; fill in the template)",
        )
        .into());
    };
    let layout = match layout(header) {
        Ok(layout) => layout,
        Err(errors) => {
            return Ok(ImportReport {
                imported: 0,
                errors,
            })
        }
    };
    let roster = Roster::load(db).await?;
    let units = Units::load(db).await?;
    let mut dated = Backdated::default();
    let mut errors: Vec<RowError> = Vec::new();
    let mut first_row_of: HashMap<String, u32> = HashMap::new();
    let mut imported = 0;
    let txn = db.begin_write().await.during("beginning an import")?;
    for (i, row) in rows.iter().enumerate() {
        if row.iter().all(Cell::is_blank) {
            continue;
        }
        // Row 1 is the header; rows[0] is row 2.
        let row_number = u32::try_from(i + 2).unwrap_or(u32::MAX);
        let parsed = parse_row(row_number, row, &layout, (&roster, &units), session_id);
        let mut row_errors = parsed.errors.clone();
        let number = parsed.input.number.clone();
        let repeated = !number.is_empty()
            && match first_row_of.get(&number) {
                Some(first) => {
                    row_errors.push(row_error(
                        row_number,
                        layout.get(&Field::Number).map(|c| (Field::Number, *c)),
                        ErrorCode::Duplicate,
                        format!("编号 {number} 与第 {first} 行重复 (number repeats row {first})"),
                    ));
                    true
                }
                None => {
                    first_row_of.insert(number, row_number);
                    false
                }
            };
        let registered = match register_in(&*txn, parsed.input.clone(), now, today).await {
            Ok(saved) if row_errors.is_empty() => {
                archive_in(&*txn, &saved, &parsed.archive, now, today).await
            }
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        match registered {
            Ok(()) => {
                imported += 1;
                dated.count(&parsed, today, now);
            }
            Err(ServiceError::User(found)) => {
                let mut mapped = register_errors(row_number, found, &parsed, &layout);
                if repeated {
                    // The earlier row of the file holds the number: already said so.
                    mapped.retain(|e| {
                        !(e.code == ErrorCode::Duplicate
                            && e.field.as_deref() == Some(spec(Field::Number).api))
                    });
                }
                row_errors.extend(mapped);
            }
            Err(unexpected) => return Err(unexpected),
        }
        errors.extend(row_errors);
    }
    if imported == 0 && errors.is_empty() {
        return Err(
            UserError::invalid(&["file"], "表格中没有要导入的建议 (no rows to import)").into(),
        );
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls back every row registered so far.
        drop(txn);
        return Ok(ImportReport {
            imported: 0,
            errors,
        });
    }
    txn.audit_created("Session", session_id);
    dated.note(&txn);
    txn.commit().await.during("committing an import")?;
    Ok(ImportReport { imported, errors })
}

/// Takes a registered suggestion through what the archive row says happened, inside the
/// import's transaction and through the very services (and checks) of `assignSuggestion`,
/// `signFor`, `submitReply` and `publishReply`: assigned to the lead unit, signed for on
/// the day it was assigned, answered, published.
async fn archive_in<C: sea_orm::ConnectionTrait>(
    conn: &C,
    registered: &entity::suggestion::Model,
    archive: &Archive,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<()> {
    let Some(unit_id) = archive.unit_id else {
        return Ok(());
    };
    let (_, made) = Box::pin(assign_in(
        conn,
        AssignInput {
            suggestion_id: registered.id,
            expected_version: None,
            assigned_on: archive.assigned_on,
            units: vec![UnitAssignment {
                unit_id,
                role: AssignmentRole::Lead,
                due_on: None,
            }],
        },
        now,
        today,
    ))
    .await?;
    let Some(reply) = &archive.reply else {
        return Ok(());
    };
    let Some(assignment) = made.first() else {
        return Err(anyhow::anyhow!("an import's assignment made no row").into());
    };
    let signed = sign_for_in(
        conn,
        assignment.id,
        None,
        crate::domain::time::start_of_day(assignment.assigned_on).min(now),
        now,
    )
    .await?;
    let (saved, _) = Box::pin(submit_in(
        conn,
        NewReply {
            assignment_id: signed.id,
            expected_version: None,
            doc_number: reply.doc_number.clone(),
            addressee: None,
            category: reply.category,
            body: reply.body.clone(),
            summary: None,
            signed_by: reply.signed_by.clone(),
            replied_on: reply.replied_on,
            contact_name: reply.contact_name.clone(),
            contact_phone: reply.contact_phone.clone(),
            copy_to: None,
            archived: true,
        },
        now,
        today,
    ))
    .await?;
    if let Some(at) = archive.published_at {
        publish_in(
            conn,
            PublishInput {
                reply_id: saved.id,
                expected_version: None,
                publication: Publication::Full,
                summary: None,
                redact: Vec::new(),
                with_suggestion_text: false,
                published_at: Some(at),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// The past dates an import recorded, per column: how many rows gave one and the earliest;
/// the import's audit row says so (`details.backdated`).
#[derive(Debug, Default)]
struct Backdated(std::collections::BTreeMap<&'static str, (usize, String)>);

impl Backdated {
    fn add(&mut self, field: &'static str, value: String) {
        let entry = self.0.entry(field).or_insert((0, value.clone()));
        entry.0 += 1;
        if value < entry.1 {
            entry.1 = value;
        }
    }

    fn count(&mut self, parsed: &Parsed, today: NaiveDate, now: DateTime<Utc>) {
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        if let Some(on) = parsed.input.submitted_on.filter(|d| *d < today) {
            self.add("submittedOn", day(on));
        }
        if let Some(on) = parsed.archive.assigned_on.filter(|d| *d < today) {
            self.add("assignedOn", day(on));
        }
        if let Some(on) = parsed
            .archive
            .reply
            .as_ref()
            .and_then(|r| r.replied_on)
            .filter(|d| *d < today)
        {
            self.add("repliedOn", day(on));
        }
        if let Some(at) = parsed.archive.published_at.filter(|at| *at < now) {
            self.add("publishedAt", crate::domain::time::rfc3339_local(at));
        }
    }

    fn note(&self, txn: &crate::db::WriteTxn) {
        for (field, (rows, earliest)) in &self.0 {
            txn.audit_backdated(
                field,
                serde_json::json!({"rows": rows, "earliest": earliest}),
            );
        }
    }
}

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
