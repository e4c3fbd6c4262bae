//! A user's notification settings (`myNotificationSettings`, `updateMyNotificationSettings`):
//! their e-mail and mobile number, and the channels besides the app per kind of notice. Read
//! and changed by the user only; the office sees the contacts through its user list.
//!
//! The office's defaults (`notificationDefaults`, `updateNotificationDefaults`) say, per kind,
//! the channels a user who chose nothing gets, and whether the kind goes to the OA webhook
//! (which no user can opt into or out of).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::notification_defaults as office_row;
use entity::notification_settings as row;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use strum::IntoEnumIterator as _;

use super::{check_version, conflict, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::error::Errors;
use crate::domain::notice::{default_channels, parse_email, Channel, NoticeKind};
use crate::domain::phone::PhoneNumber;
use crate::domain::UserError;

/// The channels of one kind, and whether the user chose them (else the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindChannels {
    pub kind: NoticeKind,
    pub channels: Vec<Channel>,
    pub chosen: bool,
}

/// A user's settings, every kind listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub kinds: Vec<KindChannels>,
    /// 0 until the user first saves settings.
    pub version: i32,
}

/// A change of the settings; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub user_id: i64,
    pub expected_version: Option<i32>,
    pub email: Option<Option<String>>,
    pub mobile: Option<Option<String>>,
    /// The kinds whose channels change, with their new channels (empty: the app only).
    pub kinds: Vec<(NoticeKind, Vec<Channel>)>,
}

/// Channels per kind as stored (JSON: kind name → channel names); unreadable entries drop.
fn channels_map(stored: Option<&serde_json::Value>) -> BTreeMap<String, Vec<Channel>> {
    stored
        .and_then(|v| serde_json::from_value::<BTreeMap<String, Vec<String>>>(v.clone()).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(kind, channels)| {
            let channels = channels.iter().filter_map(|c| Channel::parse(c)).collect();
            (kind, channels)
        })
        .collect()
}

fn chosen_of(stored: Option<&row::Model>) -> BTreeMap<String, Vec<Channel>> {
    channels_map(stored.map(|r| &r.channels))
}

/// The office's defaults per kind, as stored (kinds not named follow `domain::notice`).
#[derive(Debug, Clone, Default)]
pub struct OfficeDefaults {
    chosen: BTreeMap<String, Vec<Channel>>,
    pub version: i32,
}

impl OfficeDefaults {
    pub fn channels(&self, kind: NoticeKind) -> Vec<Channel> {
        self.chosen
            .get(kind.as_str())
            .cloned()
            .unwrap_or_else(|| default_channels(kind).to_vec())
    }

    /// Every kind with its channels, and whether the office chose them.
    pub fn kinds(&self) -> Vec<KindChannels> {
        NoticeKind::iter()
            .map(|kind| KindChannels {
                kind,
                channels: self.channels(kind),
                chosen: self.chosen.contains_key(kind.as_str()),
            })
            .collect()
    }

    /// What a user who chose nothing for `kind` gets (the webhook is not theirs).
    fn personal(&self, kind: NoticeKind) -> Vec<Channel> {
        self.channels(kind)
            .into_iter()
            .filter(|c| c.personal())
            .collect()
    }
}

async fn office_row<C: sea_orm::ConnectionTrait>(
    conn: &C,
) -> ServiceResult<Option<office_row::Model>> {
    office_row::Entity::find_by_id(1)
        .one(conn)
        .await
        .during("loading the office's notification defaults")
}

/// The office's defaults.
pub(crate) async fn office_defaults<C: sea_orm::ConnectionTrait>(
    conn: &C,
) -> ServiceResult<OfficeDefaults> {
    Ok(office_row(conn)
        .await?
        .map_or_else(OfficeDefaults::default, |r| OfficeDefaults {
            chosen: channels_map(Some(&r.channels)),
            version: r.version,
        }))
}

/// The channels besides the app a notice of `kind` goes on to the owner of `stored`: their
/// choice, else the office's defaults; and the OA webhook when the office sends the kind
/// there.
pub(crate) fn channels_for(
    stored: Option<&row::Model>,
    office: &OfficeDefaults,
    kind: NoticeKind,
) -> Vec<Channel> {
    let mut channels: Vec<Channel> = chosen_of(stored)
        .remove(kind.as_str())
        .unwrap_or_else(|| office.personal(kind))
        .into_iter()
        .filter(|c| c.personal())
        .collect();
    if office.channels(kind).contains(&Channel::Webhook) {
        channels.push(Channel::Webhook);
    }
    channels
}

