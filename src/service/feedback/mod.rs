//! Public feedback (公众意见反馈): submitted by anyone under a published reply, followed up
//! with a lookup code, read and answered by the reply's unit and the office, and stripped
//! of its submitter's details after the retention period.
//!
//! A submission is one write transaction: the CAPTCHA is used up, the limits are checked
//! and the feedback stored together. When something is wrong the transaction still
//! commits (the CAPTCHA stays used up, and the audit row says why) but stores no feedback.

mod office;
pub use office::*;

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
        return Ok(discarded(db, input.reply_id));
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
    let sender = Sender {
        reply_id: input.reply_id,
        client: client.as_deref(),
        fingerprint: &fingerprint,
    };
    if let Some(refusal) = check_limits(&txn, policy, sender, now).await? {
        return refuse(txn, vec![refusal]).await;
    }
    let saved = new_row(&input, submission, sender, now)
        .insert(&*txn)
        .await
        .during("storing feedback")?;
    super::statistics::refresh_facts_of_reply(&*txn, saved.reply_id).await?;
    txn.audit_created("PublicFeedback", saved.id);
    txn.commit().await.during("committing feedback")?;
    Ok(Submitted::Stored(Box::new(saved)))
}

/// The row of a submission that passed every check, with a new lookup code.
fn new_row(
    input: &SubmitInput,
    submission: Submission,
    sender: Sender<'_>,
    now: DateTime<Utc>,
) -> public_feedback::ActiveModel {
    public_feedback::ActiveModel {
        reply_id: Set(input.reply_id),
        name: Set(submission.name),
        contact: Set(submission.contact.map(|c| c.into_string())),
        content: Set(submission.content),
        status: Set(FeedbackStatus::New),
        answer: Set(None),
        submitted_at: Set(now),
        lookup_code: Set(lookup_code(&mut rand::rng())),
        version: Set(1),
        updated_at: Set(now),
        client_key: Set(sender.client.map(str::to_owned)),
        content_hash: Set(Some(sender.fingerprint.to_owned())),
        consent_to_publish: Set(input.consent_to_publish),
        answered_at: Set(None),
        handled_by: Set(None),
        contact_erased_at: Set(None),
        ..Default::default()
    }
}

/// A submission with the honeypot filled (a robot): answered like a stored one, with a
/// lookup code that finds nothing, and kept only as a HONEYPOT code in the audit row.
fn discarded(db: &Db, reply_id: i64) -> Submitted {
    tracing::info!(
        reply_id,
        "public feedback with the honeypot filled, discarded"
    );
    if let Some(work) = db.work() {
        work.user_errors(&["HONEYPOT"]);
    }
    Submitted::Discarded {
        lookup_code: lookup_code(&mut rand::rng()),
    }
}

/// Who sends what: the reply, the client's key (none without an address) and the
/// content's fingerprint.
#[derive(Clone, Copy)]
struct Sender<'a> {
    reply_id: i64,
    client: Option<&'a str>,
    fingerprint: &'a str,
}

/// The first limit a submission passes, if any: the same content from the same client
/// within the duplicate window, the client's rate, the reply's rate.
async fn check_limits(
    txn: &crate::db::WriteTxn,
    policy: &FeedbackPolicy,
    sender: Sender<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<Option<UserError>> {
    if let Some(client) = sender.client {
        lock_client(&**txn, client).await?;
        let since = now - TimeDelta::seconds(i64::from(policy.duplicate_window_secs));
        let duplicates = public_feedback::Entity::find()
            .filter(public_feedback::Column::ReplyId.eq(sender.reply_id))
            .filter(public_feedback::Column::ClientKey.eq(client))
            .filter(public_feedback::Column::ContentHash.eq(sender.fingerprint))
            .filter(public_feedback::Column::SubmittedAt.gt(since))
            .count(&**txn)
            .await
            .during("looking for a duplicate")?;
        if duplicates > 0 {
            return Ok(Some(UserError::duplicate(
                &["input", "content"],
                "您已提交过相同的内容，请勿重复提交 (you sent the same content already)",
            )));
        }
        if let Err(e) = check_window(
            &**txn,
            policy.per_client,
            public_feedback::Column::ClientKey,
            client.to_owned().into(),
            "提交过于频繁",
            now,
        )
        .await?
        {
            return Ok(Some(e));
        }
    }
    let per_reply = check_window(
        &**txn,
        policy.per_reply,
        public_feedback::Column::ReplyId,
        sender.reply_id.into(),
        "该答复收到的意见过多",
        now,
    )
    .await?;
    Ok(per_reply.err())
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
