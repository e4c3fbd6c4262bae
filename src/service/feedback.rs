//! Public feedback (公众意见反馈): submitted by anyone under a published reply, followed up
//! with a lookup code, read and answered by the reply's unit and the office, and stripped
//! of its submitter's details after the retention period.
//!
//! A submission is one write transaction: the CAPTCHA is used up, the limits are checked
//! and the feedback stored together. When something is wrong the transaction still
//! commits (the CAPTCHA stays used up, and the audit row says why) but stores no feedback.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::enums::FeedbackStatus;
use entity::{assignment, public_feedback, reply, suggestion};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QuerySelect, RelationTrait, Select, Set, Statement,
};

use super::page::{self, Ordering, Page, PageArgs};
use super::{check_version, conflict, DbContext, ServiceError, ServiceResult};
use crate::db::{Db, WriteTxn};
use crate::domain::access::Scope;
use crate::domain::feedback::{
    client_key, content_fingerprint, lookup_code, parse_lookup_code, RawSubmission, Submission,
    Window,
};
use crate::domain::text::{self, Lines};
use crate::domain::time::start_of_day;
use crate::domain::UserError;
use crate::service::audit::{self, AuditLog, AuditOutcome, NewAuditEntry};

/// The limits on submissions.
#[derive(Debug, Clone, Copy)]
pub struct FeedbackPolicy {
    /// Per client (IP address).
    pub per_client: Window,
    /// Per reply, from everyone.
    pub per_reply: Window,
    /// Same content, same client, same reply within this many seconds: a duplicate.
    pub duplicate_window_secs: u32,
}

impl Default for FeedbackPolicy {
    fn default() -> Self {
        Self {
            per_client: Window {
                limit: 5,
                secs: 3600,
            },
            per_reply: Window {
                limit: 200,
                secs: 3600,
            },
            duplicate_window_secs: 24 * 3600,
        }
    }
}

/// A submission as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct SubmitInput {
    pub reply_id: i64,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub content: String,
    pub consent_to_publish: bool,
    pub captcha_id: String,
    pub captcha_answer: String,
    /// The hidden field a person never fills.
    pub honeypot: Option<String>,
    /// The client's address, as resolved from the peer and trusted proxies.
    pub client_ip: Option<String>,
}

/// What became of a submission.
#[derive(Debug, Clone)]
pub enum Submitted {
    Stored(Box<public_feedback::Model>),
    /// The honeypot was filled: answered like a success, stored nowhere.
    Discarded {
        lookup_code: String,
    },
}

impl Submitted {
    pub fn lookup_code(&self) -> &str {
        match self {
            Self::Stored(model) => &model.lookup_code,
            Self::Discarded { lookup_code } => lookup_code,
        }
    }
}

const CAPTCHA_FIELD: [&str; 2] = ["input", "captchaAnswer"];

/// Commits `txn` (which used up a CAPTCHA) as a failed mutation and returns `errors`.
async fn refuse<T>(txn: WriteTxn, errors: Vec<UserError>) -> ServiceResult<T> {
    let codes: Vec<String> = errors.iter().map(|e| e.code.as_str().to_owned()).collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    txn.commit_with_user_errors(&codes)
        .await
        .during("committing a refused submission")?;
    Err(ServiceError::User(errors))
}

/// Whether `reply_id` is a published reply of a suggestion that may be public.
async fn is_public<C: ConnectionTrait>(conn: &C, reply_id: i64) -> ServiceResult<bool> {
    let found = reply::Entity::find_by_id(reply_id)
        .join(JoinType::InnerJoin, reply::Relation::Assignment.def())
        .join(JoinType::InnerJoin, assignment::Relation::Suggestion.def())
        .filter(super::public::public_only())
        .count(conn)
        .await
        .during("checking that the reply is published")?;
    Ok(found > 0)
}

