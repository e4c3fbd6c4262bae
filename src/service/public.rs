//! Published replies as the public sees them (DOMAIN §7): one joined query per page that
//! reads only public columns — the text fixed at publication, never the body, the
//! deputies' contact details or anything of an unpublished or confidential case.
//!
//! This is banli's hottest path (anonymous readers of the public pages): a page is one
//! statement over the `idx_reply_published` index, plus one count only when asked.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{Publication, ReplyCategory, SuggestionKind};
use entity::{assignment, deputy, handling_unit, reply, session, suggestion};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, RelationTrait, Select,
};

use super::page::{self, instant_key, KeyKind, Ordering, Page, PageArgs};
use super::search::{Index, KeywordPlan};
use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::sample::Total;
use crate::domain::search::SearchQuery;
use crate::domain::time::start_of_day;

/// One published reply with what the public page shows of its case.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PublishedReplyRow {
    pub id: i64,
    pub round: i32,
    pub addressee: Option<String>,
    pub category: ReplyCategory,
    pub publication: Publication,
    pub public_text: Option<String>,
    pub public_suggestion_text: Option<String>,
    pub replied_on: NaiveDate,
    pub contact_name: String,
    pub contact_phone: String,
    pub published_at: Option<DateTime<Utc>>,
    pub number: String,
    pub title: String,
    pub kind: SuggestionKind,
    pub session_id: i64,
    pub session_name: String,
    pub category_scheme: serde_json::Value,
    pub unit_id: i64,
    pub unit_name: String,
    pub deputy_name: String,
}

/// What a public list may be narrowed by.
#[derive(Debug, Clone, Default)]
pub struct PublishedFilter {
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub category: Option<ReplyCategory>,
    /// Words in the suggestion's title, the published reply text or the published
    /// suggestion text.
    pub keyword: Option<String>,
    /// Published on or after this date (Asia/Shanghai).
    pub published_from: Option<NaiveDate>,
    /// Published on or before this date (Asia/Shanghai).
    pub published_to: Option<NaiveDate>,
}

/// Orders of the public list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PublishedOrder {
    #[default]
    PublishedAtDesc,
    PublishedAtAsc,
}

impl PublishedOrder {
    fn ordering(self) -> Ordering<reply::Column> {
        Ordering {
            name: match self {
                Self::PublishedAtDesc => "PUBLISHED_AT_DESC",
                Self::PublishedAtAsc => "PUBLISHED_AT_ASC",
            },
            column: Some((reply::Column::PublishedAt, KeyKind::Instant)),
            descending: self == Self::PublishedAtDesc,
        }
    }
}

/// Published replies of cases that may be public, with every column the public sees.
fn published() -> Select<reply::Entity> {
    columns().filter(public_only())
}

/// The columns and joins of a published reply, without the condition.
fn columns() -> Select<reply::Entity> {
    reply::Entity::find()
        .select_only()
        .columns([
            reply::Column::Id,
            reply::Column::Round,
            reply::Column::Addressee,
            reply::Column::Category,
            reply::Column::Publication,
            reply::Column::PublicText,
            reply::Column::PublicSuggestionText,
            reply::Column::RepliedOn,
            reply::Column::ContactName,
            reply::Column::ContactPhone,
            reply::Column::PublishedAt,
        ])
        .column(suggestion::Column::Number)
        .column(suggestion::Column::Title)
        .column(suggestion::Column::Kind)
        .column(suggestion::Column::SessionId)
        .column_as(session::Column::Name, "session_name")
        .column(session::Column::CategoryScheme)
        .column_as(assignment::Column::UnitId, "unit_id")
        .column_as(handling_unit::Column::Name, "unit_name")
        .column_as(deputy::Column::Name, "deputy_name")
        .join(JoinType::InnerJoin, reply::Relation::Assignment.def())
        .join(JoinType::InnerJoin, assignment::Relation::Suggestion.def())
        .join(JoinType::InnerJoin, assignment::Relation::Unit.def())
        .join(JoinType::InnerJoin, suggestion::Relation::Session.def())
        .join(JoinType::InnerJoin, suggestion::Relation::LeadDeputy.def())
}

/// The condition every public row meets: published, and not of a confidential case
/// (publication refuses those; this holds even if a case is marked confidential later).
pub(crate) fn public_only() -> Condition {
    Condition::all()
        .add(reply::Column::PublishedAt.is_not_null())
        .add(reply::Column::Publication.ne(Publication::None))
        .add(suggestion::Column::Confidential.eq(false))
}

