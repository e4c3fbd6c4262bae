//! Sessions (会议) and the rules in force for them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::SessionLevel;
use entity::session;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::Deserialize as _;

use super::{on_unique, page, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::category::{CategoryScheme, SchemePreset};
use crate::domain::deadline::DeadlineRules;
use crate::domain::error::Errors;
use crate::domain::text::{self, Lines};
use crate::domain::UserError;

#[derive(Debug, Clone)]
pub struct NewSession {
    pub name: String,
    pub level: SessionLevel,
    pub term: i32,
    pub meeting: i32,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub category_scheme: SchemePreset,
    pub deadline_rules: Option<DeadlineRules>,
}

/// The deadline rules stored with a session (defaults for anything missing).
pub fn rules_of(session: &session::Model) -> DeadlineRules {
    serde_json::from_value(session.deadline_rules.clone()).unwrap_or_default()
}

/// The category scheme stored with a session (three classes if unreadable).
pub fn scheme_of(session: &session::Model) -> CategoryScheme {
    scheme_from_json(&session.category_scheme)
}

/// A category scheme as stored in `session.category_scheme` (three classes if unreadable).
pub fn scheme_from_json(stored: &serde_json::Value) -> CategoryScheme {
    CategoryScheme::deserialize(stored)
        .unwrap_or_else(|_| CategoryScheme::preset(SchemePreset::ThreeClass))
}

pub async fn create(
    db: &Db,
    input: NewSession,
    now: DateTime<Utc>,
) -> ServiceResult<session::Model> {
    let mut errors = Errors::new();
    let name = errors.check(text::required(
        &input.name,
        &["input", "name"],
        200,
        Lines::Single,
    ));
    for (field, value) in [("term", input.term), ("meeting", input.meeting)] {
        if !(1..=99).contains(&value) {
            errors.push(UserError::invalid(
                &["input", field],
                "须为 1 至 99 (must be 1–99)",
            ));
        }
    }
    if let (Some(opens), Some(closes)) = (input.opens_on, input.closes_on) {
        if closes < opens {
            errors.push(UserError::invalid(
                &["input", "closesOn"],
                "闭幕日期不能早于开幕日期 (closesOn must not precede opensOn)",
            ));
        }
    }
    let rules = input.deadline_rules.unwrap_or_default();
    if let Err(rule_errors) = rules.validate() {
        for e in rule_errors {
            errors.push(e.under(&["input", "deadlineRules"]));
        }
    }
    errors.finish()?;
    let name = name.unwrap_or_default();
    let scheme = CategoryScheme::preset(input.category_scheme);
    let model = session::ActiveModel {
        name: Set(name),
        level: Set(input.level),
        term: Set(input.term),
        meeting: Set(input.meeting),
        opens_on: Set(input.opens_on),
        closes_on: Set(input.closes_on),
        category_scheme: Set(serde_json::to_value(&scheme).map_err(anyhow::Error::from)?),
        deadline_rules: Set(serde_json::to_value(rules).map_err(anyhow::Error::from)?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = model.insert(&*txn).await.map_err(|e| {
        on_unique(
            e,
            &["session.name", "session_name_key"],
            UserError::duplicate(
                &["input", "name"],
                "已有同名会议 (a session with this name exists)",
            ),
            "inserting a session",
        )
    })?;
    super::audit::created("Session", saved.id);
    txn.commit().await.during("committing a session")?;
    Ok(saved)
}

pub async fn list(db: &Db, args: &page::PageArgs) -> ServiceResult<page::Page<session::Model>> {
    let ordering = page::Ordering {
        name: "ID_DESC",
        column: None,
        descending: true,
    };
    page::fetch(
        db.conn(),
        session::Entity::find(),
        session::Column::Id,
        ordering,
        args,
        |_| None,
        |m| m.id,
    )
    .await
}
