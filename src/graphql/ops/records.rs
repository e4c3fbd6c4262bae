//! The query root. Resolvers decode arguments, call a service and wrap the rows.

use async_graphql::{Context, InputObject, Object, Result, ID};

use crate::domain::distinct;
use crate::graphql::access::{self, Allow, CASE_READERS, SIGNED_IN};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::enums;
use crate::graphql::error::{for_query, user_error};
use crate::graphql::ids::{self, filter_id, Kind};
use crate::graphql::limits::{max_items, MaxItems};
use crate::graphql::loaders::RequestLoader;
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, page::PageArgs};

#[derive(Default)]
pub struct CoreQuery;

/// Filters of `suggestions`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct SuggestionFilter {
    pub session_id: Option<ID>,
    /// Suggestions assigned to this unit (any role).
    pub unit_id: Option<ID>,
    /// Suggestions led or co-signed by this deputy.
    pub deputy_id: Option<ID>,
    /// Any of these statuses (at most 20 values).
    #[graphql(validator(custom = "MaxItems::new(\"status\", max_items::FILTER_VALUES)"))]
    pub status: Option<Vec<enums::SuggestionStatus>>,
    /// Suggestions with a reply in one of these categories (at most 20 values).
    #[graphql(validator(custom = "MaxItems::new(\"category\", max_items::FILTER_VALUES)"))]
    pub category: Option<Vec<enums::ReplyCategory>>,
    pub is_key: Option<bool>,
    /// Words in the title, number or content, or in a reply the caller may read (full-text:
    /// Chinese by character pairs, 幹部 = 干部; whitespace-separated words must all occur; a
    /// keyword with nothing searchable filters nothing).
    pub keyword: Option<String>,
    pub submitted_from: Option<Date>,
    pub submitted_to: Option<Date>,
}

/// Filters of `assignments`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct AssignmentFilter {
    pub session_id: Option<ID>,
    pub unit_id: Option<ID>,
    pub suggestion_id: Option<ID>,
    /// Any of these roles (at most 20 values).
    #[graphql(validator(custom = "MaxItems::new(\"role\", max_items::FILTER_VALUES)"))]
    pub role: Option<Vec<enums::AssignmentRole>>,
    /// Any of these statuses (at most 20 values).
    #[graphql(validator(custom = "MaxItems::new(\"status\", max_items::FILTER_VALUES)"))]
    pub status: Option<Vec<enums::AssignmentStatus>>,
    /// Due on or after this date.
    pub due_from: Option<Date>,
    /// Due on or before this date.
    pub due_to: Option<Date>,
    /// Any of these deadline statuses as of the query's `asOf` (at most 20 values).
    #[graphql(validator(custom = "MaxItems::new(\"deadlineStatus\", max_items::FILTER_VALUES)"))]
    pub deadline_status: Option<Vec<enums::DeadlineStatus>>,
}

pub(crate) fn keyword(k: Option<&String>) -> Result<Option<String>> {
    match k {
        Some(k) if k.chars().count() > 100 => Err(user_error(crate::domain::UserError::invalid(
            &["filter", "keyword"],
            "关键词不能超过 100 个字符 (keyword at most 100 characters)",
        ))),
        _ => Ok(k.cloned()),
    }
}

fn page_args(first: Option<i32>, after: Option<String>) -> PageArgs {
    PageArgs { first, after }
}

