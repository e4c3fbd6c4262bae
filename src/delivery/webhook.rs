//! The office's OA system (办公自动化): each notice of a kind the office sends there is
//! POSTed as JSON to `webhook_url`, signed like GitHub's and Stripe's webhooks
//! (`X-Banli-Timestamp`, `X-Banli-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`),
//! with `X-Banli-Delivery` so the OA system can drop a repeated call.

use entity::{notification, notification_delivery};
use futures_util::future::BoxFuture;

use super::{Sender, SignedPost};
use crate::config::Settings;

pub struct Webhook {
    post: SignedPost,
}

impl Webhook {
    /// The webhook the settings name, if `webhook_url` is set.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let post =
            SignedPost::configured(&settings.webhook_url, &settings.webhook_secret, settings)?;
        Ok(post.map(|post| Self { post }))
    }
}

/// The JSON body: the notice as the recipient sees it, with the ids of what it is about
/// (never the suggestion's text or anyone's phone: the notice has none).
pub fn body(delivery: &notification_delivery::Model, notice: &notification::Model) -> String {
    serde_json::json!({
        "deliveryId": delivery.id,
        "notificationId": notice.id,
        "recipientUserId": notice.recipient_user_id,
        "kind": notice.kind,
        "title": notice.title,
        "text": notice.body,
        "suggestionId": notice.suggestion_id,
        "assignmentId": notice.assignment_id,
        "createdAt": notice.created_at.to_rfc3339(),
    })
    .to_string()
}

impl Sender for Webhook {
    fn send<'a>(
        &'a self,
        delivery: &'a notification_delivery::Model,
        notice: &'a notification::Model,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            let body = body(delivery, notice);
            self.post
                .post(delivery.id, body, ("OA 系统", "the OA webhook"))
                .await
        })
    }
}
