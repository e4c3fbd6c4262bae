//! Handling units (承办单位).

use chrono::{DateTime, Utc};
use entity::handling_unit as unit;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter, Select};

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

pub async fn create(db: &Db, input: NewUnit, now: DateTime<Utc>) -> ServiceResult<unit::Model> {
    let mut errors = Errors::new();
    let name = errors.check(text::required(
        &input.name,
        &["input", "name"],
        200,
        Lines::Single,
    ));
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
    let phone = match input.office_phone.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(p) => errors
            .check(PhoneNumber::parse(p, &["input", "officePhone"]))
            .map(|p| Some(p.into_string())),
    };
    errors.finish()?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    if let Some(parent_id) = input.parent_id {
        if unit::Entity::find_by_id(parent_id)
            .one(&*txn)
            .await
            .during("loading the parent unit")?
            .is_none()
        {
            return Err(UserError::not_found(
                &["input", "parentId"],
                "上级单位不存在 (parent unit not found)",
            )
            .into());
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
    super::audit::created("HandlingUnit", saved.id);
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

pub fn filtered(keyword: Option<&str>) -> Select<unit::Entity> {
    let mut select = unit::Entity::find();
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
    args: &page::PageArgs,
) -> ServiceResult<page::Page<unit::Model>> {
    let ordering = page::Ordering {
        name: "CODE_ASC",
        column: Some((unit::Column::Code, page::KeyKind::Text)),
        descending: false,
    };
    page::fetch(
        db.conn(),
        filtered(keyword),
        unit::Column::Id,
        ordering,
        args,
        |m| Some(m.code.clone()),
        |m| m.id,
    )
    .await
}
