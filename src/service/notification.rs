//! Notifications (通知): written in the transaction of the timeline event they tell of (so a
//! committed change always has its notices and a rolled-back one never does), one row per
//! recipient; read and marked read by their recipient only.

use chrono::{DateTime, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus};
use entity::{app_user, assignment, handling_unit, notification, suggestion, workflow_event};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::feed_cursor::FeedCursor;
use super::page::{self, Page, PageArgs};
use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Role;
use crate::domain::notice::{self, Audience, Facts};
use crate::domain::time::local_date;
use crate::domain::workflow::EventKind;

/// Writes the notices `event` gives (docs/domain.md §10), in the caller's transaction.
pub(crate) async fn on_event<C: ConnectionTrait>(
    conn: &C,
    event: &workflow_event::Model,
    kind: EventKind,
) -> ServiceResult<()> {
    let notices = notice::notices_for(kind);
    if notices.is_empty() {
        return Ok(());
    }
    let case = suggestion::Entity::find_by_id(event.suggestion_id)
        .one(conn)
        .await
        .during("loading the suggestion of a notice")?
        .ok_or_else(|| anyhow::anyhow!("an event names a missing suggestion"))?;
    let (assignment, unit) = match event.assignment_id {
        Some(id) => assignment::Entity::find_by_id(id)
            .find_also_related(handling_unit::Entity)
            .one(conn)
            .await
            .during("loading the assignment of a notice")?
            .map_or((None, None), |(a, u)| (Some(a), u.map(|u| u.name))),
        None => (None, None),
    };
    let facts = Facts {
        number: &case.number,
        title: &case.title,
        unit: unit.as_deref(),
        due_on: assignment.as_ref().map(|a| a.due_on),
        today: local_date(event.occurred_at),
        message: event.details.get("message").and_then(|m| m.as_str()),
    };
    let mut rows = Vec::new();
    for &(kind, audience) in notices {
        let text = crate::domain::templates::render(kind, &facts);
        for user_id in recipients(conn, audience, &case, assignment.as_ref()).await? {
            rows.push(notification::ActiveModel {
                recipient_user_id: sea_orm::Set(user_id),
                kind: sea_orm::Set(kind.as_str().to_owned()),
                title: sea_orm::Set(text.title.clone()),
                body: sea_orm::Set(text.body.clone()),
                suggestion_id: sea_orm::Set(Some(case.id)),
                assignment_id: sea_orm::Set(event.assignment_id),
                event_id: sea_orm::Set(Some(event.id)),
                dedupe_key: sea_orm::Set(None),
                created_at: sea_orm::Set(event.occurred_at),
                read_at: sea_orm::Set(None),
                ..Default::default()
            });
        }
    }
    if !rows.is_empty() {
        notification::Entity::insert_many(rows)
            .exec(conn)
            .await
            .during("writing notifications")?;
        let written = notification::Entity::find()
            .filter(notification::Column::EventId.eq(event.id))
            .all(conn)
            .await
            .during("reading the notifications back")?;
        super::delivery::plan(conn, &written, event.occurred_at).await?;
    }
    Ok(())
}

/// The enabled accounts an audience of a case reaches.
async fn recipients<C: ConnectionTrait>(
    conn: &C,
    audience: Audience,
    case: &suggestion::Model,
    assignment: Option<&assignment::Model>,
) -> ServiceResult<Vec<i64>> {
    let users = app_user::Entity::find()
        .select_only()
        .column(app_user::Column::Id)
        .filter(app_user::Column::Disabled.eq(false))
        .order_by_asc(app_user::Column::Id);
    let unit_staff = users
        .clone()
        .filter(app_user::Column::Role.eq(Role::UnitStaff.as_str()));
    let users = match audience {
        Audience::Unit => match assignment {
            Some(a) => unit_staff.filter(app_user::Column::UnitId.eq(a.unit_id)),
            None => return Ok(Vec::new()),
        },
        Audience::LeadUnit => unit_staff.filter(
            app_user::Column::UnitId.in_subquery(
                Query::select()
                    .column(assignment::Column::UnitId)
                    .from(assignment::Entity)
                    .and_where(assignment::Column::SuggestionId.eq(case.id))
                    .and_where(assignment::Column::Role.eq(AssignmentRole::Lead))
                    .and_where(
                        assignment::Column::Status
                            .is_not_in([AssignmentStatus::Returned, AssignmentStatus::Withdrawn]),
                    )
                    .to_owned(),
            ),
        ),
        Audience::Office => users.filter(
            app_user::Column::Role.is_in([Role::OfficeStaff.as_str(), Role::OfficeAdmin.as_str()]),
        ),
        Audience::Deputy => users
            .filter(app_user::Column::Role.eq(Role::Deputy.as_str()))
            .filter(app_user::Column::DeputyId.eq(case.lead_deputy_id)),
    };
    users
        .into_tuple::<i64>()
        .all(conn)
        .await
        .during("finding who to notify")
}

fn of_user(user_id: i64, unread_only: bool) -> Select<notification::Entity> {
    let select =
        notification::Entity::find().filter(notification::Column::RecipientUserId.eq(user_id));
    if unread_only {
        select.filter(notification::Column::ReadAt.is_null())
    } else {
        select
    }
}

