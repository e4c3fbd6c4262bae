//! Tables of typed columns, written as `.xlsx` or `.csv`, and `.xlsx` sheets read back.
//!
//! A caller describes a table once — its [`Column`]s, each with a Chinese header, a
//! [`ColumnType`] and a width — and writes rows of [`Cell`]s to either writer, one row at a
//! time, so no table is ever held whole in memory:
//!
//! ```ignore
//! let columns = [Column::text("承办单位", 24.0), Column::integer("交办件数"), Column::percent("按期办结率")];
//! let mut xlsx = XlsxWriter::new("按单位统计", &columns)?;
//! xlsx.row(&[Cell::text("淮南市民政局"), Cell::Integer(12), Cell::Decimal(0.917)])?;
//! let file = xlsx.finish()?; // an anonymous temp file, rewound, ready to stream
//! ```
//!
//! - **xlsx** ([`XlsxWriter`]): rust_xlsxwriter's constant-memory worksheet, which writes
//!   each finished row to a temp file (strings inline, no shared-string table in memory);
//!   bold header, frozen header row, an autofilter, the given widths, dates as real date
//!   cells (`yyyy-mm-dd`), integers, decimals and percentages as numbers with a format.
//! - **csv** ([`CsvWriter`]): UTF-8 with a byte-order mark (without it Excel reads UTF-8 as
//!   the local ANSI code page and shows mojibake for Chinese), CRLF line ends, RFC 4180
//!   quoting. Text starting with `= + - @` or a tab is prefixed with `'` so a spreadsheet
//!   never runs it as a formula (OWASP "CSV injection"); the xlsx writer stores text as
//!   text and needs no such prefix.
//! - **reading** ([`read_xlsx`]): calamine's cell reader over one sheet, stopping at a row
//!   limit; the container's declared sizes are checked first, so a small upload cannot
//!   unpack to gigabytes.

use std::io::{Read, Seek, SeekFrom, Write};

use anyhow::Context as _;
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};

/// What a column holds, which decides the cell format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnType {
    Text,
    Integer,
    /// A decimal number shown with this many places.
    Decimal(u8),
    /// A fraction (0.853) shown as a percentage with this many places (85.3%).
    Percent(u8),
    Date,
}

/// One column of a table: its header (Chinese, as offices read it), type and width in
/// characters (Excel's unit; a Chinese character is about two).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub kind: ColumnType,
    pub width: f64,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: ColumnType, width: f64) -> Self {
        Self {
            header: header.into(),
            kind,
            width,
        }
    }

    pub fn text(header: impl Into<String>, width: f64) -> Self {
        Self::new(header, ColumnType::Text, width)
    }

    pub fn integer(header: impl Into<String>) -> Self {
        Self::new(header, ColumnType::Integer, 12.0)
    }

    pub fn decimal(header: impl Into<String>, places: u8) -> Self {
        Self::new(header, ColumnType::Decimal(places), 12.0)
    }

    pub fn percent(header: impl Into<String>, places: u8) -> Self {
        Self::new(header, ColumnType::Percent(places), 12.0)
    }

    pub fn date(header: impl Into<String>) -> Self {
        Self::new(header, ColumnType::Date, 12.0)
    }
}

/// One cell's value. A percentage is a [`Cell::Decimal`] fraction in a
/// [`ColumnType::Percent`] column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Decimal(f64),
    Date(NaiveDate),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Cell::Text(value.into())
    }

    /// Text, or an empty cell for `None`.
    pub fn opt_text(value: Option<impl Into<String>>) -> Self {
        value.map_or(Cell::Empty, |v| Cell::Text(v.into()))
    }

    pub fn opt_date(value: Option<NaiveDate>) -> Self {
        value.map_or(Cell::Empty, Cell::Date)
    }

    /// The cell as text, as a person reads it (`2022-01-18`, `12`, `0.5`); empty for none.
    pub fn as_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Integer(i) => i.to_string(),
            Cell::Decimal(d) => d.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// Longest text an Excel cell holds; longer text is cut with an ellipsis.
