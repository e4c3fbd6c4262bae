//! Deputies (代表) and CPPCC members (委员).

use chrono::{DateTime, Utc};
use entity::deputy;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, Select};

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

fn name(raw: &str, errors: &mut Errors) -> Option<String> {
    errors.check(text::required(raw, &["input", "name"], 100, Lines::Single))
}

fn delegation(raw: Option<&str>, errors: &mut Errors) -> Option<Option<String>> {
    errors.check(text::optional(
        raw,
        &["input", "delegation"],
        100,
        Lines::Single,
    ))
}

/// A phone number in its one written form; blank is none.
fn phone(raw: Option<&str>, errors: &mut Errors) -> Option<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(p) => errors
            .check(PhoneNumber::parse(p, &["input", "phone"]))
            .map(|p| Some(p.into_string())),
    }
}

fn address(raw: Option<&str>, errors: &mut Errors) -> Option<Option<String>> {
    errors.check(text::optional(
        raw,
        &["input", "address"],
        300,
        Lines::Single,
    ))
}

pub async fn create(db: &Db, input: NewDeputy, now: DateTime<Utc>) -> ServiceResult<deputy::Model> {
    let mut errors = Errors::new();
    let name = name(&input.name, &mut errors);
    let delegation = delegation(input.delegation.as_deref(), &mut errors);
    let phone = phone(input.phone.as_deref(), &mut errors);
    let address = address(input.address.as_deref(), &mut errors);
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
    txn.audit_created("Deputy", saved.id);
    txn.commit().await.during("committing a deputy")?;
    Ok(saved)
}

/// A correction of a deputy's record: each field given replaces the stored one (`Some(None)`
/// clears an optional field).
#[derive(Debug, Clone, Default)]
pub struct DeputyPatch {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    pub delegation: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
}

/// Corrects a deputy's record (name, delegation, phone, address), versioned. Published
/// replies keep the texts they were published with: a new phone number is withheld from
/// what is published from now on.
pub async fn update(
    db: &Db,
    patch: DeputyPatch,
    now: DateTime<Utc>,
) -> ServiceResult<deputy::Model> {
    let mut errors = Errors::new();
    let name = patch.name.as_deref().map(|n| name(n, &mut errors));
    let delegation = patch
        .delegation
        .as_ref()
        .map(|d| delegation(d.as_deref(), &mut errors));
    let phone = patch
        .phone
        .as_ref()
        .map(|p| phone(p.as_deref(), &mut errors));
    let address = patch
        .address
        .as_ref()
        .map(|a| address(a.as_deref(), &mut errors));
    errors.finish()?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = deputy::Entity::find_by_id(patch.id)
        .one(&*txn)
        .await
        .during("loading the deputy")?
        .ok_or_else(|| crate::domain::UserError::missing(&["input", "id"], "代表", "deputy"))?;
    super::check_version("代表", patch.expected_version, current.version)?;
    let mut model = deputy::ActiveModel {
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = name.flatten() {
        model.name = Set(name);
    }
    if let Some(delegation) = delegation.flatten() {
        model.delegation = Set(delegation);
    }
    if let Some(phone) = phone.flatten() {
        model.phone = Set(phone);
    }
    if let Some(address) = address.flatten() {
        model.address = Set(address);
    }
    let result = deputy::Entity::update_many()
        .set(model)
        .filter(deputy::Column::Id.eq(current.id))
        .filter(deputy::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("correcting a deputy")?;
    if result.rows_affected != 1 {
        return Err(super::conflict("代表", &["input", "id"]));
    }
    let saved = deputy::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading the deputy")?
        .ok_or_else(|| anyhow::anyhow!("deputy vanished inside its own transaction"))?;
    txn.commit()
        .await
        .during("committing a deputy correction")?;
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
