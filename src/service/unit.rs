//! Handling units (承办单位).

use chrono::{DateTime, Utc};
use entity::handling_unit as unit;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    Select,
};

use super::{contains, on_unique, page, DbContext, ServiceError, ServiceResult};
use crate::db::Db;
use crate::domain::error::Errors;
use crate::domain::phone::PhoneNumber;
use crate::domain::text::{self, Lines};
use crate::domain::UserError;

#[derive(Debug, Clone, Default)]
pub struct NewUnit {
    pub name: String,
    pub code: String,
    pub parent_id: Option<i64>,
    pub office_phone: Option<String>,
}

fn name(raw: &str, errors: &mut Errors) -> Option<String> {
    errors.check(text::required(raw, &["input", "name"], 200, Lines::Single))
}

/// An office phone in its one written form; blank is none.
fn office_phone(raw: Option<&str>, errors: &mut Errors) -> Option<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(p) => errors
            .check(PhoneNumber::parse(p, &["input", "officePhone"]))
            .map(|p| Some(p.into_string())),
    }
}

pub async fn create(db: &Db, input: NewUnit, now: DateTime<Utc>) -> ServiceResult<unit::Model> {
    let mut errors = Errors::new();
    let name = name(&input.name, &mut errors);
    let code = errors.check(text::required(
        &input.code,
        &["input", "code"],
        64,
        Lines::Single,
    ));
    if let Some(code) = &code {
        if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(UserError::invalid(
                &["input", "code"],
                "单位代码只能包含字母、数字、- 和 _ (code may contain letters, digits, - and _)",
            ));
        }
    }
    let phone = office_phone(input.office_phone.as_deref(), &mut errors);
    errors.finish()?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    if let Some(parent_id) = input.parent_id {
        if unit::Entity::find_by_id(parent_id)
            .one(&*txn)
            .await
            .during("loading the parent unit")?
            .is_none()
        {
            return Err(
                UserError::missing(&["input", "parentId"], "上级单位", "parent unit").into(),
            );
        }
    }
    let model = unit::ActiveModel {
        name: Set(name.unwrap_or_default()),
        code: Set(code.unwrap_or_default()),
        parent_id: Set(input.parent_id),
        office_phone: Set(phone.flatten()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let saved = model.insert(&*txn).await.map_err(unique_error)?;
    txn.audit_created("HandlingUnit", saved.id);
    txn.commit().await.during("committing a unit")?;
    Ok(saved)
}

fn unique_error(e: sea_orm::DbErr) -> ServiceError {
    let is_code = matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(ref m)) if m.contains("code"));
    if is_code {
        on_unique(
            e,
            &["code"],
            UserError::duplicate(&["input", "code"], "单位代码已被使用 (unit code is taken)"),
            "inserting a unit",
        )
    } else {
        on_unique(
            e,
            &["name"],
            UserError::duplicate(
                &["input", "name"],
                "已有同名单位 (a unit with this name exists)",
            ),
            "inserting a unit",
        )
    }
}

/// A correction of a unit's record: each field given replaces the stored one.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    /// `Some(None)` clears it.
    pub office_phone: Option<Option<String>>,
}

/// Corrects a unit's name or office phone, versioned. The code stays: it is how other
/// systems and the import name the unit. The new name shows wherever the unit does.
pub async fn update(db: &Db, patch: UnitPatch, now: DateTime<Utc>) -> ServiceResult<unit::Model> {
    let mut errors = Errors::new();
    let name = patch.name.as_deref().map(|n| name(n, &mut errors));
    let phone = patch
        .office_phone
        .as_ref()
        .map(|p| office_phone(p.as_deref(), &mut errors));
    errors.finish()?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = unit::Entity::find_by_id(patch.id)
        .one(&*txn)
        .await
        .during("loading the unit")?
        .ok_or_else(|| UserError::missing(&["input", "id"], "单位", "unit"))?;
    super::check_version("单位", patch.expected_version, current.version)?;
    let mut model = <unit::ActiveModel as Default>::default();
    if let Some(name) = name.flatten() {
        model.name = Set(name);
    }
    if let Some(phone) = phone.flatten() {
        model.office_phone = Set(phone);
    }
    let saved = save(&*txn, &current, model, now).await?;
    txn.commit().await.during("committing a unit correction")?;
    Ok(saved)
}

