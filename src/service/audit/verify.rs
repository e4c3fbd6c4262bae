//! Verifying the log: every row's hash and link in id order, page by page, and every checkpoint of the checkpoint file against the rows it names.

use super::*;

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Rows found intact: all of them, or those before the first broken one.
    pub rows_checked: u64,
    /// The first row that does not verify, and why.
    pub first_broken: Option<(i64, String)>,
    /// Checkpoints compared with the log.
    pub checkpoints_checked: usize,
    /// What this verification could not cover (no key, no checkpoint file), for the operator.
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Checks one row against its own hash and against the row before it (`None` for the
/// first row). With `key`, a row's hash may be keyed (HMAC) or, only before the first keyed
/// row (`keyed_seen`), plain. `Err` says what is wrong, in words for the operator.
pub fn check_row(
    row: &audit_log::Model,
    previous: Option<(i64, &str)>,
    key: Option<&AuditKey>,
    keyed_seen: &mut bool,
) -> Result<(), String> {
    let chained = ChainedRow::of(row);
    if key.is_some_and(|key| chained.hash_with(Some(key)) == row.hash) {
        *keyed_seen = true;
    } else if chained.hash() == row.hash {
        if *keyed_seen {
            return Err(
                "此行的 hash 未用审计密钥，而此前的行已用：此行是在没有密钥的情况下伪造或重算的 \
                 (the row's hash is not keyed although earlier rows are: it was forged or recomputed without the audit key)"
                    .to_owned(),
            );
        }
    } else {
        return Err(
            "内容与其 hash 不符，此行被改动过 (the row's contents do not match its hash: the row was altered; or its hash is keyed and this check has no or another audit key)"
                .to_owned(),
        );
    }
    match previous {
        None if row.prev_hash != GENESIS_HASH => Err(
            "首行的 prev_hash 不是创世值，之前的行被删除 (the first row's prev_hash is not the genesis value: rows before it were deleted)"
                .to_owned(),
        ),
        Some((previous_id, previous_hash)) if row.prev_hash != previous_hash => Err(format!(
            "prev_hash 与第 {previous_id} 行的 hash 不符，其间的行被删除或改动 \
             (prev_hash does not match the hash of row {previous_id}: a row in between was deleted, or row {previous_id} was altered)"
        )),
        _ => Ok(()),
    }
}

/// Walks the whole log in id order and checks every row and every link.
pub async fn verify(db: &Db, anchors: &Anchors) -> anyhow::Result<VerifyReport> {
    verify_in_pages(db, anchors, VERIFY_PAGE_ROWS).await
}

/// What the checkpoints say of `row`, read after the row with id `passed`: a checkpoint
/// naming a row in between that is gone (rows were deleted; the link check shows that too,
/// at this row), or one naming this row with another hash (the chain was recomputed).
fn against_checkpoints(
    anchored: &std::collections::BTreeMap<i64, (String, DateTime<Utc>)>,
    passed: i64,
    row: &audit_log::Model,
) -> Option<String> {
    if let Some((missing, (_, at))) = anchored.range(passed + 1..row.id).next() {
        return Some(format!(
            "{at} 的检查点记有第 {missing} 行，该行已不存在 (the checkpoint of {at} names row {missing}, which is gone)"
        ));
    }
    match anchored.get(&row.id) {
        Some((head, at)) if *head != row.hash => Some(format!(
            "hash 与 {at} 的检查点不符：此行及其前的链被重算过 (the hash differs from the checkpoint of {at}: the chain up to this row was recomputed)"
        )),
        _ => None,
    }
}

/// `verify`, reading `rows_per_page` rows per query (tests use small pages to cross page
/// boundaries). With the handle's anchors: the audit key for keyed hashes, and every
/// checkpoint in the checkpoint file, each of whose rows must still be there with its hash.
pub async fn verify_in_pages(
    db: &Db,
    anchors: &Anchors,
    rows_per_page: u64,
) -> anyhow::Result<VerifyReport> {
    let key = anchors.key.as_ref();
    let mut notes = Vec::new();
    if key.is_none() {
        notes.push(
            "no audit key (audit_key_file): a chain recomputed after the last checkpoint is not detected"
                .to_owned(),
        );
    }
    let (anchored, checkpoints_checked) = match read_anchored(anchors, &mut notes)? {
        Ok(found) => found,
        Err(untrusted) => return Ok(untrusted),
    };
    let rows_per_page = rows_per_page.max(1);
    let mut previous: Option<(i64, String)> = None;
    let mut rows_checked = 0u64;
    let mut keyed_seen = false;
    let report = |rows_checked, first_broken, notes| VerifyReport {
        rows_checked,
        first_broken,
        checkpoints_checked,
        notes,
    };
    loop {
        let mut select = audit_log::Entity::find()
            .order_by_asc(audit_log::Column::Id)
            .limit(rows_per_page);
        if let Some((id, _)) = &previous {
            select = select.filter(audit_log::Column::Id.gt(*id));
        }
        let rows = select.all(db.conn()).await.with_context(|| {
            format!(
                "reading the audit log after row {}",
                previous.as_ref().map_or(0, |(id, _)| *id)
            )
        })?;
        let last_page = (rows.len() as u64) < rows_per_page;
        for row in rows {
            let link = previous.as_ref().map(|(id, hash)| (*id, hash.as_str()));
            let passed = previous.as_ref().map_or(i64::MIN, |(id, _)| *id);
            let problem = check_row(&row, link, key, &mut keyed_seen)
                .err()
                .or_else(|| against_checkpoints(&anchored, passed, &row));
            if let Some(reason) = problem {
                return Ok(report(rows_checked, Some((row.id, reason)), notes));
            }
            rows_checked += 1;
            previous = Some((row.id, row.hash));
        }
        if last_page {
            let last_id = previous.as_ref().map_or(0, |(id, _)| *id);
            return Ok(report(rows_checked, cut_off(&anchored, last_id), notes));
        }
    }
}

/// Checkpoints by the row they name: (the hash it had, when the checkpoint was written).
type Anchored = std::collections::BTreeMap<i64, (String, DateTime<Utc>)>;

/// The checkpoints of the checkpoint file and how many there are, each checked against
/// its signature; `Err` with the report when a line cannot be trusted. What the anchors
/// cannot cover goes to `notes`.
fn read_anchored(
    anchors: &Anchors,
    notes: &mut Vec<String>,
) -> anyhow::Result<Result<(Anchored, usize), VerifyReport>> {
    let mut anchored = Anchored::new();
    let Some(path) = &anchors.checkpoint_file else {
        notes.push(
            "no checkpoint file (audit_checkpoint_file): rows cut off the end are not detected"
                .to_owned(),
        );
        return Ok(Ok((anchored, 0)));
    };
    let Some(checkpoints) = crate::service::audit::anchor::read_checkpoints(path)? else {
        notes.push(format!(
            "the checkpoint file {} does not exist (yet): rows cut off the end are not detected",
            path.display()
        ));
        return Ok(Ok((anchored, 0)));
    };
    let mut count = 0;
    for (line, checkpoint) in checkpoints.into_iter().enumerate() {
        if let Err(reason) = checkpoint.check_signature(anchors.key.as_ref()) {
            return Ok(Err(VerifyReport {
                rows_checked: 0,
                first_broken: Some((
                    checkpoint.last_id,
                    format!(
                        "检查点文件第 {} 行不可信 (checkpoint line {} cannot be trusted: {reason})",
                        line + 1,
                        line + 1
                    ),
                )),
                checkpoints_checked: line,
                notes: std::mem::take(notes),
            }));
        }
        count += 1;
        anchored.insert(checkpoint.last_id, (checkpoint.head, checkpoint.written_at));
    }
    Ok(Ok((anchored, count)))
}

/// A checkpoint naming a row past the log's last: rows were cut off the end.
fn cut_off(anchored: &Anchored, last_id: i64) -> Option<(i64, String)> {
    let (&missing, (_, at)) = anchored.range(last_id + 1..).next()?;
    let reason = format!(
        "日志止于第 {last_id} 行，而 {at} 的检查点记有第 {missing} 行：末尾的行被删除 \
         (the log ends at row {last_id} but the checkpoint of {at} names row {missing}: rows were cut off the end)"
    );
    Some((missing, reason))
}

/// The id and hash of the log's last row.
pub(super) async fn last_row<C: ConnectionTrait>(conn: &C) -> Result<Option<(i64, String)>, DbErr> {
    audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Id)
        .column(audit_log::Column::Hash)
        .order_by_desc(audit_log::Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await
}

/// The log's head: (rows, the last row's id, its hash); `None` while it is empty.
pub async fn head(db: &Db) -> anyhow::Result<Option<(u64, i64, String)>> {
    let last = last_row(db.conn())
        .await
        .context("reading the audit log's last row")?;
    let Some((last_id, hash)) = last else {
        return Ok(None);
    };
    let rows = sea_orm::PaginatorTrait::count(
        audit_log::Entity::find().filter(audit_log::Column::Id.lte(last_id)),
        db.conn(),
    )
    .await
    .context("counting the audit log")?;
    Ok(Some((rows, last_id, hash)))
}