/// Count and oldest submission time of the rows matching `column = value` since `since`.
async fn window_use<C: ConnectionTrait>(
    conn: &C,
    column: public_feedback::Column,
    value: sea_orm::Value,
    since: DateTime<Utc>,
) -> ServiceResult<(u64, Option<DateTime<Utc>>)> {
    #[derive(FromQueryResult)]
    struct Use {
        n: i64,
        oldest: Option<DateTime<Utc>>,
    }
    let found = public_feedback::Entity::find()
        .select_only()
        .column_as(Expr::col(public_feedback::Column::Id).count(), "n")
        .column_as(
            Expr::col(public_feedback::Column::SubmittedAt).min(),
            "oldest",
        )
        .filter(column.eq(value))
        .filter(public_feedback::Column::SubmittedAt.gt(since))
        .into_model::<Use>()
        .one(conn)
        .await
        .during("counting recent feedback")?;
    Ok(found.map_or((0, None), |u| (u64::try_from(u.n).unwrap_or(0), u.oldest)))
}

/// RATE_LIMITED when `window` is full for the rows where `column = value`.
async fn check_window<C: ConnectionTrait>(
    conn: &C,
    window: Window,
    column: public_feedback::Column,
    value: sea_orm::Value,
    message: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Result<(), UserError>> {
    let since = now - TimeDelta::seconds(i64::from(window.secs));
    let (count, oldest) = window_use(conn, column, value, since).await?;
    let age = oldest.map_or(0, |t| (now - t).num_seconds());
    Ok(match window.retry_after(count, age) {
        None => Ok(()),
        Some(wait) => Err(UserError::rate_limited(
            &["input"],
            format!("{message}，请 {wait} 秒后再试 (too many submissions; retry in {wait} s)"),
            wait,
        )),
    })
}

/// Serialises submissions of one client on PostgreSQL, so two at once cannot both pass
/// its limit (SQLite runs one writer at a time anyway).
async fn lock_client<C: ConnectionTrait>(conn: &C, key: &str) -> ServiceResult<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let lock = key
        .get(..15)
        .and_then(|h| i64::from_str_radix(h, 16).ok())
        .unwrap_or(0);
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [
            0x0FEE_DBAC_i32.into(),
            ((lock % i64::from(i32::MAX)) as i32).into(),
        ],
    ))
    .await
    .during("locking the client's submissions")?;
    Ok(())
}

