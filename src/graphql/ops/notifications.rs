//! Notifications (通知) over GraphQL: the signed-in user's own notices, their unread count,
//! and marking them read; thin resolvers over `service::notification`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, Subscription, ID};

use super::payload;
use crate::domain::UserError;
use crate::graphql::access::{self, Allow, ADMIN, OFFICE, SIGNED_IN};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::error::{for_payload, for_query};
use crate::graphql::ids::{self, Kind};
use crate::graphql::limits::{max_items, MaxItems};
use crate::graphql::objects::{
    Notification, NotificationChannel, NotificationDefaults, NotificationKind, NotificationSettings,
};
use crate::graphql::state;
use crate::service::{self, page::PageArgs};

#[derive(InputObject, Default)]
pub struct NotificationFilter {
    /// Only those not read yet.
    pub unread: Option<bool>,
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The signed-in user's notifications, newest first.
    #[graphql(
        guard = "Allow(SIGNED_IN)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        filter: Option<NotificationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Notification>> {
        let user_id = access::signed_in(ctx)?.user_id;
        let db = state(ctx)?.db.clone();
        let unread = filter.and_then(|f| f.unread).unwrap_or(false);
        let page = service::notification::list(&db, user_id, unread, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let db = db.clone();
            async move { service::notification::count(&db, user_id, unread).await }
        });
        Ok(connection(page, total, Notification))
    }

    /// How many of the signed-in user's notifications are unread.
    #[graphql(guard = "Allow(SIGNED_IN)")]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let user_id = access::signed_in(ctx)?.user_id;
        let st = state(ctx)?;
        service::notification::count(&st.db, user_id, true)
            .await
            .map_err(|e| for_query(ctx, e))
    }
}

#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// These notifications (at most 100; others' IDs are ignored, as missing).
    #[graphql(validator(custom = "MaxItems::new(\"ids\", max_items::NOTIFICATIONS)"))]
    pub ids: Option<Vec<ID>>,
    /// All of the signed-in user's notifications.
    pub all: Option<bool>,
}

