//! Deliveries of notices beyond the app (an outbox): written with the notices, in the
//! transaction of the change (`plan`); claimed by a worker with a lease (`claim`), so two
//! processes never send one at once and a killed process's claim runs out and is taken up
//! again; finished with the attempt's outcome (`finish`): sent, tried again later with a
//! growing wait, failed after the last attempt, or skipped when this deployment has no
//! sender for the channel. At least once: a process killed between the provider's answer
//! and `finish` sends that delivery again when its lease runs out.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    notification, notification_attempt as attempt, notification_delivery as delivery,
    notification_settings,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use super::page::{self, Page, PageArgs};
use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::delivery::{Backoff, DeliveryStatus};
use crate::domain::notice::{Channel, NoticeKind};

/// Recipients' settings read per query when planning (bounded by the database's parameter
/// limits).
const SETTINGS_CHUNK: usize = 500;

/// The address of webhook deliveries: the office's OA system (its URL is a setting).
pub const WEBHOOK_ADDRESS: &str = "OA";

/// Writes the deliveries of `notices` over the channels their recipients chose (or the
/// office's defaults), for each recipient who left the address the channel needs, and to
/// the OA webhook for the kinds the office sends there. In the
/// caller's transaction; a notice planned twice keeps its first deliveries.
pub(crate) async fn plan<C: ConnectionTrait>(
    conn: &C,
    notices: &[notification::Model],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut users: Vec<i64> = notices.iter().map(|n| n.recipient_user_id).collect();
    users.sort_unstable();
    users.dedup();
    let mut settings = HashMap::new();
    for part in users.chunks(SETTINGS_CHUNK) {
        let rows = notification_settings::Entity::find()
            .filter(notification_settings::Column::UserId.is_in(part.iter().copied()))
            .all(conn)
            .await
            .during("loading recipients' channels")?;
        settings.extend(rows.into_iter().map(|r| (r.user_id, r)));
    }
    let office = super::notification_settings::office_defaults(conn).await?;
    let mut rows = Vec::new();
    for notice in notices {
        let Some(kind) = NoticeKind::parse(&notice.kind) else {
            continue;
        };
        let stored = settings.get(&notice.recipient_user_id);
        for channel in super::notification_settings::channels_for(stored, &office, kind) {
            let address = match channel {
                Channel::Sms => stored.and_then(|s| s.mobile.clone()),
                Channel::Email => stored.and_then(|s| s.email.clone()),
                Channel::Webhook => Some(WEBHOOK_ADDRESS.to_owned()),
            };
            let Some(address) = address else { continue };
            rows.push(delivery::ActiveModel {
                notification_id: Set(notice.id),
                recipient_user_id: Set(notice.recipient_user_id),
                channel: Set(channel.as_str().to_owned()),
                address: Set(address),
                status: Set(DeliveryStatus::Pending.as_str().to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                lease_until: Set(None),
                leased_by: Set(None),
                last_error: Set(None),
                sent_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
    }
    for part in rows.chunks(200) {
        delivery::Entity::insert_many(part.to_vec())
            .on_conflict(
                OnConflict::columns([delivery::Column::NotificationId, delivery::Column::Channel])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await
            .during("writing deliveries")?;
    }
    Ok(())
}

/// A delivery a worker claimed, with the notice it carries.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: delivery::Model,
    pub notice: notification::Model,
}

/// Claims up to `limit` due deliveries for `worker` until `now + lease`: those waiting
/// whose time has come and that no live claim holds. Each claim is a conditional update, so
/// of two workers reading the same row only one gets it.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> ServiceResult<Vec<Claimed>> {
    let free = || {
        Condition::all()
            .add(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .add(delivery::Column::NextAttemptAt.lte(now))
            .add(
                Condition::any()
                    .add(delivery::Column::LeaseUntil.is_null())
                    .add(delivery::Column::LeaseUntil.lt(now)),
            )
    };
    let due = delivery::Entity::find()
        .filter(free())
        .order_by_asc(delivery::Column::NextAttemptAt)
        .order_by_asc(delivery::Column::Id)
        .limit(limit)
        .all(db.conn())
        .await
        .during("finding due deliveries")?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin_write().await.during("claiming deliveries")?;
    let mut claimed = Vec::new();
    for found in due {
        let taken = delivery::Entity::update_many()
            .set(delivery::ActiveModel {
                lease_until: Set(Some(now + lease)),
                leased_by: Set(Some(worker.to_owned())),
                updated_at: Set(now),
                ..Default::default()
            })
            .col_expr(
                delivery::Column::Attempts,
                Expr::col(delivery::Column::Attempts).add(1),
            )
            .filter(delivery::Column::Id.eq(found.id))
            .filter(delivery::Column::Attempts.eq(found.attempts))
            .filter(free())
            .exec(&*txn)
            .await
            .during("claiming a delivery")?;
        if taken.rows_affected == 1 {
            claimed.push(found);
        }
    }
    let notices: HashMap<i64, notification::Model> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(claimed.iter().map(|d| d.notification_id)))
        .all(&*txn)
        .await
        .during("loading the notices of deliveries")?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    txn.commit().await.during("committing claims")?;
    Ok(claimed
        .into_iter()
        .filter_map(|mut d| {
            let notice = notices.get(&d.notification_id)?.clone();
            d.attempts += 1;
            d.lease_until = Some(now + lease);
            d.leased_by = Some(worker.to_owned());
            Some(Claimed {
                delivery: d,
                notice,
            })
        })
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The channel took it; what the provider answered.
    Sent(String),
    /// It did not; why.
    Failed(String),
    /// This deployment has no sender for the channel.
    Skipped(String),
}

/// Answers and errors are kept to this many characters.
const ANSWER_MAX: usize = 500;

fn cut(text: &str) -> String {
    text.chars().take(ANSWER_MAX).collect()
}

/// Records the attempt of a claimed delivery and moves the delivery on: SENT, PENDING again
/// after the backoff's wait, FAILED after the last attempt, or SKIPPED. A claim another
/// worker took over after this one's lease ran out records its attempt only.
pub async fn finish(
    db: &Db,
    claimed: &delivery::Model,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
    outcome: &Outcome,
    backoff: &Backoff,
) -> ServiceResult<DeliveryStatus> {
    let failed = u32::try_from(claimed.attempts).unwrap_or(u32::MAX);
    let (status, next, answer, error) = match outcome {
        Outcome::Sent(answer) => (DeliveryStatus::Sent, now, Some(cut(answer)), None),
        Outcome::Skipped(why) => (DeliveryStatus::Skipped, now, Some(cut(why)), Some(cut(why))),
        Outcome::Failed(why) => match backoff.after(failed) {
            Some(wait) => (
                DeliveryStatus::Pending,
                now + wait,
                Some(cut(why)),
                Some(cut(why)),
            ),
            None => (DeliveryStatus::Failed, now, Some(cut(why)), Some(cut(why))),
        },
    };
    let attempt_outcome = match outcome {
        Outcome::Sent(_) => "SENT",
        Outcome::Failed(_) => "FAILED",
        Outcome::Skipped(_) => "SKIPPED",
    };
    let txn = db
        .begin_write()
        .await
        .during("recording a delivery attempt")?;
    attempt::Entity::insert(attempt::ActiveModel {
        delivery_id: Set(claimed.id),
        attempt: Set(claimed.attempts),
        started_at: Set(started_at),
        finished_at: Set(now),
        outcome: Set(attempt_outcome.to_owned()),
        answer: Set(answer),
        ..Default::default()
    })
    .exec(&*txn)
    .await
    .during("writing a delivery attempt")?;
    delivery::Entity::update_many()
        .set(delivery::ActiveModel {
            status: Set(status.as_str().to_owned()),
            next_attempt_at: Set(next),
            lease_until: Set(None),
            leased_by: Set(None),
            last_error: Set(error),
            sent_at: Set((status == DeliveryStatus::Sent).then_some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(delivery::Column::Id.eq(claimed.id))
        .filter(delivery::Column::LeasedBy.eq(claimed.leased_by.clone()))
        .filter(delivery::Column::Attempts.eq(claimed.attempts))
        .exec(&*txn)
        .await
        .during("moving a delivery on")?;
    txn.commit().await.during("committing a delivery attempt")?;
    Ok(status)
}

/// Which deliveries the office lists.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub channel: Option<Channel>,
    pub recipient_user_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A delivery as the office lists it: with its notice and its attempts.
#[derive(Debug, Clone)]
pub struct Listed {
    pub delivery: delivery::Model,
    pub notice: notification::Model,
    pub attempts: Vec<attempt::Model>,
}

fn filtered(filter: &DeliveryFilter) -> Select<delivery::Entity> {
    let mut query = delivery::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(delivery::Column::Status.eq(status.as_str()));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(delivery::Column::Channel.eq(channel.as_str()));
    }
    if let Some(user) = filter.recipient_user_id {
        query = query.filter(delivery::Column::RecipientUserId.eq(user));
    }
    if let Some(from) = filter.from {
        query = query.filter(delivery::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(delivery::Column::CreatedAt.lt(to));
    }
    query
}

/// Deliveries, newest first, each with its notice and attempts (three queries a page).
pub async fn list(
    db: &Db,
    filter: &DeliveryFilter,
    args: &PageArgs,
) -> ServiceResult<Page<Listed>> {
    let page = page::fetch(
        db.conn(),
        filtered(filter),
        delivery::Column::Id,
        page::Ordering {
            name: "ID_DESC",
            column: None,
            descending: true,
        },
        args,
        |_| None,
        |m| m.id,
    )
    .await?;
    let ids: Vec<i64> = page.rows.iter().map(|(_, d)| d.id).collect();
    let mut attempts = attempts_of(db, &ids).await?;
    let notices: HashMap<i64, notification::Model> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(page.rows.iter().map(|(_, d)| d.notification_id)))
        .all(db.conn())
        .await
        .during("loading the notices of deliveries")?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let rows = page
        .rows
        .into_iter()
        .filter_map(|(cursor, delivery)| {
            let notice = notices.get(&delivery.notification_id)?.clone();
            let attempts = attempts.remove(&delivery.id).unwrap_or_default();
            Some((
                cursor,
                Listed {
                    delivery,
                    notice,
                    attempts,
                },
            ))
        })
        .collect();
    Ok(Page {
        rows,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// How many deliveries `list` would give.
pub async fn count(db: &Db, filter: &DeliveryFilter) -> ServiceResult<u64> {
    page::count(db.conn(), filtered(filter)).await
}

/// The attempts of each of `deliveries`, in order (for the DataLoader).
async fn attempts_of(
    db: &Db,
    deliveries: &[i64],
) -> ServiceResult<HashMap<i64, Vec<attempt::Model>>> {
    let rows = attempt::Entity::find()
        .filter(attempt::Column::DeliveryId.is_in(deliveries.iter().copied()))
        .order_by_asc(attempt::Column::DeliveryId)
        .order_by_asc(attempt::Column::Attempt)
        .order_by_asc(attempt::Column::Id)
        .all(db.conn())
        .await
        .during("loading delivery attempts")?;
    let mut by_delivery: HashMap<i64, Vec<attempt::Model>> = HashMap::new();
    for row in rows {
        by_delivery.entry(row.delivery_id).or_default().push(row);
    }
    Ok(by_delivery)
}