/// Writes `changes` to a unit if nobody changed it since it was read (CONFLICT otherwise),
/// moving its version on; returns the stored row. A taken name is DUPLICATE.
async fn save<C: sea_orm::ConnectionTrait>(
    conn: &C,
    current: &unit::Model,
    mut changes: unit::ActiveModel,
    now: DateTime<Utc>,
) -> ServiceResult<unit::Model> {
    changes.version = Set(current.version + 1);
    changes.updated_at = Set(now);
    let result = unit::Entity::update_many()
        .set(changes)
        .filter(unit::Column::Id.eq(current.id))
        .filter(unit::Column::Version.eq(current.version))
        .exec(conn)
        .await
        .map_err(unique_error)?;
    if result.rows_affected != 1 {
        return Err(super::conflict("单位", &["input", "id"]));
    }
    Ok(unit::Entity::find_by_id(current.id)
        .one(conn)
        .await
        .during("reloading the unit")?
        .ok_or_else(|| anyhow::anyhow!("unit vanished inside its own transaction"))?)
}

/// Units whose name or code contains `keyword`; retired ones (机构改革) only with
/// `include_retired`.
pub fn filtered(keyword: Option<&str>, include_retired: bool) -> Select<unit::Entity> {
    let mut select = unit::Entity::find();
    if !include_retired {
        select = select.filter(unit::Column::RetiredOn.is_null());
    }
    if let Some(keyword) = keyword.map(str::trim).filter(|k| !k.is_empty()) {
        select = select.filter(
            sea_orm::Condition::any()
                .add(contains(unit::Column::Name, keyword))
                .add(contains(unit::Column::Code, keyword)),
        );
    }
    select
}

pub async fn list(
    db: &Db,
    keyword: Option<&str>,
    include_retired: bool,
    args: &page::PageArgs,
) -> ServiceResult<page::Page<unit::Model>> {
    let ordering = page::Ordering {
        name: "CODE_ASC",
        column: Some((unit::Column::Code, page::KeyKind::Text)),
        descending: false,
    };
    page::fetch(
        db.conn(),
        filtered(keyword, include_retired),
        unit::Column::Id,
        ordering,
        args,
        |m| Some(m.code.clone()),
        |m| m.id,
    )
    .await
}

/// Retiring a unit after an institutional reform.
#[derive(Debug, Clone)]
pub struct Retirement {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub retired_on: chrono::NaiveDate,
    pub successor_id: Option<i64>,
}

/// `retireHandlingUnit`: marks a unit dissolved on a day, naming the unit that took its work
/// over. Refused while it still has open assignments (transfer them first), so no case is
/// left with a unit that no longer exists; its answered cases keep its name.
pub async fn retire(
    db: &Db,
    retirement: Retirement,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<unit::Model> {
    use entity::assignment;
    let mut errors = Errors::new();
    if retirement.retired_on > today {
        errors.push(UserError::invalid(
            &["input", "retiredOn"],
            "撤销日期不能晚于今天 (retiredOn must not be in the future)",
        ));
    }
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = unit::Entity::find_by_id(retirement.id)
        .one(&*txn)
        .await
        .during("loading the unit")?
        .ok_or_else(|| UserError::missing(&["input", "id"], "单位", "unit"))?;
    super::check_version("单位", retirement.expected_version, current.version)?;
    if current.retired_on.is_some() {
        errors.push(UserError::invalid_state(
            &["input", "id"],
            "该单位已撤销 (the unit is already retired)",
        ));
    }
    if let Some(successor_id) = retirement.successor_id {
        let successor = unit::Entity::find_by_id(successor_id)
            .one(&*txn)
            .await
            .during("loading the successor")?;
        match successor {
            None => errors.push(UserError::missing(
                &["input", "successorId"],
                "承继单位",
                "successor",
            )),
            Some(s) if s.id == current.id => errors.push(UserError::invalid(
                &["input", "successorId"],
                "承继单位不能是其本身 (a unit cannot succeed itself)",
            )),
            Some(s) if s.retired_on.is_some() => errors.push(UserError::invalid_state(
                &["input", "successorId"],
                "承继单位已撤销 (the successor was retired)",
            )),
            Some(_) => {}
        }
    }
    let mut open = super::calendar::OPEN_STATES.to_vec();
    open.extend(super::assignment::TRANSFERABLE);
    let still_open = assignment::Entity::find()
        .filter(assignment::Column::UnitId.eq(current.id))
        .filter(assignment::Column::Status.is_in(open))
        .count(&*txn)
        .await
        .during("counting the unit's open assignments")?;
    if still_open > 0 {
        errors.push(UserError::invalid_state(
            &["input", "id"],
            format!(
                "该单位还有 {still_open} 件正在办理的交办，请先转交承继单位 (transfer its {still_open} open assignments first)"
            ),
        ));
    }
    errors.finish()?;
    let changes = unit::ActiveModel {
        retired_on: Set(Some(retirement.retired_on)),
        successor_id: Set(retirement.successor_id),
        ..Default::default()
    };
    let saved = save(&*txn, &current, changes, now).await?;
    txn.commit().await.during("committing a unit retirement")?;
    Ok(saved)
}