/// A user's notifications, newest first.
pub async fn list(
    db: &Db,
    user_id: i64,
    unread_only: bool,
    args: &PageArgs,
) -> ServiceResult<Page<notification::Model>> {
    page::fetch(
        db.conn(),
        of_user(user_id, unread_only),
        notification::Column::Id,
        page::Ordering {
            name: "ID_DESC",
            column: None,
            descending: true,
        },
        args,
        |_| None,
        |m| m.id,
    )
    .await
}

/// How many of a user's notifications `list` would give.
pub async fn count(db: &Db, user_id: i64, unread_only: bool) -> ServiceResult<u64> {
    of_user(user_id, unread_only)
        .count(db.conn())
        .await
        .during("counting notifications")
}

/// One of a user's notifications (`None` for another user's: it looks missing).
pub async fn find(db: &Db, user_id: i64, id: i64) -> ServiceResult<Option<notification::Model>> {
    of_user(user_id, false)
        .filter(notification::Column::Id.eq(id))
        .one(db.conn())
        .await
        .during("loading a notification")
}

/// Marks a user's notifications read: those of `ids` (others' ids are ignored, as missing),
/// or all of them. Already read ones keep their time. Returns how many were marked now.
pub async fn mark_read(
    db: &Db,
    user_id: i64,
    ids: Option<&[i64]>,
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let mut update = notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            sea_orm::sea_query::Expr::val(now),
        )
        .filter(notification::Column::RecipientUserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        update = update.filter(notification::Column::Id.is_in(ids.iter().copied()));
    }
    let marked = update
        .exec(&*txn)
        .await
        .during("marking notifications read")?
        .rows_affected;
    txn.commit().await.during("committing notifications read")?;
    Ok(marked)
}

/// New notifications as they are committed, for the real-time subscription. A poller reads
/// the rows after the last one it saw while anyone listens, so every process sees what any
/// process committed (several banli instances on one PostgreSQL), and nothing rolled back
/// is ever sent; a listener is only ever given its own user's notices (`notificationAdded`).
#[derive(Debug)]
pub struct Feed {
    sender: tokio::sync::broadcast::Sender<std::sync::Arc<notification::Model>>,
}

/// Rows a poll reads at most; the rest come with the next poll.
const FEED_BATCH: u64 = 500;
/// How long a missing id is looked for again (a transaction that takes longer to commit
/// its notices than this is not in the real-time feed; they are in the list all the same).
const FEED_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

impl Feed {
    pub fn new() -> std::sync::Arc<Self> {
        let (sender, _) = tokio::sync::broadcast::channel(4_096);
        std::sync::Arc::new(Self { sender })
    }

    /// Every notification committed from now on (a slow listener skips what it missed).
    pub fn subscribe(
        &self,
    ) -> tokio::sync::broadcast::Receiver<std::sync::Arc<notification::Model>> {
        self.sender.subscribe()
    }

    /// Polls every `period` until aborted; `None` when `period` is zero (no real time).
    pub fn spawn_poller(
        self: &std::sync::Arc<Self>,
        db: Db,
        period: std::time::Duration,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if period.is_zero() {
            return None;
        }
        let feed = std::sync::Arc::clone(self);
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // Where the listeners are: None while no one listens (then it restarts from
            // the newest row, so a first listener gets no backlog).
            let mut cursor: Option<FeedCursor> = None;
            loop {
                ticks.tick().await;
                if feed.sender.receiver_count() == 0 {
                    cursor = None;
                    continue;
                }
                let polled = match cursor.as_mut() {
                    Some(cursor) => feed.poll(&db, cursor).await,
                    None => newest(&db)
                        .await
                        .map(|n| cursor = Some(FeedCursor::after(n, FEED_GRACE))),
                };
                if let Err(error) = polled {
                    tracing::warn!(?error, "reading new notifications");
                }
            }
        }))
    }

    /// Sends the rows committed since the last poll: those after the newest sent, and any
    /// that filled a gap below it (committed late; see [`FeedCursor`]).
    async fn poll(&self, db: &Db, cursor: &mut FeedCursor) -> ServiceResult<()> {
        let now = std::time::Instant::now();
        let gaps = cursor.gaps();
        let mut rows = Vec::new();
        if !gaps.is_empty() {
            rows = notification::Entity::find()
                .filter(notification::Column::Id.is_in(gaps))
                .order_by_asc(notification::Column::Id)
                .all(db.conn())
                .await
                .during("reading notifications committed late")?;
        }
        rows.extend(
            notification::Entity::find()
                .filter(notification::Column::Id.gt(cursor.newest()))
                .order_by_asc(notification::Column::Id)
                .limit(FEED_BATCH)
                .all(db.conn())
                .await
                .during("reading new notifications")?,
        );
        for row in rows {
            if cursor.take(row.id, now) {
                // No listener left is not an error: the next poll stops.
                let _ = self.sender.send(std::sync::Arc::new(row));
            }
        }
        cursor.settle(now);
        Ok(())
    }
}

/// The newest notification's id (0 when there is none).
async fn newest(db: &Db) -> ServiceResult<i64> {
    let newest: Option<i64> = notification::Entity::find()
        .select_only()
        .column_as(notification::Column::Id.max(), "newest")
        .into_tuple::<Option<i64>>()
        .one(db.conn())
        .await
        .during("reading the newest notification")?
        .flatten();
    Ok(newest.unwrap_or(0))
}
