//! The delivery worker of a running server: every `delivery_poll_ms` it claims the due
//! deliveries (`service::delivery::claim`, with a lease), hands each to its channel's sender
//! and records the outcome (`service::delivery::finish`). A channel this deployment has no
//! sender for is marked SKIPPED, so the office sees why nothing went out.

pub mod email;
pub mod sms;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;
use entity::{notification, notification_delivery};
use futures_util::future::BoxFuture;
use futures_util::StreamExt as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::delivery::Backoff;
use crate::domain::notice::Channel;
use crate::domain::time::Clock;
use crate::service::delivery::{self as outbox, Claimed, Outcome};
use crate::service::ServiceResult;

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

/// A JSON POST signed with [`sign`]: what the SMS gateway and the OA webhook both take.
pub struct SignedPost {
    client: reqwest::Client,
    url: String,
    secret: String,
}

impl SignedPost {
    /// The poster of a peer the settings name: `None` when its URL is not set. Calls time
    /// out after `delivery_timeout_secs`.
    pub fn configured(
        url: &Option<String>,
        secret: &Option<String>,
        settings: &crate::config::Settings,
    ) -> anyhow::Result<Option<Self>> {
        let Some(url) = url.clone() else {
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.delivery_timeout_secs.max(1)))
            .build()?;
        Ok(Some(Self {
            client,
            url,
            secret: secret.clone().unwrap_or_default(),
        }))
    }

    /// Posts `body` for `delivery` (its id in `X-Banli-Delivery`); `Ok` with the answer on
    /// a 2xx, `Err` naming the peer (in Chinese and English) otherwise.
    pub async fn post(
        &self,
        delivery: i64,
        body: String,
        (zh, en): (&str, &str),
    ) -> Result<String, String> {
        let timestamp = chrono::Utc::now().timestamp();
        let response = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("X-Banli-Delivery", delivery.to_string())
            .header("X-Banli-Timestamp", timestamp.to_string())
            .header("X-Banli-Signature", sign(&self.secret, timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{zh}无法连接 ({en} unreachable): {e}"))?;
        let status = response.status();
        let answer = response.text().await.unwrap_or_default();
        if status.is_success() {
            Ok(answer)
        } else {
            Err(format!("{zh}拒绝 ({en} answered HTTP {status}): {answer}"))
        }
    }
}

/// Sends one notice over one channel, to the delivery's address (the delivery's id lets a
/// provider drop a repeated call). `Ok` carries what the provider answered, `Err` why
/// it failed (both are kept with the attempt). A new provider is one more implementation.
pub trait Sender: Send + Sync {
    fn send<'a>(
        &'a self,
        delivery: &'a notification_delivery::Model,
        notice: &'a notification::Model,
    ) -> BoxFuture<'a, Result<String, String>>;
}

/// The senders this deployment has, per channel.
#[derive(Clone, Default)]
pub struct Senders {
    pub sms: Option<Arc<dyn Sender>>,
    pub email: Option<Arc<dyn Sender>>,
    pub webhook: Option<Arc<dyn Sender>>,
}

impl Senders {
    /// The senders the settings configure (an SMS gateway when its URL is set, SMTP when
    /// its host is, the OA webhook when its URL is).
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let sms = sms::Gateway::from_settings(settings)?
            .map(|gateway| Arc::new(gateway) as Arc<dyn Sender>);
        let email =
            email::Smtp::from_settings(settings)?.map(|smtp| Arc::new(smtp) as Arc<dyn Sender>);
        let webhook = webhook::Webhook::from_settings(settings)?
            .map(|hook| Arc::new(hook) as Arc<dyn Sender>);
        Ok(Self {
            sms,
            email,
            webhook,
        })
    }

    fn of(&self, channel: Channel) -> Option<&Arc<dyn Sender>> {
        match channel {
            Channel::Sms => self.sms.as_ref(),
            Channel::Email => self.email.as_ref(),
            Channel::Webhook => self.webhook.as_ref(),
        }
    }
}

/// One process's worker.
#[derive(Clone)]
pub struct Worker {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub senders: Senders,
    pub backoff: Backoff,
    /// How long a claim holds; a delivery whose sender has not answered by then may be
    /// claimed again (at least once).
    pub lease: Span,
    /// Deliveries claimed per round.
    pub batch: u64,
    /// Deliveries sent at once.
    pub parallel: usize,
    /// This process's name in `leased_by`.
    pub name: String,
}

impl Worker {
    pub fn from_settings(
        settings: &Settings,
        db: Db,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            clock,
            senders: Senders::from_settings(settings)?,
            backoff: settings.delivery_backoff(),
            lease: Span::seconds(i64::try_from(settings.delivery_lease_secs).unwrap_or(i64::MAX)),
            batch: 50,
            parallel: 4,
            name: format!("banli-{}-{:08x}", std::process::id(), rand::random::<u32>()),
        })
    }

    /// Claims the due deliveries and sends them; returns how many it finished.
    pub async fn run_once(&self) -> ServiceResult<usize> {
        let now = self.clock.now();
        let claimed = outbox::claim(&self.db, &self.name, now, self.lease, self.batch).await?;
        let finished = futures_util::stream::iter(claimed)
            .map(|c| self.deliver(c))
            .buffer_unordered(self.parallel.max(1))
            .collect::<Vec<_>>()
            .await;
        let mut done = 0;
        for result in finished {
            result?;
            done += 1;
        }
        Ok(done)
    }

    async fn deliver(&self, claimed: Claimed) -> ServiceResult<()> {
        let started = self.clock.now();
        let channel = Channel::parse(&claimed.delivery.channel);
        let outcome = match channel.and_then(|c| self.senders.of(c)) {
            Some(sender) => {
                let sent = sender.send(&claimed.delivery, &claimed.notice);
                match tokio::time::timeout(self.send_timeout(), sent).await {
                    Ok(Ok(answer)) => Outcome::Sent(answer),
                    Ok(Err(why)) => Outcome::Failed(why),
                    Err(_) => {
                        Outcome::Failed("发送超时 (the sender did not answer in time)".into())
                    }
                }
            }
            None => Outcome::Skipped(format!(
                "本系统未配置{}发送渠道 (no sender for {} is configured)",
                match channel {
                    Some(Channel::Sms) => "短信",
                    Some(Channel::Email) => "电子邮件",
                    Some(Channel::Webhook) => "OA 推送",
                    None => "该",
                },
                claimed.delivery.channel
            )),
        };
        let status = outbox::finish(
            &self.db,
            &claimed.delivery,
            started,
            self.clock.now(),
            &outcome,
            &self.backoff,
        )
        .await?;
        tracing::info!(
            delivery = claimed.delivery.id,
            channel = %claimed.delivery.channel,
            attempt = claimed.delivery.attempts,
            status = status.as_str(),
            "delivery attempt"
        );
        Ok(())
    }

    /// A send must answer within half the lease, so its claim still holds when it records
    /// the outcome.
    fn send_timeout(&self) -> Duration {
        let half = self.lease.num_milliseconds().max(2) / 2;
        Duration::from_millis(u64::try_from(half).unwrap_or(1))
    }
}

/// Runs the worker every `period` until the task is aborted; `None` when `period` is zero
/// (deliveries then wait; a later start sends them).
pub fn spawn(worker: Worker, period: Duration) -> Option<tokio::task::JoinHandle<()>> {
    if period.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = worker.run_once().await {
                tracing::error!(?error, "a delivery round failed; retrying later");
            }
        }
    }))
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
