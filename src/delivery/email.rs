//! E-mail over SMTP (lettre): implicit TLS (port 465), STARTTLS (587) or, for a relay on the
//! same host or a closed network, plain SMTP; optional credentials. The subject is the
//! notice's title, the body its text (UTF-8 plain text); the daily reminder is already one
//! digest per person per day.

use std::time::Duration;

use entity::{notification, notification_delivery};
use futures_util::future::BoxFuture;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Sender;
use crate::config::{Settings, SmtpSecurity};

/// The configured SMTP server.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// The SMTP server the settings name, if `smtp_host` is set.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let Some(host) = settings.smtp_host.as_deref() else {
            return Ok(None);
        };
        let builder = match settings.smtp_security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder
            .port(settings.smtp_port)
            .timeout(Some(Duration::from_secs(
                settings.delivery_timeout_secs.max(1),
            )));
        if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = settings.smtp_from.parse::<Mailbox>().map_err(|e| {
            anyhow::anyhow!("smtp_from {:?} is not a mailbox: {e}", settings.smtp_from)
        })?;
        Ok(Some(Self {
            transport: builder.build(),
            from,
        }))
    }

    fn message(&self, to: &str, notice: &notification::Model) -> Result<Message, String> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| format!("收件地址无效 (not a mailbox): {e}"))?;
        // Base64: Chinese text passes any relay, 8BITMIME or not.
        let body = Body::new_with_encoding(notice.body.clone(), ContentTransferEncoding::Base64)
            .map_err(|_| "邮件正文无法编码 (the body could not be encoded)".to_owned())?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(notice.title.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("邮件无法生成 (the message could not be built): {e}"))
    }
}

impl Sender for Smtp {
    fn send<'a>(
        &'a self,
        delivery: &'a notification_delivery::Model,
        notice: &'a notification::Model,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            let message = self.message(&delivery.address, notice)?;
            let response =
                self.transport.send(message).await.map_err(|e| {
                    format!("邮件服务器未接收 (the SMTP server did not take it): {e}")
                })?;
            let text: Vec<&str> = response.message().collect();
            Ok(format!("{} {}", response.code(), text.join(" ")))
        })
    }
}
