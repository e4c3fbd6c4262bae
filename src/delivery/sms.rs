//! SMS through a provider's HTTPS gateway (docs/domain.md §10): Chinese providers take a call
//! with a registered template id, its parameters and the registered signature (【…】). This
//! adapter posts JSON to the configured URL, signed with HMAC-SHA256 over the timestamp and
//! the body (`X-Banli-Timestamp`, `X-Banli-Signature: sha256=<hex>`), so the gateway can
//! refuse forged or replayed calls; the text stays within `sms_max_segments` segments.

use entity::{notification, notification_delivery};
use futures_util::future::BoxFuture;

use super::{Sender, SignedPost};
use crate::config::Settings;
use crate::domain::delivery::sms_text;

/// The configured gateway.
pub struct Gateway {
    post: SignedPost,
    signature: String,
    template_id: String,
    max_segments: usize,
}

impl Gateway {
    /// The gateway the settings name, if `sms_gateway_url` is set.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let post = SignedPost::configured(
            &settings.sms_gateway_url,
            &settings.sms_gateway_secret,
            settings,
        )?;
        Ok(post.map(|post| Self {
            post,
            signature: settings.sms_signature.clone(),
            template_id: settings.sms_template_id.clone(),
            max_segments: settings.sms_max_segments,
        }))
    }

    /// The JSON body for one delivery (`outId` lets the gateway drop a repeated call).
    fn body(
        &self,
        delivery: &notification_delivery::Model,
        notice: &notification::Model,
    ) -> String {
        let text = sms_text(
            &self.signature,
            &notice.title,
            &notice.body,
            self.max_segments,
        );
        let content = text
            .strip_prefix(&format!("【{}】", self.signature))
            .unwrap_or(&text);
        serde_json::json!({
            "templateId": self.template_id,
            "signName": self.signature,
            "phoneNumbers": [delivery.address],
            "outId": format!("banli-delivery-{}", delivery.id),
            "params": { "kind": notice.kind, "content": content },
            "text": text,
        })
        .to_string()
    }
}

impl Sender for Gateway {
    fn send<'a>(
        &'a self,
        delivery: &'a notification_delivery::Model,
        notice: &'a notification::Model,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            let body = self.body(delivery, notice);
            self.post
                .post(delivery.id, body, ("短信网关", "the SMS gateway"))
                .await
        })
    }
}
