//! Deputies (代表) and CPPCC members (委员).

use chrono::{DateTime, Utc};
use entity::deputy;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter, Select};

use super::{contains, page, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::error::Errors;
use crate::domain::phone::PhoneNumber;
use crate::domain::text::{self, Lines};

#[derive(Debug, Clone, Default)]
pub struct NewDeputy {
    pub name: String,
    pub delegation: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

pub async fn create(db: &Db, input: NewDeputy, now: DateTime<Utc>) -> ServiceResult<deputy::Model> {
    let mut errors = Errors::new();
    let name = errors.check(text::required(
        &input.name,
        &["input", "name"],
        100,
        Lines::Single,
    ));
    let delegation = errors.check(text::optional(
        input.delegation.as_deref(),
        &["input", "delegation"],
        100,
        Lines::Single,
    ));
    let phone = match input.phone.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(p) => errors
            .check(PhoneNumber::parse(p, &["input", "phone"]))
            .map(|p| Some(p.into_string())),
    };
    let address = errors.check(text::optional(
        input.address.as_deref(),
        &["input", "address"],
        300,
        Lines::Single,
    ));
    errors.finish()?;
    let model = deputy::ActiveModel {
        name: Set(name.unwrap_or_default()),
        delegation: Set(delegation.flatten()),
        phone: Set(phone.flatten()),
        address: Set(address.flatten()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = model.insert(&*txn).await.during("inserting a deputy")?;
    super::audit::created("Deputy", saved.id);
    txn.commit().await.during("committing a deputy")?;
    Ok(saved)
}

/// Deputies whose name or delegation contains `keyword`.
pub fn filtered(keyword: Option<&str>) -> Select<deputy::Entity> {
    let mut select = deputy::Entity::find();
    if let Some(keyword) = keyword.map(str::trim).filter(|k| !k.is_empty()) {
        select = select.filter(
            sea_orm::Condition::any()
                .add(contains(deputy::Column::Name, keyword))
                .add(contains(deputy::Column::Delegation, keyword)),
        );
    }
    select
}

pub async fn list(
    db: &Db,
    keyword: Option<&str>,
    args: &page::PageArgs,
) -> ServiceResult<page::Page<deputy::Model>> {
    let ordering = page::Ordering {
        name: "NAME_ASC",
        column: Some((deputy::Column::Name, page::KeyKind::Text)),
        descending: false,
    };
    page::fetch(
        db.conn(),
        filtered(keyword),
        deputy::Column::Id,
        ordering,
        args,
        |m| Some(m.name.clone()),
        |m| m.id,
    )
    .await
}