pub const EXCEL_MAX_TEXT: usize = 32_767;

fn excel_text(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().count() <= EXCEL_MAX_TEXT {
        return value.into();
    }
    let mut cut: String = value.chars().take(EXCEL_MAX_TEXT - 1).collect();
    cut.push('…');
    cut.into()
}

/// Writes a table as CSV to `out`: BOM, header line, then one line per [`CsvWriter::row`].
pub struct CsvWriter<W: Write> {
    out: W,
    kinds: Vec<ColumnType>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W, columns: &[Column]) -> std::io::Result<Self> {
        out.write_all("\u{FEFF}".as_bytes())?;
        let headers: Vec<Cell> = columns.iter().map(|c| Cell::text(&c.header)).collect();
        let mut writer = Self {
            out,
            kinds: vec![ColumnType::Text; columns.len()],
        };
        writer.row(&headers)?;
        writer.kinds = columns.iter().map(|c| c.kind).collect();
        Ok(writer)
    }

    pub fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        let mut line = String::new();
        for (i, kind) in self.kinds.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let cell = cells.get(i).unwrap_or(&Cell::Empty);
            line.push_str(&csv_field(cell, *kind));
        }
        line.push_str("\r\n");
        self.out.write_all(line.as_bytes())
    }

    /// The underlying writer (e.g. the buffer of the rows written so far).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

