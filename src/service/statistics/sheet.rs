//! A statistics table as a spreadsheet: Chinese headers, rates as fractions shown in
//! percent, the groups first, then a 合计 row.

use std::collections::HashMap;

use super::*;
use crate::domain::statistics::Rate;
use crate::service::spreadsheet::{Cell, Column};

/// A statistics table as spreadsheet columns and rows (Chinese headers; rates as
/// fractions shown in percent), the groups first, then a 合计 row. Tables have at most a
/// few thousand rows, so the sheet is built in memory.
pub async fn sheet(
    db: &Db,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    as_of: AsOf,
    limit: u64,
) -> ServiceResult<(Vec<Column>, Vec<Vec<Cell>>)> {
    // Without groups the one row is the total itself: one query, not two.
    let rows = if group_by.is_empty() {
        Vec::new()
    } else {
        table(db, filter, group_by, as_of, limit).await?
    };
    let total = total(db, filter, as_of).await?;
    let names = group_names(db, &rows).await?;
    let columns = columns(group_by);
    let mut out = Vec::with_capacity(rows.len() + 1);
    for row in &rows {
        let mut cells = Vec::with_capacity(columns.len());
        cells.extend(group_cells(&row.group, group_by, &names));
        cells.extend(figure_cells(&row.counts));
        out.push(cells);
    }
    let mut last = vec![Cell::text("合计")];
    last.extend((1..group_by.len()).map(|_| Cell::Empty));
    last.extend(figure_cells(&total));
    out.push(last);
    Ok((columns, out))
}

/// The group columns (or 范围 for the total alone), then the figures'.
fn columns(group_by: &[GroupBy]) -> Vec<Column> {
    let mut columns = Vec::new();
    for g in group_by {
        columns.push(match g {
            GroupBy::Session => Column::text("会议", 26.0),
            GroupBy::Unit => Column::text("承办单位", 24.0),
            GroupBy::Topic => Column::text("主题分类", 12.0),
            GroupBy::Category => Column::text("答复类别", 10.0),
            GroupBy::Month => Column::text("交办月份", 10.0),
        });
    }
    if group_by.is_empty() {
        columns.push(Column::text("范围", 10.0));
    }
    for (header, rate) in [
        ("建议件数", false),
        ("交办件数", false),
        ("已办复", false),
        ("办复率", true),
        ("按期办结", false),
        ("按期办结率", true),
        ("逾期未办", false),
        ("超期件数", false),
        ("平均超期天数", false),
        ("最长超期天数", false),
        ("A类", false),
        ("B类", false),
        ("C类", false),
        ("D类", false),
        ("A类占比", true),
        ("B类占比", true),
        ("C类占比", true),
        ("D类占比", true),
        ("解决率", true),
        ("已测评", false),
        ("初次满意率", true),
        ("最终满意率", true),
        ("面商件数", false),
        ("见面率", true),
        ("公众意见", false),
        ("已处理意见", false),
        ("未处理意见", false),
        ("被催办件数", false),
        ("催办次数", false),
    ] {
        columns.push(match (rate, header) {
            (true, _) => Column::percent(header, 1),
            (false, "平均超期天数") => Column::decimal(header, 1),
            _ => Column::integer(header),
        });
    }
    columns
}

/// The cells naming a row's group.
fn group_cells(
    group: &Group,
    group_by: &[GroupBy],
    (session_names, unit_names): &(HashMap<i64, String>, HashMap<i64, String>),
) -> Vec<Cell> {
    group_by
        .iter()
        .map(|g| match g {
            GroupBy::Session => Cell::opt_text(
                group
                    .session_id
                    .and_then(|id| session_names.get(&id).cloned()),
            ),
            GroupBy::Unit => {
                Cell::opt_text(group.unit_id.and_then(|id| unit_names.get(&id).cloned()))
            }
            GroupBy::Topic => Cell::text(group.topic.clone().unwrap_or("（未分类）".into())),
            GroupBy::Category => Cell::text(
                group
                    .category
                    .map_or("（未答复）".to_owned(), |c| format!("{c:?}类")),
            ),
            GroupBy::Month => Cell::opt_text(group.month.clone()),
        })
        .collect()
}

/// The figures of one row, in the order of the columns.
fn figure_cells(c: &Counts) -> Vec<Cell> {
    let rate = |r: Rate| r.ratio().map_or(Cell::Empty, Cell::Decimal);
    let mut cells = vec![
        Cell::Integer(c.suggestions),
        Cell::Integer(c.assignments),
        Cell::Integer(c.answered),
        rate(c.reply_rate()),
        Cell::Integer(c.answered_on_time),
        rate(c.on_time_rate()),
        Cell::Integer(c.overdue),
        Cell::Integer(c.late),
        c.average_days_late().map_or(Cell::Empty, Cell::Decimal),
        c.max_days_late.map_or(Cell::Empty, Cell::Integer),
    ];
    let categories = crate::domain::statistics::CATEGORIES;
    cells.extend(
        categories
            .iter()
            .map(|k| Cell::Integer(c.category_count(*k))),
    );
    cells.extend(categories.iter().map(|k| rate(c.category_share(*k))));
    cells.extend([
        rate(c.solved_rate()),
        Cell::Integer(c.rated),
        rate(c.satisfaction_first()),
        rate(c.satisfaction_final()),
        Cell::Integer(c.met_face_to_face),
        rate(c.meeting_rate()),
        Cell::Integer(c.feedback_received()),
        Cell::Integer(c.feedback_handled),
        Cell::Integer(c.feedback_open),
        Cell::Integer(c.urged),
        Cell::Integer(c.urges),
    ]);
    cells
}