#[Object]
impl CoreQuery {
    /// Fetches any object by its global ID; null when there is none or the caller may
    /// not see it (the two look the same).
    #[graphql(guard = "Allow(SIGNED_IN)")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        node_of(ctx, &id).await
    }

    /// Fetches objects by their global IDs (at most 100), in the order given; null for each
    /// that does not exist or that the caller may not see. Relations of the same kind are
    /// read together, as in a list.
    #[graphql(
        guard = "Allow(SIGNED_IN)",
        complexity = "ids.len().max(1) * child_complexity + 1"
    )]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "对象的 ID，至多 100 个 (the objects' global IDs, at most 100).",
            validator(custom = "MaxItems::new(\"ids\", max_items::NODES)")
        )]
        ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        futures_util::future::try_join_all(ids.iter().map(|id| node_of(ctx, id))).await
    }

    /// Sessions, newest first.
    #[graphql(
        guard = "Allow(SIGNED_IN)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Session>> {
        let db = state(ctx)?.db.clone();
        let page = service::session::list(&db, &page_args(first, after))
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let db = db.clone();
            async move { service::session::count(&db).await }
        });
        Ok(connection(page, total, Session))
    }

    /// Deputies by name; `keyword` matches name or delegation. Phone and address only
    /// show where the caller may see them.
    #[graphql(
        guard = "Allow(SIGNED_IN)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn deputies(
        &self,
        ctx: &Context<'_>,
        keyword: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Deputy>> {
        let db = state(ctx)?.db.clone();
        let keyword = self::keyword(keyword.as_ref())?;
        let page = service::deputy::list(&db, keyword.as_deref(), &page_args(first, after))
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, keyword) = (db.clone(), keyword.clone());
            async move {
                service::page::count(db.conn(), service::deputy::filtered(keyword.as_deref())).await
            }
        });
        Ok(connection(page, total, Deputy))
    }

    /// Handling units by code; `keyword` matches name or code. Units retired by an
    /// institutional reform (机构改革) are left out unless `includeRetired` (they receive no
    /// new assignments, so pickers do not offer them).
    #[graphql(
        guard = "Allow(SIGNED_IN)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn handling_units(
        &self,
        ctx: &Context<'_>,
        keyword: Option<String>,
        #[graphql(default = false)] include_retired: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<HandlingUnit>> {
        let db = state(ctx)?.db.clone();
        let keyword = self::keyword(keyword.as_ref())?;
        let page = service::unit::list(
            &db,
            keyword.as_deref(),
            include_retired,
            &page_args(first, after),
        )
        .await
        .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, keyword) = (db.clone(), keyword.clone());
            async move {
                let units = service::unit::filtered(keyword.as_deref(), include_retired);
                service::page::count(db.conn(), units).await
            }
        });
        Ok(connection(page, total, HandlingUnit))
    }

    /// Suggestions matching `filter`, in `orderBy` order (default: newest registered first):
    /// all for the office, a unit's assigned ones, a deputy's own.
    #[graphql(
        guard = "Allow(CASE_READERS)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn suggestions(
        &self,
        ctx: &Context<'_>,
        filter: Option<SuggestionFilter>,
        order_by: Option<enums::SuggestionOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Suggestion>> {
        let db = state(ctx)?.db.clone();
        let f = filter.unwrap_or_default();
        let scope = access::scope(ctx);
        let filter = service::suggestion::SuggestionFilter {
            scope,
            session_id: filter_id(f.session_id.as_ref(), Kind::Session, "sessionId")?,
            unit_id: filter_id(f.unit_id.as_ref(), Kind::HandlingUnit, "unitId")?,
            deputy_id: filter_id(f.deputy_id.as_ref(), Kind::Deputy, "deputyId")?,
            status: f.status.map(|v| distinct(v.into_iter().map(Into::into))),
            category: f.category.map(|v| distinct(v.into_iter().map(Into::into))),
            is_key: f.is_key,
            keyword: keyword(f.keyword.as_ref())?,
            submitted_from: f.submitted_from.map(|d| d.0),
            submitted_to: f.submitted_to.map(|d| d.0),
            keyword_plan: None,
        };
        service::scope::check_unit_filter(scope, filter.unit_id, &["filter", "unitId"])
            .map_err(|e| for_query(ctx, e))?;
        let filter = service::suggestion::plan(&db, filter)
            .await
            .map_err(|e| for_query(ctx, e))?;
        let order = order_by.map_or(
            service::suggestion::SuggestionOrder::RegisteredDesc,
            Into::into,
        );
        let page = service::suggestion::list(&db, &filter, order, &page_args(first, after))
            .await
            .map_err(|e| for_query(ctx, e))?;
        let rows: Vec<_> = page.rows.iter().map(|(_, row)| row).collect();
        crate::graphql::loaders::prefetch::suggestions(ctx, &rows).await?;
        let total = TotalCount::total(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move { service::suggestion::count(&db, &filter).await }
        });
        Ok(connection(page, total, Suggestion))
    }

    /// One suggestion by ID; null when there is none or the caller may not see it.
    #[graphql(guard = "Allow(CASE_READERS)")]
    async fn suggestion(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Suggestion>> {
        let Ok(key) = ids::expect(&id, Kind::Suggestion, &["id"]) else {
            return Ok(None);
        };
        let loader = ctx.data::<RequestLoader>()?;
        // Read at once (a root field has no siblings to batch with), with its lead deputy.
        let found = loader
            .loader()
            .suggestion_with_lead(key)
            .await
            .map_err(|e| crate::graphql::error::internal(ctx, &e))?;
        let Some((row, lead)) = found else {
            return Ok(None);
        };
        if let Some(lead) = lead {
            loader
                .feed_one(crate::graphql::loaders::DeputyKey(lead.id), lead)
                .await;
        }
        loader
            .feed_one(crate::graphql::loaders::SuggestionKey(row.id), row.clone())
            .await;
        Ok(Some(Suggestion(row)))
    }

    /// One suggestion by its number within a session (e.g. "0255"); null when there is none
    /// or the caller may not see it.
    #[graphql(guard = "Allow(CASE_READERS)")]
    async fn suggestion_by_number(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        number: String,
    ) -> Result<Option<Suggestion>> {
        let Ok(session_id) = ids::expect(&session_id, Kind::Session, &["sessionId"]) else {
            return Ok(None);
        };
        let db = &state(ctx)?.db;
        let found = service::suggestion::by_number(db, access::scope(ctx), session_id, &number)
            .await
            .map_err(|e| for_query(ctx, e))?;
        Ok(found.map(Suggestion))
    }

    /// Assignments matching `filter`, in `orderBy` order (default: due soonest first).
    /// Deadline statuses are as of `asOf` (default today, China time): "what was overdue on
    /// 30 June" is `filter: {deadlineStatus: [OVERDUE]}, asOf: "…-06-30"`. A unit sees its
    /// own assignments, a deputy those of their suggestions.
    #[graphql(
        guard = "Allow(CASE_READERS)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        filter: Option<AssignmentFilter>,
        as_of: Option<Date>,
        order_by: Option<enums::AssignmentOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Assignment>> {
        let db = state(ctx)?.db.clone();
        let f = filter.unwrap_or_default();
        let scope = access::scope(ctx);
        let filter = service::assignment::AssignmentFilter {
            scope,
            session_id: filter_id(f.session_id.as_ref(), Kind::Session, "sessionId")?,
            unit_id: filter_id(f.unit_id.as_ref(), Kind::HandlingUnit, "unitId")?,
            suggestion_id: filter_id(f.suggestion_id.as_ref(), Kind::Suggestion, "suggestionId")?,
            role: f.role.map(|v| distinct(v.into_iter().map(Into::into))),
            status: f.status.map(|v| distinct(v.into_iter().map(Into::into))),
            due_from: f.due_from.map(|d| d.0),
            due_to: f.due_to.map(|d| d.0),
            deadline_status: f
                .deadline_status
                .map(|v| distinct(v.into_iter().map(Into::into))),
            as_of: Some(
                service::deadline::AsOf::on(
                    &db,
                    crate::graphql::objects::as_of_or_today(ctx, as_of)?,
                    state(ctx)?.clock.today(),
                )
                .await
                .map_err(|e| for_query(ctx, e))?,
            ),
        };
        service::scope::check_unit_filter(scope, filter.unit_id, &["filter", "unitId"])
            .map_err(|e| for_query(ctx, e))?;
        let order = order_by.map_or(service::assignment::AssignmentOrder::DueOnAsc, Into::into);
        let page = service::assignment::list(&db, &filter, order, &page_args(first, after))
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, select) = (db.clone(), service::assignment::filtered(&filter));
            async move { service::page::count(db.conn(), select).await }
        });
        Ok(connection(page, total, Assignment))
    }
}