fn csv_field(cell: &Cell, kind: ColumnType) -> String {
    let text = match (cell, kind) {
        (Cell::Empty, _) => return String::new(),
        (Cell::Text(t), _) => {
            if t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{t}")
            } else {
                t.clone()
            }
        }
        (Cell::Integer(i), _) => i.to_string(),
        (Cell::Decimal(d), ColumnType::Percent(places)) => {
            format!("{:.*}%", usize::from(places), d * 100.0)
        }
        (Cell::Decimal(d), ColumnType::Decimal(places)) => {
            format!("{:.*}", usize::from(places), d)
        }
        (Cell::Decimal(d), _) => d.to_string(),
        (Cell::Date(d), _) => d.format("%Y-%m-%d").to_string(),
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Writes a table as one `.xlsx` worksheet in constant memory.
pub struct XlsxWriter {
    workbook: Workbook,
    kinds: Vec<ColumnType>,
    formats: Vec<Format>,
    next_row: u32,
}

fn xlsx(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("writing an xlsx file: {e}")
}

impl XlsxWriter {
    /// A workbook with one sheet `sheet_name` and the header row written.
    pub fn new(sheet_name: &str, columns: &[Column]) -> anyhow::Result<Self> {
        let mut workbook = Workbook::new();
        let header = Format::new()
            .set_bold()
            .set_background_color(rust_xlsxwriter::Color::RGB(0x00DD_EBF7))
            .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
        let formats: Vec<Format> = columns
            .iter()
            .map(|c| match c.kind {
                ColumnType::Text => Format::new().set_text_wrap(),
                ColumnType::Integer => Format::new().set_num_format("0"),
                ColumnType::Decimal(places) => Format::new().set_num_format(number_format(places)),
                ColumnType::Percent(places) => {
                    Format::new().set_num_format(format!("{}%", number_format(places)))
                }
                ColumnType::Date => Format::new().set_num_format("yyyy-mm-dd"),
            })
            .collect();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx)?
            .set_name(sheet_name)
            .map_err(xlsx)?;
        for (i, column) in columns.iter().enumerate() {
            let col = u16::try_from(i).context("too many columns")?;
            sheet.set_column_width(col, column.width).map_err(xlsx)?;
            sheet
                .write_string_with_format(0, col, excel_text(&column.header), &header)
                .map_err(xlsx)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        Ok(Self {
            workbook,
            kinds: columns.iter().map(|c| c.kind).collect(),
            formats,
            next_row: 1,
        })
    }

    /// Rows written so far, the header not counted.
    pub fn rows(&self) -> u32 {
        self.next_row - 1
    }

    pub fn row(&mut self, cells: &[Cell]) -> anyhow::Result<()> {
        let row = self.next_row;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx)?;
        for (i, (kind, format)) in self.kinds.iter().zip(&self.formats).enumerate() {
            let col = u16::try_from(i).context("too many columns")?;
            match cells.get(i).unwrap_or(&Cell::Empty) {
                Cell::Empty => {}
                Cell::Text(t) => {
                    sheet
                        .write_string_with_format(row, col, excel_text(t), format)
                        .map_err(xlsx)?;
                }
                Cell::Integer(n) => {
                    // Excel's numbers are doubles: integers beyond 2^53 lose digits.
                    #[allow(clippy::cast_precision_loss)]
                    sheet
                        .write_number_with_format(row, col, *n as f64, format)
                        .map_err(xlsx)?;
                }
                Cell::Decimal(d) => {
                    sheet
                        .write_number_with_format(row, col, *d, format)
                        .map_err(xlsx)?;
                }
                Cell::Date(d) if *kind == ColumnType::Date => {
                    sheet
                        .write_date_with_format(row, col, d, format)
                        .map_err(xlsx)?;
                }
                Cell::Date(d) => {
                    sheet
                        .write_string_with_format(
                            row,
                            col,
                            d.format("%Y-%m-%d").to_string(),
                            format,
                        )
                        .map_err(xlsx)?;
                }
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// The workbook itself, for a caller that adds sheets (e.g. the import template's
    /// 填写说明) before [`XlsxWriter::finish`].
    pub fn workbook(&mut self) -> &mut Workbook {
        &mut self.workbook
    }

    /// Saves the workbook to an anonymous temp file (removed when closed) and returns it
    /// rewound to the start.
    pub fn finish(mut self) -> anyhow::Result<std::fs::File> {
        let columns = u16::try_from(self.kinds.len()).context("too many columns")?;
        if columns > 0 {
            let last_row = self.next_row.saturating_sub(1).max(1);
            self.workbook
                .worksheet_from_index(0)
                .map_err(xlsx)?
                .autofilter(0, 0, last_row, columns - 1)
                .map_err(xlsx)?;
        }
        let mut file = tempfile::tempfile().context("creating a temp file for an xlsx export")?;
        self.workbook.save_to_writer(&mut file).map_err(xlsx)?;
        file.seek(SeekFrom::Start(0))
            .context("rewinding an xlsx export")?;
        Ok(file)
    }

    /// The finished workbook as bytes (small workbooks: templates, tests).
    pub fn finish_to_vec(self) -> anyhow::Result<Vec<u8>> {
        let mut file = self.finish()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .context("reading back an xlsx export")?;
        Ok(bytes)
    }
}

fn number_format(places: u8) -> String {
    if places == 0 {
        "0".to_owned()
    } else {
        format!("0.{}", "0".repeat(usize::from(places)))
    }
}

/// Why a workbook could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("not an .xlsx workbook")]
    NotXlsx,
    #[error("the workbook unpacks to more than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    #[error("the sheet has more than {max_rows} rows")]
    TooManyRows { max_rows: u32 },
    #[error("the sheet has a cell beyond column {max_cols}")]
    TooManyColumns { max_cols: u32 },
    #[error("the workbook has no sheet named {0}")]
    NoSheet(String),
}

/// How much of a workbook [`read_xlsx`] reads.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Rows of the sheet, the header included; a cell below them is an error.
    pub max_rows: u32,
    /// Columns of the sheet; a cell right of them is an error, found before any row is
    /// widened (one cell in column ZZZZZZ made a reader allocate gigabytes).
    pub max_cols: u32,
    /// Most bytes the container's parts may declare unpacked, all together.
    pub max_unpacked_bytes: u64,
    /// Most bytes one part may declare unpacked (the sheet, the shared strings).
    pub max_part_bytes: u64,
}

/// One sheet read back: `rows[0]` is the first row (the header); each row as wide as its
/// last non-empty cell. Empty rows in between are kept, so `rows[i]` is spreadsheet row
/// `i + 1`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
}

