//! The office's side of public feedback: the list, marking an item handled, the counts per reply and per unit, and erasing contact details past their retention period.

use super::*;

/// Which feedback staff list.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter {
    pub scope: Scope,
    pub reply_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub status: Option<FeedbackStatus>,
    /// Submitted on or after this date (Asia/Shanghai).
    pub submitted_from: Option<NaiveDate>,
    /// Submitted on or before this date (Asia/Shanghai).
    pub submitted_to: Option<NaiveDate>,
}

/// The rows matching `filter`, within its scope.
pub fn filtered(filter: &FeedbackFilter) -> Select<public_feedback::Entity> {
    let mut select =
        public_feedback::Entity::find().filter(crate::service::scope::feedback(filter.scope));
    if let Some(reply_id) = filter.reply_id {
        select = select.filter(public_feedback::Column::ReplyId.eq(reply_id));
    }
    if let Some(unit_id) = filter.unit_id {
        select = select.filter(
            public_feedback::Column::ReplyId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column((reply::Entity, reply::Column::Id))
                    .from(reply::Entity)
                    .inner_join(
                        assignment::Entity,
                        Expr::col((assignment::Entity, assignment::Column::Id))
                            .equals((reply::Entity, reply::Column::AssignmentId)),
                    )
                    .and_where(
                        Expr::col((assignment::Entity, assignment::Column::UnitId)).eq(unit_id),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(status) = filter.status {
        select = select.filter(public_feedback::Column::Status.eq(status));
    }
    if let Some(from) = filter.submitted_from {
        select = select.filter(public_feedback::Column::SubmittedAt.gte(start_of_day(from)));
    }
    if let Some(next) = filter.submitted_to.and_then(|to| to.succ_opt()) {
        select = select.filter(public_feedback::Column::SubmittedAt.lt(start_of_day(next)));
    }
    select
}

const NEWEST_FIRST: Ordering<public_feedback::Column> = Ordering {
    name: "SUBMITTED_DESC",
    column: None,
    descending: true,
};

/// A page of feedback, newest first.
pub async fn list(
    db: &Db,
    filter: &FeedbackFilter,
    args: &PageArgs,
) -> ServiceResult<Page<public_feedback::Model>> {
    crate::service::scope::check_unit_filter(filter.scope, filter.unit_id, &["filter", "unitId"])?;
    page::fetch(
        db.conn(),
        filtered(filter),
        public_feedback::Column::Id,
        NEWEST_FIRST,
        args,
        |_| None,
        |f| f.id,
    )
    .await
}

/// One feedback, if `scope` sees it (the same rule as [`list`]).
pub async fn visible(
    db: &Db,
    scope: crate::domain::access::Scope,
    id: i64,
) -> ServiceResult<Option<public_feedback::Model>> {
    public_feedback::Entity::find_by_id(id)
        .filter(crate::service::scope::feedback(scope))
        .one(db.conn())
        .await
        .during("reading a feedback")
}

/// What staff set on a feedback.
#[derive(Debug, Clone)]
pub struct MarkInput {
    pub id: i64,
    pub status: FeedbackStatus,
    /// The answer the submitter will see; kept as it was when `None`.
    pub answer: Option<String>,
    pub expected_version: Option<i32>,
}

/// Marks a feedback READ, HANDLED or SPAM, optionally with an answer.
pub async fn mark(
    db: &Db,
    scope: Scope,
    actor_user_id: Option<i64>,
    input: MarkInput,
    now: DateTime<Utc>,
) -> ServiceResult<public_feedback::Model> {
    let mut errors = crate::domain::error::Errors::new();
    if input.status == FeedbackStatus::New {
        errors.push(UserError::invalid(
            &["input", "status"],
            "只能标记为已阅、已办理或垃圾信息 (status must be READ, HANDLED or SPAM)",
        ));
    }
    let answer = errors
        .check(text::optional(
            input.answer.as_deref(),
            &["input", "answer"],
            crate::domain::feedback::CONTENT_MAX,
            Lines::Multi,
        ))
        .flatten();
    if input.status == FeedbackStatus::Spam && answer.is_some() {
        errors.push(UserError::invalid(
            &["input", "answer"],
            "垃圾信息不予答复 (SPAM gets no answer)",
        ));
    }
    errors.finish()?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = public_feedback::Entity::find_by_id(input.id)
        .filter(crate::service::scope::feedback(scope))
        .one(&*txn)
        .await
        .during("loading feedback")?
        .ok_or_else(|| UserError::missing(&["input", "id"], "意见", "feedback"))?;
    check_version("意见", input.expected_version, current.version)?;
    let mut change = public_feedback::ActiveModel {
        status: Set(input.status),
        handled_by: Set(actor_user_id),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(answer) = answer {
        change.answer = Set(Some(answer));
        change.answered_at = Set(Some(now));
    }
    let result = public_feedback::Entity::update_many()
        .set(change)
        .filter(public_feedback::Column::Id.eq(current.id))
        .filter(public_feedback::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("marking feedback")?;
    if result.rows_affected != 1 {
        return Err(conflict("意见", &["input", "id"]));
    }
    let saved = public_feedback::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading feedback")?
        .ok_or_else(|| anyhow::anyhow!("feedback vanished inside its own transaction"))?;
    if saved.status != current.status {
        crate::service::statistics::refresh_facts_of_reply(&*txn, saved.reply_id).await?;
    }
    txn.commit().await.during("committing a feedback mark")?;
    Ok(saved)
}

/// Feedback counted by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackCounts {
    pub new: u64,
    pub read: u64,
    pub handled: u64,
    pub spam: u64,
}

impl FeedbackCounts {
    pub fn total(&self) -> u64 {
        self.new + self.read + self.handled + self.spam
    }

    /// Received and not yet handled (NEW or READ).
    pub fn open(&self) -> u64 {
        self.new + self.read
    }

    pub(super) fn add(&mut self, status: FeedbackStatus, n: i64) {
        let n = u64::try_from(n).unwrap_or(0);
        match status {
            FeedbackStatus::New => self.new += n,
            FeedbackStatus::Read => self.read += n,
            FeedbackStatus::Handled => self.handled += n,
            FeedbackStatus::Spam => self.spam += n,
        }
    }
}

#[derive(FromQueryResult)]
struct GroupCount {
    key: i64,
    status: FeedbackStatus,
    n: i64,
}

fn tally(rows: Vec<GroupCount>) -> HashMap<i64, FeedbackCounts> {
    let mut counts: HashMap<i64, FeedbackCounts> = HashMap::new();
    for row in rows {
        counts.entry(row.key).or_default().add(row.status, row.n);
    }
    counts
}

/// Counts per reply, for the replies in `reply_ids` (one query).
pub async fn counts_by_reply<C: ConnectionTrait>(
    conn: &C,
    reply_ids: &[i64],
) -> ServiceResult<HashMap<i64, FeedbackCounts>> {
    let rows = public_feedback::Entity::find()
        .select_only()
        .column_as(public_feedback::Column::ReplyId, "key")
        .column(public_feedback::Column::Status)
        .column_as(Expr::col(public_feedback::Column::Id).count(), "n")
        .filter(public_feedback::Column::ReplyId.is_in(reply_ids.iter().copied()))
        .group_by(public_feedback::Column::ReplyId)
        .group_by(public_feedback::Column::Status)
        .into_model::<GroupCount>()
        .all(conn)
        .await
        .during("counting feedback per reply")?;
    Ok(tally(rows))
}

/// Counts per handling unit (of the replies' assignments), within `filter`.
pub async fn counts_by_unit(
    db: &Db,
    filter: &FeedbackFilter,
    session_id: Option<i64>,
) -> ServiceResult<Vec<(i64, FeedbackCounts)>> {
    crate::service::scope::check_unit_filter(filter.scope, filter.unit_id, &["filter", "unitId"])?;
    let mut select = filtered(filter)
        .select_only()
        .column_as(assignment::Column::UnitId, "key")
        .column(public_feedback::Column::Status)
        .column_as(
            Expr::col((public_feedback::Entity, public_feedback::Column::Id)).count(),
            "n",
        )
        .join(JoinType::InnerJoin, public_feedback::Relation::Reply.def())
        .join(JoinType::InnerJoin, reply::Relation::Assignment.def());
    if let Some(session_id) = session_id {
        select = select
            .join(JoinType::InnerJoin, assignment::Relation::Suggestion.def())
            .filter(suggestion::Column::SessionId.eq(session_id));
    }
    let rows = select
        .group_by(assignment::Column::UnitId)
        .group_by(public_feedback::Column::Status)
        .into_model::<GroupCount>()
        .all(db.conn())
        .await
        .during("counting feedback per unit")?;
    let mut counts: Vec<(i64, FeedbackCounts)> = tally(rows).into_iter().collect();
    counts.sort_by_key(|(unit, _)| *unit);
    Ok(counts)
}

/// Erases the name, contact and address hash of feedback submitted more than
/// `retention_days` days before `now`, marks each row erased, and records the run in the
/// audit log (when it erased anything). Returns how many rows it erased.
pub async fn purge_contacts(
    db: &Db,
    log: &AuditLog,
    retention_days: u32,
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    let cutoff = now - TimeDelta::days(i64::from(retention_days));
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let erased = public_feedback::Entity::update_many()
        .col_expr(
            public_feedback::Column::Name,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            public_feedback::Column::Contact,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            public_feedback::Column::ClientKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(public_feedback::Column::ContactErasedAt, Expr::value(now))
        .filter(public_feedback::Column::SubmittedAt.lt(cutoff))
        .filter(public_feedback::Column::ContactErasedAt.is_null())
        .exec(&*txn)
        .await
        .during("erasing feedback contact details")?
        .rows_affected;
    if erased > 0 {
        audit::append(
            &*txn,
            log.key(),
            &NewAuditEntry {
                occurred_at: now,
                actor_user_id: None,
                actor_name: None,
                role: "SYSTEM".to_owned(),
                operation: "system:feedback purge".to_owned(),
                target: Some(format!("{erased} PublicFeedback")),
                outcome: AuditOutcome::Success,
                error_codes: Vec::new(),
                client_ip: None,
                request_id: None,
                details: None,
            },
        )
        .await
        .during("recording the erasure")?;
    }
    txn.commit().await.during("committing the erasure")?;
    Ok(erased)
}