fn settings_of(stored: Option<&row::Model>, office: &OfficeDefaults) -> Settings {
    let chosen = chosen_of(stored);
    let kinds = NoticeKind::iter()
        .map(|kind| match chosen.get(kind.as_str()) {
            Some(channels) => KindChannels {
                kind,
                channels: channels.clone(),
                chosen: true,
            },
            None => KindChannels {
                kind,
                channels: office.personal(kind),
                chosen: false,
            },
        })
        .collect();
    Settings {
        email: stored.and_then(|r| r.email.clone()),
        mobile: stored.and_then(|r| r.mobile.clone()),
        kinds,
        version: stored.map_or(0, |r| r.version),
    }
}

async fn stored<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> ServiceResult<Option<row::Model>> {
    row::Entity::find()
        .filter(row::Column::UserId.eq(user_id))
        .one(conn)
        .await
        .during("loading notification settings")
}

/// The user's settings (the defaults until they save their own).
pub async fn get(db: &Db, user_id: i64) -> ServiceResult<Settings> {
    let office = office_defaults(db.conn()).await?;
    Ok(settings_of(
        stored(db.conn(), user_id).await?.as_ref(),
        &office,
    ))
}

/// Changes the user's settings, with a version check. A channel needs its contact: SMS a
/// mobile number, e-mail an address.
pub async fn update(db: &Db, patch: SettingsPatch, now: DateTime<Utc>) -> ServiceResult<Settings> {
    let mut errors = Errors::new();
    let (email, mobile) = checked_contacts(&patch, &mut errors);
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = stored(&*txn, patch.user_id).await?;
    let version = current.as_ref().map_or(0, |r| r.version);
    check_version("通知设置", patch.expected_version, version)?;
    let email = email.unwrap_or_else(|| current.as_ref().and_then(|r| r.email.clone()));
    let mobile = mobile.unwrap_or_else(|| current.as_ref().and_then(|r| r.mobile.clone()));
    let mut chosen = chosen_of(current.as_ref());
    for (i, (kind, channels)) in patch.kinds.iter().enumerate() {
        let index = i.to_string();
        let field = ["input", "kinds", index.as_str(), "channels"];
        let mut channels = channels.clone();
        channels.sort();
        channels.dedup();
        if channels.contains(&Channel::Sms) && mobile.is_none() {
            errors.push(UserError::invalid(
                &field,
                "选择短信须先填写手机号码 (SMS needs a mobile number)",
            ));
        }
        if channels.iter().any(|c| !c.personal()) {
            errors.push(UserError::invalid(
                &field,
                "OA 推送由办公室统一设置 (the OA webhook is set by the office)",
            ));
        }
        if channels.contains(&Channel::Email) && email.is_none() {
            errors.push(UserError::invalid(
                &field,
                "选择电子邮件须先填写邮箱 (e-mail needs an address)",
            ));
        }
        chosen.insert(kind.as_str().to_owned(), channels);
    }
    errors.finish()?;
    let json: BTreeMap<&str, Vec<&str>> = chosen
        .iter()
        .map(|(k, cs)| (k.as_str(), cs.iter().map(|c| c.as_str()).collect()))
        .collect();
    let model = row::ActiveModel {
        user_id: Set(patch.user_id),
        email: Set(email),
        mobile: Set(mobile),
        channels: Set(serde_json::to_value(json).map_err(anyhow::Error::from)?),
        version: Set(version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    save(&txn, current.as_ref(), model).await?;
    let saved = stored(&*txn, patch.user_id).await?;
    let office = office_defaults(&*txn).await?;
    txn.commit()
        .await
        .during("committing notification settings")?;
    Ok(settings_of(saved.as_ref(), &office))
}

/// The patch's contacts, checked (`None`: keep; `Some(None)`: clear; blank clears too).
fn checked_contacts(
    patch: &SettingsPatch,
    errors: &mut Errors,
) -> (Option<Option<String>>, Option<Option<String>>) {
    let email = patch.email.clone().map(|e| {
        e.filter(|e| !e.trim().is_empty())
            .and_then(|e| errors.check(parse_email(&e, &["input", "email"])))
    });
    let mobile = patch.mobile.clone().map(|m| {
        m.filter(|m| !m.trim().is_empty())
            .and_then(|m| errors.check(parse_mobile(&m, &["input", "mobile"])))
    });
    (email, mobile)
}

/// Inserts the first settings of a user, or updates theirs at the version read.
async fn save(
    txn: &crate::db::WriteTxn,
    current: Option<&row::Model>,
    model: row::ActiveModel,
) -> ServiceResult<()> {
    let taken = || {
        UserError::conflict(
            &["input", "expectedVersion"],
            "通知设置已被修改，请刷新后重试 (the settings changed; reload and retry)",
        )
    };
    let Some(current) = current else {
        model.insert(&**txn).await.map_err(|e| {
            super::on_unique(
                e,
                &["notification_settings.user_id", "user_id"],
                taken(),
                "saving notification settings",
            )
        })?;
        return Ok(());
    };
    let result = row::Entity::update_many()
        .set(model)
        .filter(row::Column::Id.eq(current.id))
        .filter(row::Column::Version.eq(current.version))
        .exec(&**txn)
        .await
        .during("saving notification settings")?;
    if result.rows_affected != 1 {
        return Err(conflict("通知设置", &["input", "expectedVersion"]));
    }
    Ok(())
}

/// The office's defaults (banli's own until the office saves some).
pub async fn defaults(db: &Db) -> ServiceResult<OfficeDefaults> {
    office_defaults(db.conn()).await
}

/// Changes the office's defaults of the kinds named, with a version check (CONFLICT at
/// `input.expectedVersion`).
pub async fn update_defaults(
    db: &Db,
    expected_version: Option<i32>,
    kinds: &[(NoticeKind, Vec<Channel>)],
    now: DateTime<Utc>,
) -> ServiceResult<OfficeDefaults> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = office_row(&*txn).await?;
    let version = current.as_ref().map_or(0, |r| r.version);
    check_version("通知默认设置", expected_version, version)?;
    let mut chosen = channels_map(current.as_ref().map(|r| &r.channels));
    for (kind, channels) in kinds {
        let mut channels = channels.clone();
        channels.sort();
        channels.dedup();
        chosen.insert(kind.as_str().to_owned(), channels);
    }
    let json: BTreeMap<&str, Vec<&str>> = chosen
        .iter()
        .map(|(k, cs)| (k.as_str(), cs.iter().map(|c| c.as_str()).collect()))
        .collect();
    let model = office_row::ActiveModel {
        id: Set(1),
        channels: Set(serde_json::to_value(json).map_err(anyhow::Error::from)?),
        version: Set(version + 1),
        updated_at: Set(now),
    };
    let stale = || conflict("通知默认设置", &["input", "expectedVersion"]);
    match current {
        None => {
            model
                .insert(&*txn)
                .await
                .map_err(|e| {
                    super::on_unique(
                        e,
                        &["notification_defaults"],
                        UserError::conflict(
                            &["input", "expectedVersion"],
                            "通知默认设置已被他人修改，请刷新后重试 (changed by someone else; reload and retry)",
                        ),
                        "saving the office's notification defaults",
                    )
                })?;
        }
        Some(current) => {
            let result = office_row::Entity::update_many()
                .set(model)
                .filter(office_row::Column::Id.eq(1))
                .filter(office_row::Column::Version.eq(current.version))
                .exec(&*txn)
                .await
                .during("saving the office's notification defaults")?;
            if result.rows_affected != 1 {
                return Err(stale());
            }
        }
    }
    let saved = office_defaults(&*txn).await?;
    txn.commit()
        .await
        .during("committing the office's notification defaults")?;
    Ok(saved)
}

/// A Chinese mobile number (11 digits from 1), for SMS.
fn parse_mobile(value: &str, field: &[&str]) -> Result<String, UserError> {
    let phone = PhoneNumber::parse(value, field)?.into_string();
    if phone.len() == 11 && phone.starts_with('1') && phone.chars().all(|c| c.is_ascii_digit()) {
        Ok(phone)
    } else {
        Err(UserError::invalid(
            field,
            "短信须发往手机号码，例如 13812345678 (SMS needs a mobile number)",
        ))
    }
}
