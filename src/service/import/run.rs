//! Importing a sheet: read on a blocking thread, every row parsed and registered in one
//! transaction, all rows' errors reported together and nothing kept when there is one.

use super::*;

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
    let sheet = read_sheet(bytes, limits).await?;
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
    let mut rows_in = RowImporter {
        layout: &layout,
        roster: Roster::load(db).await?,
        units: Units::load(db).await?,
        session_id,
        now,
        today,
        dated: Backdated::default(),
        first_row_of: HashMap::new(),
    };
    let mut errors: Vec<RowError> = Vec::new();
    let mut imported = 0;
    let txn = db.begin_write().await.during("beginning an import")?;
    for (i, row) in rows.iter().enumerate() {
        if row.iter().all(Cell::is_blank) {
            continue;
        }
        // Row 1 is the header; rows[0] is row 2.
        let row_number = u32::try_from(i + 2).unwrap_or(u32::MAX);
        let (registered, row_errors) = rows_in.import_row(&txn, row_number, row).await?;
        imported += usize::from(registered);
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
    rows_in.dated.note(&txn);
    txn.commit().await.during("committing an import")?;
    Ok(ImportReport { imported, errors })
}

/// Unpacking and parsing XML is CPU work of up to seconds: on a blocking thread, with the
/// memory it may take bounded by the limits (parts' sizes, rows × columns).
async fn read_sheet(bytes: &[u8], limits: ImportLimits) -> ServiceResult<spreadsheet::Sheet> {
    let read_limits = ReadLimits {
        max_rows: limits.max_rows.saturating_add(1),
        max_cols: MAX_COLUMNS,
        max_unpacked_bytes: MAX_UNPACKED_BYTES,
        max_part_bytes: MAX_PART_BYTES,
    };
    let owned = bytes.to_vec();
    let read = tokio::task::spawn_blocking(move || {
        match spreadsheet::read_xlsx(&owned, Some(SHEET), read_limits) {
            Err(spreadsheet::ReadError::NoSheet(_)) => {
                spreadsheet::read_xlsx(&owned, None, read_limits)
            }
            other => other,
        }
    })
    .await
    .map_err(|e| anyhow::anyhow!("reading an uploaded workbook panicked or was cancelled: {e}"))?;
    read.map_err(|e| read_error(&e, limits))
}

/// What the rows of one import share: the layout and the lookups, the numbers seen so
/// far, and the past dates recorded.
struct RowImporter<'a> {
    layout: &'a Layout,
    roster: Roster,
    units: Units,
    session_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
    dated: Backdated,
    first_row_of: HashMap<String, u32>,
}

impl RowImporter<'_> {
    /// Parses and registers one row (with its archive) in the import's transaction.
    /// Returns whether it was registered and its errors; `Err` only for the unexpected.
    async fn import_row(
        &mut self,
        txn: &crate::db::WriteTxn,
        row_number: u32,
        row: &[Cell],
    ) -> ServiceResult<(bool, Vec<RowError>)> {
        let (now, today) = (self.now, self.today);
        let rosters = (&self.roster, &self.units);
        let parsed = parse_row(row_number, row, self.layout, rosters, self.session_id);
        let mut row_errors = parsed.errors.clone();
        let repeated = self.repeated_number(row_number, &parsed, &mut row_errors);
        let registered = match register_in(&**txn, parsed.input.clone(), now, today).await {
            Ok(saved) if row_errors.is_empty() => {
                archive_in(&**txn, &saved, &parsed.archive, now, today).await
            }
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        match registered {
            Ok(()) => {
                self.dated.count(&parsed, today, now);
                Ok((true, row_errors))
            }
            Err(ServiceError::User(found)) => {
                let mut mapped = register_errors(row_number, found, &parsed, self.layout);
                if repeated {
                    // The earlier row of the file holds the number: already said so.
                    mapped.retain(|e| {
                        !(e.code == ErrorCode::Duplicate
                            && e.field.as_deref() == Some(spec(Field::Number).api))
                    });
                }
                row_errors.extend(mapped);
                Ok((false, row_errors))
            }
            Err(unexpected) => Err(unexpected),
        }
    }

    /// Whether an earlier row of the file has the same number (reported in `errors`).
    fn repeated_number(
        &mut self,
        row_number: u32,
        parsed: &Parsed,
        errors: &mut Vec<RowError>,
    ) -> bool {
        let number = parsed.input.number.clone();
        if number.is_empty() {
            return false;
        }
        if let Some(first) = self.first_row_of.get(&number) {
            errors.push(row_error(
                row_number,
                self.layout.get(&Field::Number).map(|c| (Field::Number, *c)),
                ErrorCode::Duplicate,
                format!("编号 {number} 与第 {first} 行重复 (number repeats row {first})"),
            ));
            return true;
        }
        self.first_row_of.insert(number, row_number);
        false
    }
}