/// [`public_only`] for a list, whose rows the publication index orders. On SQLite the
/// confidentiality test is written `+confidential = ?`: as a plain equality, SQLite 3.51's
/// planner took it for a selective filter once it saw the bound value, scanned every
/// suggestion and sorted all published replies for each page (1.6 s at 1m assignments,
/// instead of 1 ms walking `idx_reply_published`). The unary `+` leaves it a
/// check on the rows the index walk reaches.
fn public_only_for_list(backend: DbBackend) -> Condition {
    if backend != DbBackend::Sqlite {
        return public_only();
    }
    Condition::all()
        .add(reply::Column::PublishedAt.is_not_null())
        .add(reply::Column::Publication.ne(Publication::None))
        .add(Expr::cust_with_values(
            r#"+"suggestion"."confidential" = ?"#,
            [false],
        ))
}

/// A filter with its keyword looked up, once for a page and its count.
#[derive(Debug, Clone)]
pub struct Planned {
    filter: PublishedFilter,
    keyword: Option<KeywordPlan>,
}

/// Looks the filter's keyword up (one statement, only when it has a searchable keyword).
pub async fn plan(db: &Db, filter: PublishedFilter) -> ServiceResult<Planned> {
    let keyword = match filter.keyword.as_deref().and_then(SearchQuery::parse) {
        Some(query) => Some(KeywordPlan::for_query(db.conn(), Index::Public, query).await?),
        None => None,
    };
    Ok(Planned { filter, keyword })
}

fn filtered(backend: DbBackend, planned: &Planned) -> Select<reply::Entity> {
    let filter = &planned.filter;
    let mut select = columns().filter(public_only_for_list(backend));
    if let Some(session_id) = filter.session_id {
        select = select.filter(suggestion::Column::SessionId.eq(session_id));
    }
    if let Some(unit_id) = filter.unit_id {
        select = select.filter(reply::Column::UnitId.eq(unit_id));
    }
    if let Some(category) = filter.category {
        select = select.filter(reply::Column::Category.eq(category));
    }
    if let Some(plan) = &planned.keyword {
        select = select.filter(plan.condition(backend, Index::Public, r#""reply"."id""#));
    }
    if let Some(from) = filter.published_from {
        select = select.filter(reply::Column::PublishedAt.gte(start_of_day(from)));
    }
    if let Some(next) = filter.published_to.and_then(|to| to.succ_opt()) {
        select = select.filter(reply::Column::PublishedAt.lt(start_of_day(next)));
    }
    select
}

/// A page of published replies.
pub async fn list(
    db: &Db,
    filter: &Planned,
    order: PublishedOrder,
    args: &PageArgs,
) -> ServiceResult<Page<PublishedReplyRow>> {
    page::fetch_as(
        db.conn(),
        filtered(db.backend(), filter),
        reply::Column::Id,
        order.ordering(),
        args,
        |row: &PublishedReplyRow| row.published_at.map(instant_key),
        |row: &PublishedReplyRow| row.id,
    )
    .await
}

/// How many published replies match `filter`.
pub async fn count(db: &Db, filter: &Planned) -> ServiceResult<Total> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let backend = db.backend();
    // SQLite counts exactly: it would run the sample's check of a common word again for
    // each sampled row (see `suggestion::count`).
    if let (Some(KeywordPlan::Probe(query)), DbBackend::Postgres) = (&filter.keyword, backend) {
        // A word in most texts: counted from a sample (an exact count reads every match).
        // PostgreSQL checks each sampled row by its primary key (`row_matches`), where an
        // `IN` would read every match first.
        let id = r#""reply"."id""#;
        let matches = super::search::row_matches(backend, Index::Public, id, query);
        let others = Planned {
            filter: filter.filter.clone(),
            keyword: None,
        };
        return page::count_sampled(
            db.conn(),
            filtered(backend, &others),
            Expr::col((reply::Entity, reply::Column::Id)),
            sea_orm::Condition::all().add(matches),
        )
        .await;
    }
    let found = filtered(backend, filter)
        .select_only()
        .column_as(Expr::col((reply::Entity, reply::Column::Id)).count(), "n")
        .into_model::<Count>()
        .one(db.conn())
        .await
        .during("counting published replies")?;
    Ok(Total::exact(
        found.map_or(0, |c| u64::try_from(c.n).unwrap_or(0)),
    ))
}

/// One published reply, or `None` when there is none with this id that the public may see.
pub async fn get(db: &Db, reply_id: i64) -> ServiceResult<Option<PublishedReplyRow>> {
    published()
        .filter(reply::Column::Id.eq(reply_id))
        .into_model::<PublishedReplyRow>()
        .one(db.conn())
        .await
        .during("loading a published reply")
}
