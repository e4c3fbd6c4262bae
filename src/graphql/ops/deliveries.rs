//! The office's record of deliveries beyond the app (`notificationDeliveries`): who was told
//! what, by which channel, when, and every attempt; thin over `service::delivery`.

use async_graphql::{Context, InputObject, Object, Result, ID};

use crate::graphql::access::{Allow, OFFICE};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::error::{for_query, user_error};
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::{
    NotificationChannel, NotificationDelivery, NotificationDeliveryStatus,
};
use crate::graphql::scalars::DateTime;
use crate::graphql::state;
use crate::service::delivery::{self as svc, DeliveryFilter};
use crate::service::page::PageArgs;

#[derive(InputObject, Default)]
pub struct NotificationDeliveryFilter {
    pub status: Option<NotificationDeliveryStatus>,
    pub channel: Option<NotificationChannel>,
    /// Deliveries to this user.
    pub recipient_id: Option<ID>,
    /// Written at or after this instant.
    pub from: Option<DateTime>,
    /// Written before this instant.
    pub to: Option<DateTime>,
}

impl NotificationDeliveryFilter {
    fn decoded(self) -> Result<DeliveryFilter> {
        let recipient_user_id = self
            .recipient_id
            .map(|id| ids::expect(&id, Kind::User, &["filter", "recipientId"]))
            .transpose()
            .map_err(user_error)?;
        Ok(DeliveryFilter {
            status: self.status.map(Into::into),
            channel: self.channel.map(Into::into),
            recipient_user_id,
            from: self.from.map(|d| d.0),
            to: self.to.map(|d| d.0),
        })
    }
}

#[derive(Default)]
pub struct DeliveryQuery;

#[Object]
impl DeliveryQuery {
    /// 通知发送记录: deliveries of notices by SMS or e-mail, newest first, each with its
    /// attempts (office only: they show mobile numbers and addresses).
    #[graphql(
        guard = "Allow(OFFICE)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn notification_deliveries(
        &self,
        ctx: &Context<'_>,
        filter: Option<NotificationDeliveryFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<NotificationDelivery>> {
        let filter = filter.unwrap_or_default().decoded()?;
        let db = state(ctx)?.db.clone();
        let page = svc::list(&db, &filter, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move { svc::count(&db, &filter).await }
        });
        Ok(connection(page, total, NotificationDelivery))
    }
}