/// Stores a submission from the public form.
pub async fn submit(
    db: &Db,
    policy: &FeedbackPolicy,
    input: SubmitInput,
    now: DateTime<Utc>,
) -> ServiceResult<Submitted> {
    if input
        .honeypot
        .as_deref()
        .is_some_and(|h| !h.trim().is_empty())
    {
        tracing::info!(
            reply_id = input.reply_id,
            "public feedback with the honeypot filled, discarded"
        );
        if let Some(work) = db.work() {
            work.user_errors(&["HONEYPOT"]);
        }
        return Ok(Submitted::Discarded {
            lookup_code: lookup_code(&mut rand::rng()),
        });
    }
    let parsed = Submission::parse(
        &RawSubmission {
            name: input.name.as_deref(),
            contact: input.contact.as_deref(),
            content: &input.content,
        },
        &["input"],
    );
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let captcha = super::captcha::consume(
        &*txn,
        &input.captcha_id,
        &input.captcha_answer,
        &CAPTCHA_FIELD,
        now,
    )
    .await?;
    let submission = match (parsed, captcha) {
        (Ok(submission), Ok(())) => submission,
        (parsed, captcha) => {
            let mut errors = parsed.err().unwrap_or_default();
            errors.extend(captcha.err());
            return refuse(txn, errors).await;
        }
    };
    if !is_public(&*txn, input.reply_id).await? {
        return refuse(
            txn,
            vec![UserError::not_found(
                &["input", "replyId"],
                "答复不存在或未公开 (no published reply with this id)",
            )],
        )
        .await;
    }
    let client = input.client_ip.as_deref().map(client_key);
    let fingerprint = content_fingerprint(&submission.content);
    if let Some(client) = &client {
        lock_client(&*txn, client).await?;
        let since = now - TimeDelta::seconds(i64::from(policy.duplicate_window_secs));
        let duplicates = public_feedback::Entity::find()
            .filter(public_feedback::Column::ReplyId.eq(input.reply_id))
            .filter(public_feedback::Column::ClientKey.eq(client.as_str()))
            .filter(public_feedback::Column::ContentHash.eq(fingerprint.as_str()))
            .filter(public_feedback::Column::SubmittedAt.gt(since))
            .count(&*txn)
            .await
            .during("looking for a duplicate")?;
        if duplicates > 0 {
            return refuse(
                txn,
                vec![UserError::duplicate(
                    &["input", "content"],
                    "您已提交过相同的内容，请勿重复提交 (you sent the same content already)",
                )],
            )
            .await;
        }
        if let Err(e) = check_window(
            &*txn,
            policy.per_client,
            public_feedback::Column::ClientKey,
            client.clone().into(),
            "提交过于频繁",
            now,
        )
        .await?
        {
            return refuse(txn, vec![e]).await;
        }
    }
    if let Err(e) = check_window(
        &*txn,
        policy.per_reply,
        public_feedback::Column::ReplyId,
        input.reply_id.into(),
        "该答复收到的意见过多",
        now,
    )
    .await?
    {
        return refuse(txn, vec![e]).await;
    }
    let code = lookup_code(&mut rand::rng());
    let saved = public_feedback::ActiveModel {
        reply_id: Set(input.reply_id),
        name: Set(submission.name),
        contact: Set(submission.contact.map(|c| c.into_string())),
        content: Set(submission.content),
        status: Set(FeedbackStatus::New),
        answer: Set(None),
        submitted_at: Set(now),
        lookup_code: Set(code),
        version: Set(1),
        updated_at: Set(now),
        client_key: Set(client),
        content_hash: Set(Some(fingerprint)),
        consent_to_publish: Set(input.consent_to_publish),
        answered_at: Set(None),
        handled_by: Set(None),
        contact_erased_at: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .during("storing feedback")?;
    super::statistics::refresh_facts_of_reply(&*txn, saved.reply_id).await?;
    txn.audit_created("PublicFeedback", saved.id);
    txn.commit().await.during("committing feedback")?;
    Ok(Submitted::Stored(Box::new(saved)))
}

/// The feedback behind a lookup code, for its submitter; the CAPTCHA is used up first.
pub async fn lookup(
    db: &Db,
    code: &str,
    captcha_id: &str,
    captcha_answer: &str,
    now: DateTime<Utc>,
) -> ServiceResult<public_feedback::Model> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let captcha =
        super::captcha::consume(&*txn, captcha_id, captcha_answer, &["captchaAnswer"], now).await?;
    txn.commit().await.during("using up a CAPTCHA")?;
    captcha?;
    let not_found = || {
        ServiceError::from(UserError::not_found(
            &["code"],
            "查询码不存在，请核对 (no feedback with this lookup code)",
        ))
    };
    let code = parse_lookup_code(code).ok_or_else(not_found)?;
    public_feedback::Entity::find()
        .filter(public_feedback::Column::LookupCode.eq(code))
        .one(db.conn())
        .await
        .during("looking up feedback")?
        .ok_or_else(not_found)
}

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
    let mut select = public_feedback::Entity::find().filter(super::scope::feedback(filter.scope));
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
    super::scope::check_unit_filter(filter.scope, filter.unit_id, &["filter", "unitId"])?;
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
        .filter(super::scope::feedback(scope))
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
        super::statistics::refresh_facts_of_reply(&*txn, saved.reply_id).await?;
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

    fn add(&mut self, status: FeedbackStatus, n: i64) {
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
    super::scope::check_unit_filter(filter.scope, filter.unit_id, &["filter", "unitId"])?;
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