/// The object a global ID names, if the caller may see it (`node` and `nodes`).
async fn node_of(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    use crate::graphql::objects::{
        ExtensionRequest, Filing, Notification, ProgressReport, ReturnRequest,
    };
    // The exact kind: a public view's ID names no staff node.
    let Some((kind, key)) = ids::decode_exact(id.as_str()) else {
        return Ok(None);
    };
    let st = state(ctx)?;
    let scope = access::scope(ctx);
    let found = match kind {
        // An account: its owner's, and the administrators'.
        Kind::User => {
            let me = access::signed_in(ctx)?;
            if me.user_id != key && me.role != crate::domain::access::Role::OfficeAdmin {
                return Ok(None);
            }
            service::account::user(&st.db, key)
                .await
                .map(|u| u.map(|u| Node::User(crate::graphql::objects::User(u))))
        }
        // Feedback, with its sender's details: as `publicFeedback` shows it.
        Kind::PublicFeedback => {
            if !crate::graphql::access::UNIT_WORK.contains(&access::signed_in(ctx)?.role) {
                return Ok(None);
            }
            service::feedback::visible(&st.db, scope, key)
                .await
                .map(|f| {
                    f.map(|f| Node::PublicFeedback(crate::graphql::objects::PublicFeedback(f)))
                })
        }
        Kind::ProgressReport => service::supervision::report(&st.db, scope, key)
            .await
            .map(|r| r.map(|r| Node::ProgressReport(ProgressReport(r)))),
        Kind::Filing => service::filing::get(&st.db, scope, key)
            .await
            .map(|f| f.map(|f| Node::Filing(Filing(f)))),
        Kind::ReturnRequest => service::workflow::return_request(&st.db, scope, key)
            .await
            .map(|r| r.map(|r| Node::ReturnRequest(ReturnRequest(r)))),
        Kind::ExtensionRequest => service::workflow::extension_request(&st.db, scope, key)
            .await
            .map(|r| r.map(|r| Node::ExtensionRequest(ExtensionRequest(r)))),
        // A notification is its recipient's alone.
        Kind::Notification => {
            let user_id = access::signed_in(ctx)?.user_id;
            service::notification::find(&st.db, user_id, key)
                .await
                .map(|n| n.map(|n| Node::Notification(Notification(n))))
        }
        // An attachment is seen by whoever sees its record.
        Kind::Attachment => service::attachment::visible(&st.db, scope, key)
            .await
            .map(|a| a.map(|a| Node::Attachment(crate::graphql::objects::Attachment(a)))),
        _ => return loaded_node(ctx, kind, key).await,
    };
    found.map_err(|e| crate::graphql::error::for_query(ctx, e))
}