payload!(MarkNotificationsReadPayload {
    /// How many were marked read now (already read ones keep their time).
    marked: u64,
    /// How many are still unread.
    unread_count: u64,
});

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks the signed-in user's notifications read: those of `ids`, or `all`.
    #[graphql(guard = "Allow(SIGNED_IN)")]
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> Result<MarkNotificationsReadPayload> {
        let user_id = access::signed_in(ctx)?.user_id;
        let st = state(ctx)?;
        let result = async {
            let ids = match (input.ids, input.all.unwrap_or(false)) {
                (None, true) => None,
                (Some(ids), false) => Some(
                    ids.iter()
                        .enumerate()
                        .map(|(i, id)| {
                            let index = i.to_string();
                            ids::expect(id, Kind::Notification, &["input", "ids", &index])
                        })
                        .collect::<Result<Vec<i64>, UserError>>()?,
                ),
                _ => {
                    return Err(UserError::invalid(
                        &["input", "ids"],
                        "请给出 ids 或 all: true 之一 (give either ids or all: true)",
                    )
                    .into())
                }
            };
            let now = st.clock.now();
            let marked =
                service::notification::mark_read(&st.db, user_id, ids.as_deref(), now).await?;
            let unread = service::notification::count(&st.db, user_id, true).await?;
            Ok((marked, unread))
        }
        .await;
        let (counts, user_errors) = for_payload(ctx, result)?;
        let (marked, unread_count) = counts.unwrap_or_default();
        Ok(MarkNotificationsReadPayload {
            marked,
            unread_count,
            user_errors,
        })
    }
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription(name = "SubscriptionRoot")]
impl NotificationSubscription {
    /// 实时通知: each notification of the signed-in user as it is committed, over WebSocket
    /// on `/graphql` (`graphql-transport-ws`, or the older `graphql-ws`), signed in with
    /// `{"Authorization": "Bearer <token>"}` in `connection_init`. Only the user's own.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl futures_util::Stream<Item = Notification>> {
        let user_id = access::signed_in(ctx)?.user_id;
        let feed = ctx.data::<std::sync::Arc<service::notification::Feed>>()?;
        let receiver = feed.subscribe();
        Ok(futures_util::stream::unfold(
            receiver,
            move |mut receiver| async move {
                use tokio::sync::broadcast::error::RecvError;
                loop {
                    match receiver.recv().await {
                        Ok(row) if row.recipient_user_id == user_id => {
                            return Some((Notification((*row).clone()), receiver))
                        }
                        Ok(_) | Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}

#[derive(Default)]
pub struct NotificationSettingsQuery;

#[Object]
impl NotificationSettingsQuery {
    /// The signed-in user's notification settings: contacts and channels per kind.
    #[graphql(guard = "Allow(SIGNED_IN)")]
    async fn my_notification_settings(&self, ctx: &Context<'_>) -> Result<NotificationSettings> {
        let user_id = access::signed_in(ctx)?.user_id;
        let st = state(ctx)?;
        service::notification_settings::get(&st.db, user_id)
            .await
            .map(Into::into)
            .map_err(|e| for_query(ctx, e))
    }

    /// The office's defaults per kind of notice (what users who chose nothing get, and which
    /// kinds go to the OA webhook).
    #[graphql(guard = "Allow(OFFICE)")]
    async fn notification_defaults(&self, ctx: &Context<'_>) -> Result<NotificationDefaults> {
        let st = state(ctx)?;
        service::notification_settings::defaults(&st.db)
            .await
            .map(Into::into)
            .map_err(|e| for_query(ctx, e))
    }
}

#[derive(InputObject)]
pub struct KindChannelsInput {
    pub kind: NotificationKind,
    /// Besides the app (at most 20 values; empty: the app only); SMS needs a mobile number,
    /// e-mail an address.
    #[graphql(validator(custom = "MaxItems::new(\"channels\", max_items::FILTER_VALUES)"))]
    pub channels: Vec<NotificationChannel>,
}

#[derive(InputObject)]
pub struct UpdateMyNotificationSettingsInput {
    /// The `version` read; a stale one is CONFLICT.
    pub expected_version: Option<i32>,
    /// A new address; null clears it, absent keeps it.
    pub email: MaybeUndefined<String>,
    /// A new mobile number (11 digits from 1); null clears it, absent keeps it.
    pub mobile: MaybeUndefined<String>,
    /// The kinds whose channels change (at most 40 entries; the last entry of a kind wins).
    #[graphql(validator(custom = "MaxItems::new(\"kinds\", max_items::NOTICE_KINDS)"))]
    pub kinds: Option<Vec<KindChannelsInput>>,
}

payload!(UpdateMyNotificationSettingsPayload {
    settings: Option<NotificationSettings>,
});

#[derive(Default)]
pub struct NotificationSettingsMutation;

#[Object]
impl NotificationSettingsMutation {
    /// Changes the signed-in user's e-mail, mobile number and channels per kind.
    #[graphql(guard = "Allow(SIGNED_IN)")]
    async fn update_my_notification_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateMyNotificationSettingsInput,
    ) -> Result<UpdateMyNotificationSettingsPayload> {
        let user_id = access::signed_in(ctx)?.user_id;
        let st = state(ctx)?;
        let patch = service::notification_settings::SettingsPatch {
            user_id,
            expected_version: input.expected_version,
            email: super::patch_of(input.email),
            mobile: super::patch_of(input.mobile),
            kinds: input
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(|k| {
                    (
                        k.kind.into(),
                        k.channels.into_iter().map(Into::into).collect(),
                    )
                })
                .collect(),
        };
        let result = service::notification_settings::update(&st.db, patch, st.clock.now()).await;
        let (settings, user_errors) = for_payload(ctx, result)?;
        Ok(UpdateMyNotificationSettingsPayload {
            settings: settings.map(Into::into),
            user_errors,
        })
    }

    /// Changes the office's defaults per kind of notice (OFFICE_ADMIN).
    #[graphql(guard = "Allow(ADMIN)")]
    async fn update_notification_defaults(
        &self,
        ctx: &Context<'_>,
        input: UpdateNotificationDefaultsInput,
    ) -> Result<UpdateNotificationDefaultsPayload> {
        let st = state(ctx)?;
        let kinds: Vec<_> = input
            .kinds
            .into_iter()
            .map(|k| {
                (
                    k.kind.into(),
                    k.channels.into_iter().map(Into::into).collect(),
                )
            })
            .collect();
        let result = service::notification_settings::update_defaults(
            &st.db,
            input.expected_version,
            &kinds,
            st.clock.now(),
        )
        .await;
        let (defaults, user_errors) = for_payload(ctx, result)?;
        Ok(UpdateNotificationDefaultsPayload {
            defaults: defaults.map(Into::into),
            user_errors,
        })
    }
}

#[derive(InputObject)]
pub struct UpdateNotificationDefaultsInput {
    /// The `version` read; a stale one is CONFLICT.
    pub expected_version: Option<i32>,
    /// The kinds whose default channels change (at most 40 entries; the last entry of a
    /// kind wins); WEBHOOK sends the kind to the OA system.
    #[graphql(validator(custom = "MaxItems::new(\"kinds\", max_items::NOTICE_KINDS)"))]
    pub kinds: Vec<KindChannelsInput>,
}

payload!(UpdateNotificationDefaultsPayload {
    defaults: Option<NotificationDefaults>,
});