/// Reads the sheet `sheet` (or the first one) of an `.xlsx` workbook.
pub fn read_xlsx(
    bytes: &[u8],
    sheet: Option<&str>,
    limits: ReadLimits,
) -> Result<Sheet, ReadError> {
    check_container(bytes, limits)?;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
            .map_err(|_| ReadError::NotXlsx)?;
    let names = calamine::Reader::sheet_names(&workbook);
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.trim() == wanted)
            .cloned()
            .ok_or_else(|| ReadError::NoSheet(wanted.to_owned()))?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ReadError::NoSheet(String::new()))?,
    };
    let mut reader = workbook
        .worksheet_cells_reader(&name)
        .map_err(|_| ReadError::NotXlsx)?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    while let Some(found) = reader.next_cell().map_err(|_| ReadError::NotXlsx)? {
        let (row, col) = found.get_position();
        let cell = cell_of(found.get_value());
        if cell.is_blank() {
            continue;
        }
        if row >= limits.max_rows {
            return Err(ReadError::TooManyRows {
                max_rows: limits.max_rows,
            });
        }
        if col >= limits.max_cols {
            return Err(ReadError::TooManyColumns {
                max_cols: limits.max_cols,
            });
        }
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut rows[row];
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = cell;
    }
    Ok(Sheet { name, rows })
}

/// Refuses a file that is not a zip container, or whose parts declare more than the limits
/// allow, each or together.
fn check_container(bytes: &[u8], limits: ReadLimits) -> Result<(), ReadError> {
    // The zip reader stops each part at the size the central directory declares, so
    // the declared sizes bound what calamine can unpack.
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ReadError::NotXlsx)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map_err(|_| ReadError::NotXlsx)?
            .size();
        if size > limits.max_part_bytes {
            return Err(ReadError::TooLarge {
                max_bytes: limits.max_part_bytes,
            });
        }
        total = total.saturating_add(size);
    }
    if total > limits.max_unpacked_bytes {
        return Err(ReadError::TooLarge {
            max_bytes: limits.max_unpacked_bytes,
        });
    }
    Ok(())
}

fn cell_of(value: &calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef;
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Int(i) => Cell::Integer(*i),
        DataRef::Float(f) => float_cell(*f),
        DataRef::Bool(b) => Cell::text(if *b { "是" } else { "否" }),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .map_or(Cell::Decimal(dt.as_f64()), Cell::Date)
        }
        DataRef::DateTime(dt) => Cell::Decimal(dt.as_f64()),
        DataRef::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or_else(|| Cell::Text(s.clone()), Cell::Date),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Text(format!("#{e}")),
    }
}

/// A whole number read as a float (Excel stores every number as one) is an integer.
fn float_cell(f: f64) -> Cell {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if f.fract() == 0.0 && f.abs() < EXACT {
        #[allow(clippy::cast_possible_truncation)]
        return Cell::Integer(f as i64);
    }
    Cell::Decimal(f)
}

