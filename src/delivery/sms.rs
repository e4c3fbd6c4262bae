//! SMS through a provider's HTTPS gateway (DOMAIN.md §10): Chinese providers take a call
//! with a registered template id, its parameters and the registered signature (【…】). This
//! adapter posts JSON to the configured URL, signed with HMAC-SHA256 over the timestamp and
//! the body (`X-Banli-Timestamp`, `X-Banli-Signature: sha256=<hex>`), so the gateway can
//! refuse forged or replayed calls; the text stays within `sms_max_segments` segments.

use entity::{notification, notification_delivery};
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Sender;
use crate::config::Settings;
use crate::domain::delivery::sms_text;

/// The configured gateway.
pub struct Gateway {
    client: reqwest::Client,
    url: String,
    secret: String,
    signature: String,
    template_id: String,
    max_segments: usize,
}

impl Gateway {
    /// The gateway the settings name, if `sms_gateway_url` is set.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let Some(url) = settings.sms_gateway_url.clone() else {
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(
                settings.delivery_timeout_secs.max(1),
            ))
            .build()?;
        Ok(Some(Self {
            client,
            url,
            secret: settings.sms_gateway_secret.clone().unwrap_or_default(),
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

/// `sha256=<hex>` of HMAC-SHA256 with `secret` over `"{timestamp}.{body}"` (the scheme
/// GitHub's and Stripe's webhooks use).
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("sha256={}", crate::domain::feedback::hex(&digest))
}

impl Sender for Gateway {
    fn send<'a>(
        &'a self,
        delivery: &'a notification_delivery::Model,
        notice: &'a notification::Model,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            let body = self.body(delivery, notice);
            let timestamp = chrono::Utc::now().timestamp();
            let response = self
                .client
                .post(&self.url)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("X-Banli-Timestamp", timestamp.to_string())
                .header("X-Banli-Signature", sign(&self.secret, timestamp, &body))
                .body(body)
                .send()
                .await
                .map_err(|e| format!("短信网关无法连接 (gateway unreachable): {e}"))?;
            let status = response.status();
            let answer = response.text().await.unwrap_or_default();
            if status.is_success() {
                Ok(answer)
            } else {
                Err(format!(
                    "短信网关拒绝 (gateway answered HTTP {status}): {answer}"
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let a = sign("secret", 1_780_000_000, r#"{"a":1}"#);
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64, "{a}");
        assert_ne!(a, sign("secret", 1_780_000_001, r#"{"a":1}"#));
        assert_ne!(a, sign("secret", 1_780_000_000, r#"{"a":2}"#));
        assert_ne!(a, sign("other", 1_780_000_000, r#"{"a":1}"#));
        assert_eq!(a, sign("secret", 1_780_000_000, r#"{"a":1}"#));
    }
}