/// A node of a kind the request's DataLoader reads (within the caller's scope).
async fn loaded_node(ctx: &Context<'_>, kind: Kind, key: i64) -> Result<Option<Node>> {
    use crate::graphql::loaders::{
        AssignmentKey, DeputyKey, ReplyKey, SessionKey, SuggestionKey, UnitKey,
    };
    let loader = ctx.data::<RequestLoader>()?;
    let loaded = match kind {
        Kind::Session => loader
            .load_one(SessionKey(key))
            .await
            .map(|m| m.map(|m| Node::Session(Session(m)))),
        Kind::Deputy => loader
            .load_one(DeputyKey(key))
            .await
            .map(|m| m.map(|m| Node::Deputy(Deputy(m)))),
        Kind::HandlingUnit => loader
            .load_one(UnitKey(key))
            .await
            .map(|m| m.map(|m| Node::HandlingUnit(HandlingUnit(m)))),
        Kind::Suggestion => loader
            .load_one(SuggestionKey(key))
            .await
            .map(|m| m.map(|m| Node::Suggestion(Suggestion(m)))),
        Kind::Assignment => loader
            .load_one(AssignmentKey(key))
            .await
            .map(|m| m.map(|m| Node::Assignment(Assignment(m)))),
        Kind::Reply => loader
            .load_one(ReplyKey(key))
            .await
            .map(|m| m.map(|m| Node::Reply(Reply(m)))),
        _ => Ok(None),
    };
    loaded.map_err(|e| crate::graphql::error::internal(ctx, &e))
}