/// The spreadsheet name of a column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column::text("承办单位", 24.0),
            Column::integer("交办件数"),
            Column::percent("按期办结率", 1),
            Column::decimal("平均逾期天数", 2),
            Column::date("统计日期"),
        ]
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn csv_has_a_bom_quotes_and_no_formulas() {
        let mut csv = CsvWriter::new(Vec::new(), &columns()).expect("header");
        csv.row(&[
            Cell::text("淮南市民政局, 办公室"),
            Cell::Integer(12),
            Cell::Decimal(0.9166),
            Cell::Decimal(1.5),
            Cell::Date(day(2026, 6, 30)),
        ])
        .expect("row");
        csv.row(&[Cell::text("=HYPERLINK(\"x\")"), Cell::Empty])
            .expect("row");
        let text = String::from_utf8(csv.into_inner()).expect("utf-8");
        assert_eq!(
            text,
            "\u{FEFF}承办单位,交办件数,按期办结率,平均逾期天数,统计日期\r\n\
             \"淮南市民政局, 办公室\",12,91.7%,1.50,2026-06-30\r\n\
             \"'=HYPERLINK(\"\"x\"\")\",,,,\r\n"
        );
    }

    #[test]
    fn xlsx_round_trips_through_the_reader() {
        let mut xlsx = XlsxWriter::new("按单位统计", &columns()).expect("workbook");
        let row = vec![
            Cell::text("淮南市民政局"),
            Cell::Integer(12),
            Cell::Decimal(0.25),
            Cell::Decimal(1.5),
            Cell::Date(day(2026, 6, 30)),
        ];
        xlsx.row(&row).expect("row");
        xlsx.row(&[Cell::text("幹部（繁體）"), Cell::Empty, Cell::Empty])
            .expect("row");
        let bytes = xlsx.finish_to_vec().expect("saved");
        let limits = ReadLimits {
            max_rows: 10,
            max_cols: 20,
            max_unpacked_bytes: 10 << 20,
            max_part_bytes: 10 << 20,
        };
        let sheet = read_xlsx(&bytes, Some("按单位统计"), limits).expect("read");
        let headers: Vec<String> = sheet.rows[0].iter().map(Cell::as_text).collect();
        assert_eq!(
            headers,
            [
                "承办单位",
                "交办件数",
                "按期办结率",
                "平均逾期天数",
                "统计日期"
            ]
        );
        assert_eq!(sheet.rows[1], row);
        assert_eq!(sheet.rows[2], vec![Cell::text("幹部（繁體）")]);

        let tight = ReadLimits {
            max_rows: 2,
            ..limits
        };
        assert_eq!(
            read_xlsx(&bytes, None, tight),
            Err(ReadError::TooManyRows { max_rows: 2 })
        );
        let small = ReadLimits {
            max_unpacked_bytes: 100,
            ..limits
        };
        assert!(matches!(
            read_xlsx(&bytes, None, small),
            Err(ReadError::TooLarge { .. })
        ));
        let one_part = ReadLimits {
            max_part_bytes: 100,
            ..limits
        };
        assert!(matches!(
            read_xlsx(&bytes, None, one_part),
            Err(ReadError::TooLarge { max_bytes: 100 })
        ));
        let narrow = ReadLimits {
            max_cols: 1,
            ..limits
        };
        assert_eq!(
            read_xlsx(&bytes, Some("按单位统计"), narrow),
            Err(ReadError::TooManyColumns { max_cols: 1 })
        );
        assert_eq!(
            read_xlsx(b"not a zip", None, limits),
            Err(ReadError::NotXlsx)
        );
        assert_eq!(
            read_xlsx(&bytes, Some("别的表"), limits),
            Err(ReadError::NoSheet("别的表".into()))
        );
    }

    #[test]
    fn column_letters() {
        let cases = [
            (0, "A"),
            (11, "L"),
            (25, "Z"),
            (26, "AA"),
            (701, "ZZ"),
            (702, "AAA"),
        ];
        for (index, letters) in cases {
            assert_eq!(column_letter(index), letters, "{index}");
        }
    }

    #[test]
    fn long_text_is_cut_for_excel() {
        let long = "字".repeat(EXCEL_MAX_TEXT + 10);
        let cut = excel_text(&long);
        assert_eq!(cut.chars().count(), EXCEL_MAX_TEXT);
        assert!(cut.ends_with('…'));
    }
}
