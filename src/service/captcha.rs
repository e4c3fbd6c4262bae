//! CAPTCHAs (验证码) for the public forms. A CAPTCHA is a row (id, hash of the answer,
//! expiry) in the database, so every banli instance over one database shares them; using
//! one deletes its row in the same statement that reads it (`DELETE … RETURNING`), so an
//! answer counts once however many requests race with it, and a wrong answer uses it up
//! too (no guessing against one image).

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use entity::captcha;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::limiter::ClientWindow;
use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::captcha::{answer_hash, new_id, normalise_answer, parse_id, ANSWER_CHARS};
use crate::domain::UserError;

/// How CAPTCHAs are made.
#[derive(Debug, Clone)]
pub struct CaptchaPolicy {
    pub ttl: Duration,
    /// Characters drawn (4–5: the image library's canvas holds no more).
    pub length: u32,
    /// Test mode: the answer every CAPTCHA accepts instead of its drawn characters.
    pub test_answer: Option<String>,
}

impl Default for CaptchaPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            length: 4,
            test_answer: None,
        }
    }
}

/// A CAPTCHA as shown to a client.
#[derive(Debug, Clone)]
pub struct NewCaptcha {
    pub id: String,
    pub png: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

impl NewCaptcha {
    /// The image as a `data:` URL, ready for an `<img src>`.
    pub fn data_url(&self) -> String {
        format!("data:image/png;base64,{}", STANDARD.encode(&self.png))
    }
}

/// The canvas the image library draws on (its fixed size).
const CANVAS: (u32, u32) = (400, 300);
/// Height of the image sent.
const IMAGE_HEIGHT: u32 = 90;

/// Draws an image of `length` characters; returns the characters and the PNG.
fn draw(length: u32) -> anyhow::Result<(String, Vec<u8>)> {
    use ::captcha::filters::{Dots, Noise, Wave};
    use ::captcha::Geometry;
    let mut image = ::captcha::Captcha::new();
    image
        .set_chars(&ANSWER_CHARS)
        .add_chars(length)
        .apply_filter(Noise::new(0.1))
        .apply_filter(Wave::new(2.0, 20.0).horizontal())
        .apply_filter(Wave::new(2.0, 20.0).vertical());
    // Crop around the text, kept inside the canvas: the library's own `view` reads past
    // the canvas (and panics) when the text sits near its edge.
    let text = image.text_area();
    let width = (text.right.saturating_sub(text.left) + 40).clamp(160, CANVAS.0);
    let centre = (text.left + text.right) / 2;
    let left = centre.saturating_sub(width / 2).min(CANVAS.0 - width);
    let middle = (text.top + text.bottom) / 2;
    let top = middle
        .saturating_sub(IMAGE_HEIGHT / 2)
        .min(CANVAS.1 - IMAGE_HEIGHT);
    image
        .extract(Geometry::new(left, left + width, top, top + IMAGE_HEIGHT))
        .apply_filter(Dots::new(6));
    let answer = image.chars_as_string();
    let png = image
        .as_png()
        .ok_or_else(|| anyhow::anyhow!("the CAPTCHA image could not be encoded as PNG"))?;
    Ok((answer, png))
}

/// Makes a CAPTCHA and stores the hash of its answer. With `limit`, the client is checked
/// against its window before anything is drawn (`Err` with the seconds to wait) and the
/// CAPTCHA is counted in the transaction that stores it.
pub async fn create(
    db: &Db,
    policy: &CaptchaPolicy,
    limit: Option<(&ClientWindow, &str)>,
    now: DateTime<Utc>,
) -> ServiceResult<Result<NewCaptcha, u32>> {
    if let Some((window, client)) = limit {
        if let Err(wait) = window.check(db.conn(), client, now).await? {
            return Ok(Err(wait));
        }
    }
    let length = policy.length;
    // Drawing is CPU work (a few milliseconds): keep it off the async workers.
    let (drawn, png) = tokio::task::spawn_blocking(move || draw(length))
        .await
        .map_err(|e| anyhow::anyhow!("drawing a CAPTCHA panicked or was cancelled: {e}"))??;
    let answer = policy.test_answer.as_deref().unwrap_or(&drawn);
    let answer = normalise_answer(answer)
        .ok_or_else(|| anyhow::anyhow!("a CAPTCHA answer normalised to nothing"))?;
    let id = new_id(&mut rand::rng());
    let expires_at = now
        + chrono::Duration::from_std(policy.ttl)
            .map_err(|e| anyhow::anyhow!("captcha ttl out of range: {e}"))?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    if let Some((window, client)) = limit {
        window.count(&*txn, client, now).await?;
    }
    captcha::ActiveModel {
        id: Set(id.clone()),
        answer_hash: Set(answer_hash(&id, &answer)),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(&*txn)
    .await
    .during("storing a CAPTCHA")?;
    txn.commit().await.during("committing a CAPTCHA")?;
    Ok(Ok(NewCaptcha {
        id,
        png,
        expires_at,
    }))
}

/// Uses up the CAPTCHA `id` inside `conn` (the caller's write transaction) and says
/// whether `answer` was right. Unknown, expired, used or wrong: one error for all, on
/// `field` (the answer's input path).
pub async fn consume<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    answer: &str,
    field: &[&str],
    now: DateTime<Utc>,
) -> ServiceResult<Result<(), UserError>> {
    let invalid = || Ok(Err(UserError::captcha_invalid(field)));
    let Some(id) = parse_id(id.trim()) else {
        return invalid();
    };
    let stored = captcha::Entity::delete_by_id(id.to_owned())
        .exec_with_returning(conn)
        .await
        .during("using up a CAPTCHA")?;
    let Some(stored) = stored else {
        return invalid();
    };
    if stored.expires_at <= now {
        return invalid();
    }
    match normalise_answer(answer) {
        Some(answer) if answer_hash(id, &answer) == stored.answer_hash => Ok(Ok(())),
        _ => invalid(),
    }
}

/// Deletes CAPTCHAs that expired before `now`; returns how many.
pub async fn purge_expired(db: &Db, now: DateTime<Utc>) -> ServiceResult<u64> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let deleted = captcha::Entity::delete_many()
        .filter(captcha::Column::ExpiresAt.lte(now))
        .exec(&*txn)
        .await
        .during("deleting expired CAPTCHAs")?
        .rows_affected;
    txn.commit().await.during("committing the CAPTCHA purge")?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_png_and_answers_use_the_drawn_characters() {
        // Many draws: the characters land at random places, and none may break the crop.
        for length in (4..=5).cycle().take(400) {
            let (answer, png) = draw(length).unwrap();
            assert_eq!(answer.chars().count(), length as usize);
            assert!(
                answer.chars().all(|c| ANSWER_CHARS.contains(&c)),
                "{answer}"
            );
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        }
    }
}
