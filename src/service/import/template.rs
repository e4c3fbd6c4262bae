//! The import template: the sheet to fill (with the session's name) and the sheet that explains each column.

use super::*;

/// The header as written in the template: required columns end with `*`.
pub(super) fn template_header(s: &Spec) -> String {
    if s.required {
        format!("{}*", s.header)
    } else {
        s.header.to_owned()
    }
}

/// A header cell as the import matches it: without `*`, spaces, full-width forms.
pub(super) fn header_key(text: &str) -> String {
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
