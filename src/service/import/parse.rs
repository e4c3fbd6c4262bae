//! Reading one row of the sheet: the header's layout, the deputies' roster and the units by name, tidied text and dates, and the archive columns of a suggestion already handled.

use super::*;

/// Reads the header row: each known column once, every required one present.
pub(super) fn layout(header: &[Cell]) -> Result<Layout, Vec<RowError>> {
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

pub(super) fn fold_key(name: &str) -> String {
    crate::domain::search::tokens(name).join("\u{1F}")
}

impl Roster {
    pub(super) async fn load(db: &Db) -> ServiceResult<Self> {
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
    pub(super) fn resolve(&self, written: &str) -> Result<i64, (ErrorCode, String)> {
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
pub(super) fn text_of(row: &[Cell], col: Option<usize>) -> String {
    col.and_then(|c| row.get(c))
        .map(Cell::as_text)
        .unwrap_or_default()
}

/// Excel's serial day number (1900 system) as a date, for dates in number cells.
pub(super) fn excel_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    #[allow(clippy::cast_possible_truncation)]
    let days = serial.floor() as i64;
    epoch.checked_add_signed(chrono::TimeDelta::days(days))
}

pub(super) fn date_of(cell: Option<&Cell>) -> Result<Option<NaiveDate>, ()> {
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

impl Units {
    pub(super) async fn load(db: &Db) -> ServiceResult<Self> {
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

    pub(super) fn resolve(&self, written: &str) -> Option<i64> {
        self.0.get(&unit_key(written)).copied()
    }
}

pub(super) fn unit_key(name: &str) -> String {
    crate::domain::text::fold_full_width(&tidy::tidy(name, Lines::Single))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A date and time cell (公开时间): a real date-time, a date (that day's start), an Excel
/// serial with its fraction of a day, or text as `tidy::parse_date_time` reads it; China
/// local time.
pub(super) fn date_time_of(cell: Option<&Cell>) -> Result<Option<DateTime<Utc>>, ()> {
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

/// One row's cells by field.
#[derive(Clone, Copy)]
pub(super) struct RowCells<'a> {
    row: &'a [Cell],
    layout: &'a Layout,
}

impl<'a> RowCells<'a> {
    pub(super) fn new(row: &'a [Cell], layout: &'a Layout) -> Self {
        Self { row, layout }
    }

    /// The field's text as written ("" when the column or cell is missing).
    fn raw(self, f: Field) -> String {
        text_of(self.row, self.layout.get(&f).copied())
    }

    fn cell(self, f: Field) -> Option<&'a Cell> {
        self.layout.get(&f).and_then(|c| self.row.get(*c))
    }

    fn filled(self, f: Field) -> bool {
        self.cell(f).is_some_and(|c| !c.is_blank())
    }

    /// The field's date, `None` when blank or not a date (reported).
    fn date(self, f: Field, error: &mut impl FnMut(Field, ErrorCode, String)) -> Option<NaiveDate> {
        match date_of(self.cell(f)) {
            Ok(d) => d,
            Err(()) => {
                error(
                    f,
                    ErrorCode::Invalid,
                    format!(
                        "不是有效日期“{}”，请写成 2022-01-18 (not a date; write 2022-01-18)",
                        self.raw(f).trim()
                    ),
                );
                None
            }
        }
    }

    /// A 是/否 field, false when blank or unreadable (reported).
    fn flag(self, f: Field, error: &mut impl FnMut(Field, ErrorCode, String)) -> bool {
        match tidy::parse_flag(&self.raw(f)) {
            Ok(v) => v.unwrap_or(false),
            Err(()) => {
                error(
                    f,
                    ErrorCode::Invalid,
                    format!(
                        "应填“是”或“否”，而不是“{}” (must be 是 or 否)",
                        self.raw(f).trim()
                    ),
                );
                false
            }
        }
    }
}

pub(super) fn parse_row(
    row_number: u32,
    row: &[Cell],
    layout: &Layout,
    rosters: (&Roster, &Units),
    session_id: i64,
) -> Parsed {
    let (roster, units) = rosters;
    let cells = RowCells::new(row, layout);
    let mut errors = Vec::new();
    let at = |f: Field| layout.get(&f).map(|c| (f, *c));
    let mut error = |f: Field, code: ErrorCode, message: String| {
        errors.push(row_error(row_number, at(f), code, message));
    };
    for s in &SPECS {
        if tidy::is_damaged(&cells.raw(s.field)) {
            error(
                s.field,
                ErrorCode::Invalid,
                "含有乱码字符（U+FFFD），原文在复制时已损坏，请核对后重新填写 (damaged text: U+FFFD replacement characters)"
                    .to_owned(),
            );
        }
    }
    let (kind, period) = kind_and_period(cells, &mut error);
    let is_key = cells.flag(Field::IsKey, &mut error);
    let confidential = cells.flag(Field::Confidential, &mut error);
    let submitted_on = cells.date(Field::SubmittedOn, &mut error);
    let (lead_deputy_id, lead_resolved) = lead_deputy(cells, roster, &mut error);
    let mut co_signer_ids = Vec::new();
    let mut co_signer_names = Vec::new();
    for name in tidy::split_names(&cells.raw(Field::CoSigners)) {
        match roster.resolve(&name) {
            Ok(id) => {
                co_signer_ids.push(id);
                co_signer_names.push(name);
            }
            Err((code, message)) => error(Field::CoSigners, code, message),
        }
    }
    let topic = tidy::tidy(&cells.raw(Field::Topic), Lines::Single);
    let leader = tidy::tidy(&cells.raw(Field::SupervisingLeader), Lines::Single);
    let archive = parse_archive(cells, units, &mut error);
    Parsed {
        input: NewSuggestion {
            session_id,
            kind,
            number: tidy::tidy_number(&cells.raw(Field::Number)),
            title: tidy::tidy(&cells.raw(Field::Title), Lines::Single),
            content: tidy::tidy(&cells.raw(Field::Content), Lines::Multi),
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

/// 建议 or 提案, and 大会期间 or 闭会期间 (blank: the first).
fn kind_and_period(
    cells: RowCells<'_>,
    error: &mut impl FnMut(Field, ErrorCode, String),
) -> (SuggestionKind, FilingPeriod) {
    let kind = match tidy::tidy(&cells.raw(Field::Kind), Lines::Single).as_str() {
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
    let period = match tidy::tidy(&cells.raw(Field::Period), Lines::Single).as_str() {
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
    (kind, period)
}

/// The lead deputy's id from the roster (0 when blank or not found, reported), and
/// whether it was found.
fn lead_deputy(
    cells: RowCells<'_>,
    roster: &Roster,
    error: &mut impl FnMut(Field, ErrorCode, String),
) -> (i64, bool) {
    let lead_name = tidy::tidy_name(&cells.raw(Field::LeadDeputy));
    if lead_name.is_empty() {
        error(
            Field::LeadDeputy,
            ErrorCode::Invalid,
            "领衔代表不能为空 (leadDeputy must not be empty)".to_owned(),
        );
        return (0, false);
    }
    match roster.resolve(&lead_name) {
        Ok(id) => (id, true),
        Err((code, message)) => {
            error(Field::LeadDeputy, code, message);
            (0, false)
        }
    }
}

/// The archive columns of a row: the lead unit, the reply and the publication. A reply
/// needs the unit, and its five required columns; a publication needs the reply.
pub(super) fn parse_archive(
    cells: RowCells<'_>,
    units: &Units,
    error: &mut impl FnMut(Field, ErrorCode, String),
) -> Archive {
    let mut archive = Archive::default();
    let unit_name = tidy::tidy(&cells.raw(Field::LeadUnit), Lines::Single);
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
    archive.assigned_on = cells.date(Field::AssignedOn, error);
    let replied_on = cells.date(Field::RepliedOn, error);
    if archive.assigned_on.is_some() && unit_name.is_empty() {
        error(
            Field::LeadUnit,
            ErrorCode::Invalid,
            "填写了交办日期，须同时填写主办单位 (assignedOn needs the lead unit)".to_owned(),
        );
    }
    let has_reply = REPLY_FIELDS.iter().any(|f| cells.filled(*f));
    if has_reply {
        if unit_name.is_empty() {
            error(
                Field::LeadUnit,
                ErrorCode::Invalid,
                "导入答复须填写主办单位 (a reply needs the lead unit)".to_owned(),
            );
        }
        archive.reply = archived_reply(cells, replied_on, error);
    }
    match date_time_of(cells.cell(Field::PublishedAt)) {
        Ok(at) => archive.published_at = at,
        Err(()) => error(
            Field::PublishedAt,
            ErrorCode::Invalid,
            format!(
                "不是有效时间“{}”，请写成 2022-09-19 14:52 (not a date and time)",
                cells.raw(Field::PublishedAt).trim()
            ),
        ),
    }
    if archive.published_at.is_some() && !has_reply {
        error(
            Field::PublishedAt,
            ErrorCode::Invalid,
            "填写了公开时间，须同时填写答复 (publishedAt needs the reply)".to_owned(),
        );
    }
    archive
}

/// The reply of an archive row: its five required columns filled, a category A–D.
fn archived_reply(
    cells: RowCells<'_>,
    replied_on: Option<NaiveDate>,
    error: &mut impl FnMut(Field, ErrorCode, String),
) -> Option<ArchivedReply> {
    for f in [
        Field::Category,
        Field::ReplyBody,
        Field::SignedBy,
        Field::ContactName,
        Field::ContactPhone,
    ] {
        if !cells.filled(f) {
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
    let written = tidy::tidy(&cells.raw(Field::Category), Lines::Single).to_uppercase();
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
                format!(
                    "答复类别应为 A、B、C 或 D，而不是“{written}” (category must be A, B, C or D)"
                ),
            );
            None
        }
    };
    let doc_number = tidy::tidy(&cells.raw(Field::DocNumber), Lines::Single);
    category.map(|category| ArchivedReply {
        replied_on,
        category,
        doc_number: (!doc_number.is_empty()).then_some(doc_number),
        body: tidy::tidy(&cells.raw(Field::ReplyBody), Lines::Multi),
        signed_by: tidy::tidy(&cells.raw(Field::SignedBy), Lines::Single),
        contact_name: tidy::tidy(&cells.raw(Field::ContactName), Lines::Single),
        contact_phone: tidy::tidy(&cells.raw(Field::ContactPhone), Lines::Single),
    })
}

/// Maps `registerSuggestion`'s errors (`input.number`, `input.coSignerIds.2`) to the
/// row's columns.
pub(super) fn register_errors(
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
