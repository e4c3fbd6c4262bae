//! Short-lived signed download links, for `<a href>` and `<img src>`, which cannot send
//! the `Authorization` header: `/files/<id>?expires=<unix seconds>&user=<id>&signature=<hex>`.
//!
//! The signature is HMAC-SHA256 over the attachment, the user and the expiry, under the
//! deployment's `download_link_secret` (or a random key of this process when unset: then
//! a link works only on the server that made it). A link is good for its user only, until
//! it expires: the download is checked against what that user may see at that moment, and
//! audited as their read.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks download links.
pub struct LinkSigner {
    key: Vec<u8>,
    /// How long a link is good for.
    pub ttl: chrono::Duration,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("LinkSigner")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// What a valid link grants: this user may download this attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub attachment_id: i64,
    pub user_id: i64,
}

impl LinkSigner {
    /// With `secret` (at least 32 bytes) or, without one, a random key of this process.
    pub fn new(secret: Option<&str>, ttl_secs: u32) -> Self {
        let key = match secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => {
                use rand::RngCore as _;
                let mut key = vec![0u8; 32];
                rand::rng().fill_bytes(&mut key);
                key
            }
        };
        Self {
            key,
            ttl: chrono::Duration::seconds(i64::from(ttl_secs.max(1))),
        }
    }

    fn mac(&self, attachment_id: i64, user_id: i64, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(format!("banli-file:{attachment_id}:{user_id}:{expires}").as_bytes());
        mac
    }

    /// The query of a link for `user_id` to `attachment_id`, good from `now` for the ttl.
    pub fn sign(&self, attachment_id: i64, user_id: i64, now: DateTime<Utc>) -> String {
        let expires = (now + self.ttl).timestamp();
        let signature = self
            .mac(attachment_id, user_id, expires)
            .finalize()
            .into_bytes();
        let hex = crate::domain::feedback::hex(&signature);
        format!("expires={expires}&user={user_id}&signature={hex}")
    }

    /// The grant of a link's query for `attachment_id`, if it is genuine and not expired.
    pub fn check(&self, attachment_id: i64, query: &str, now: DateTime<Utc>) -> Option<Grant> {
        let mut expires = None;
        let mut user = None;
        let mut signature = None;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", v)) => expires = v.parse::<i64>().ok(),
                Some(("user", v)) => user = v.parse::<i64>().ok(),
                Some(("signature", v)) => signature = decode_hex(v),
                _ => {}
            }
        }
        let (expires, user_id, signature) = (expires?, user?, signature?);
        if expires < now.timestamp() {
            return None;
        }
        // Constant-time comparison.
        self.mac(attachment_id, user_id, expires)
            .verify_slice(&signature)
            .ok()?;
        Some(Grant {
            attachment_id,
            user_id,
        })
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_link_is_good_for_its_file_its_user_and_its_time() {
        let signer = LinkSigner::new(Some("a deployment secret of 32 bytes!"), 300);
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap();
        let query = signer.sign(12, 7, now);
        let grant = Some(Grant {
            attachment_id: 12,
            user_id: 7,
        });
        assert_eq!(signer.check(12, &query, now), grant);
        assert_eq!(
            signer.check(12, &query, now + chrono::Duration::seconds(300)),
            grant
        );
        let later = now + chrono::Duration::seconds(301);
        let forged_user = query.replace("user=7", "user=1");
        let forged_time = query.replace(
            &format!("expires={}", (now + signer.ttl).timestamp()),
            &format!("expires={}", (later + signer.ttl).timestamp()),
        );
        let rows = [
            (12, query.as_str(), later, "expired"),
            (13, query.as_str(), now, "another file"),
            (12, forged_user.as_str(), now, "another user"),
            (12, forged_time.as_str(), now, "a later expiry"),
            (12, "expires=1&user=7", now, "no signature"),
            (12, "", now, "nothing"),
            (12, "expires=x&user=7&signature=zz", now, "garbage"),
        ];
        for (id, query, at, what) in rows {
            assert_eq!(signer.check(id, query, at), None, "{what}");
        }
        let other = LinkSigner::new(Some("another deployment's secret, 32b"), 300);
        assert_eq!(other.check(12, &signer.sign(12, 7, now), now), None);
        let random = LinkSigner::new(None, 300);
        assert_eq!(
            random
                .check(12, &random.sign(12, 7, now), now)
                .map(|g| g.user_id),
            Some(7)
        );
    }
}
