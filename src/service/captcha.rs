//! CAPTCHAs (验证码) for the public forms. A CAPTCHA is a row (id, hash of the answer,
//! expiry) in the database, so every banli instance over one database shares them; using
//! one deletes its row in the same statement that reads it (`DELETE … RETURNING`), so an
//! answer counts once however many requests race with it, and a wrong answer uses it up
//! too (no guessing against one image).

use std::sync::Arc;
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
    /// What the challenge is; [`Letters`] unless an office builds banli with its own.
    pub challenge: Arc<dyn Challenge>,
    /// Challenges made at once, at most one per core: drawing (and the spoken form, which
    /// decodes the library's recordings, a few MB) is CPU and memory work that a flood of
    /// requests from many addresses must not multiply.
    pub turns: Arc<tokio::sync::Semaphore>,
}

/// How long a CAPTCHA request waits for a turn before it is told to come back.
const TURN_WAIT: Duration = Duration::from_secs(2);

impl Default for CaptchaPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            length: 4,
            test_answer: None,
            challenge: Arc::new(Letters),
            turns: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            )),
        }
    }
}

/// One challenge as made: the answer it accepts, the image, and (when asked for) the same
/// challenge as sound.
#[derive(Debug, Clone)]
pub struct Drawn {
    pub answer: String,
    pub png: Vec<u8>,
    pub wav: Option<Vec<u8>>,
}

/// What a CAPTCHA asks. banli's own is [`Letters`]; an office that must use another
/// challenge (a question in Chinese, its own artwork, a spoken challenge in Mandarin)
/// implements this trait and sets it as `CaptchaPolicy::challenge` (README, "Public
/// forms"): everything else — storing only the answer's hash, single use, expiry, the
/// per-client limit — stays as it is.
pub trait Challenge: Send + Sync + std::fmt::Debug {
    /// Makes a challenge of `length` characters; with `audio`, also its spoken form. Runs
    /// on a blocking thread.
    fn make(&self, length: u32, audio: bool) -> anyhow::Result<Drawn>;
}

/// banli's challenge: letters and digits that do not look alike (`ANSWER_CHARS`), drawn
/// large in dark ink on white, bent by waves, with light speckles and grey strokes that
/// keep clear of every glyph (so nothing covers or crops a character), and on request
/// spoken one by one (the image library's recordings of the letter names, with noise).
#[derive(Debug, Clone, Copy)]
pub struct Letters;

impl Challenge for Letters {
    fn make(&self, length: u32, audio: bool) -> anyhow::Result<Drawn> {
        draw(length, audio)
    }
}

/// A CAPTCHA as shown to a client.
#[derive(Debug, Clone)]
pub struct NewCaptcha {
    pub id: String,
    pub png: Vec<u8>,
    pub wav: Option<Vec<u8>>,
    pub expires_at: DateTime<Utc>,
}

impl NewCaptcha {
    /// The image as a `data:` URL, ready for an `<img src>`.
    pub fn data_url(&self) -> String {
        format!("data:image/png;base64,{}", STANDARD.encode(&self.png))
    }

    /// The spoken challenge as a `data:` URL, ready for an `<audio src>`.
    pub fn audio_data_url(&self) -> Option<String> {
        self.wav
            .as_ref()
            .map(|wav| format!("data:audio/wav;base64,{}", STANDARD.encode(wav)))
    }
}

/// The canvas the image library draws on (its fixed size).
const CANVAS: (u32, u32) = (400, 300);
/// Height of the region cut around the text.
const CROP_HEIGHT: u32 = 90;
/// How much the cut region is enlarged: the library's glyphs are about 40 px high, too
/// small for older eyes; 1.5× makes them about 60.
const SCALE: (u32, u32) = (3, 2);
/// Ink of the glyphs (contrast with white about 13:1), and the two shades of the noise:
/// light specks and mid-grey strokes, both clearly lighter than the ink.
const INK: [u8; 3] = [0x1d, 0x2a, 0x4f];
const SPECK: u8 = 0xcc;
const STROKE: u8 = 0x9c;
/// No noise within this many pixels of a glyph (after scaling).
const CLEARANCE: u32 = 6;

/// Draws a challenge of `length` characters: the answer, the PNG and, with `audio`, the WAV.
fn draw(length: u32, audio: bool) -> anyhow::Result<Drawn> {
    use ::captcha::filters::Wave;
    use ::captcha::Geometry;
    let mut image = ::captcha::Captcha::new();
    image
        .set_chars(&ANSWER_CHARS)
        .add_chars(length)
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
        .saturating_sub(CROP_HEIGHT / 2)
        .min(CANVAS.1 - CROP_HEIGHT);
    image.extract(Geometry::new(left, left + width, top, top + CROP_HEIGHT));
    let answer = image.chars_as_string();
    let png = image
        .as_png()
        .ok_or_else(|| anyhow::anyhow!("the CAPTCHA image could not be encoded as PNG"))?;
    let png = finish(&png, &mut rand::rng())?;
    let wav = if audio {
        Some(speak(&image.as_wav(), &mut rand::rng())?)
    } else {
        None
    };
    Ok(Drawn { answer, png, wav })
}

/// Enlarges the library's black-on-white drawing, inks the glyphs and adds noise only
/// where it cannot touch them.
fn finish(png: &[u8], rng: &mut impl rand::Rng) -> anyhow::Result<Vec<u8>> {
    use image::{ImageBuffer, Luma, Rgb};
    let drawn = image::load_from_memory(png)?.to_luma8();
    let (w, h) = (
        drawn.width() * SCALE.0 / SCALE.1,
        drawn.height() * SCALE.0 / SCALE.1,
    );
    let scaled = image::imageops::resize(&drawn, w, h, image::imageops::FilterType::Triangle);
    // Glyph pixels (any ink, edges included), then the zone around them noise stays out of:
    // the glyphs grown by CLEARANCE, row-wise then column-wise.
    let glyph: Vec<bool> = scaled.pixels().map(|Luma([v])| *v < 250).collect();
    let index = |x: u32, y: u32| (y * w + x) as usize;
    let mut wide = vec![false; glyph.len()];
    for y in 0..h {
        for x in 0..w {
            let from = x.saturating_sub(CLEARANCE);
            let to = (x + CLEARANCE).min(w - 1);
            wide[index(x, y)] = (from..=to).any(|i| glyph[index(i, y)]);
        }
    }
    let mut clear = vec![true; glyph.len()];
    for y in 0..h {
        for x in 0..w {
            let from = y.saturating_sub(CLEARANCE);
            let to = (y + CLEARANCE).min(h - 1);
            clear[index(x, y)] = !(from..=to).any(|j| wide[index(x, j)]);
        }
    }
    let mut out: ImageBuffer<Rgb<u8>, Vec<u8>> = ImageBuffer::from_fn(w, h, |x, y| {
        // Anti-aliased edges blend the ink into white.
        let Luma([v]) = *scaled.get_pixel(x, y);
        let t = f32::from(v) / 255.0;
        Rgb(INK.map(|c| (f32::from(c) * (1.0 - t) + 255.0 * t).round() as u8))
    });
    // Light specks over about a tenth of the free background.
    for y in 0..h {
        for x in 0..w {
            if clear[index(x, y)] && rng.random_ratio(1, 10) {
                out.put_pixel(x, y, Rgb([SPECK; 3]));
            }
        }
    }
    // A few short grey strokes, each drawn only where the background is free.
    for _ in 0..rng.random_range(5..9) {
        let (mut x, mut y) = (rng.random_range(0..w) as f32, rng.random_range(0..h) as f32);
        let angle: f32 = rng.random_range(0.0..std::f32::consts::TAU);
        let (dx, dy) = (angle.cos(), angle.sin());
        for _ in 0..rng.random_range(15..40) {
            for (ox, oy) in [(0.0, 0.0), (0.0, 1.0)] {
                let (px, py) = ((x + ox) as u32, (y + oy) as u32);
                if px < w && py < h && clear[index(px, py)] {
                    out.put_pixel(px, py, Rgb([STROKE; 3]));
                }
            }
            x += dx;
            y += dy;
        }
    }
    let mut encoded = std::io::Cursor::new(Vec::new());
    out.write_to(&mut encoded, image::ImageOutputFormat::Png)?;
    Ok(encoded.into_inner())
}

/// Sample rate of the spoken challenge: half the recordings' 22,050 Hz (speech stays
/// clear, the answer half the size).
const SPOKEN_RATE: u32 = 11_025;

/// One WAV of the letters spoken in turn (each recording with the library's noise),
/// after a short lead-in and with pauses of varying length between them.
fn speak(letters: &[Option<Vec<u8>>], rng: &mut impl rand::Rng) -> anyhow::Result<Vec<u8>> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SPOKEN_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec)?;
        let silence = |writer: &mut hound::WavWriter<_>, ms: u32| -> hound::Result<()> {
            for _ in 0..SPOKEN_RATE * ms / 1000 {
                writer.write_sample(0_i16)?;
            }
            Ok(())
        };
        silence(&mut writer, 500)?;
        for letter in letters {
            let letter = letter
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("a CAPTCHA character has no recording"))?;
            let mut reader = hound::WavReader::new(&letter[..])?;
            let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
            // Every other sample, averaged with its neighbour (a crude low-pass).
            for pair in samples.chunks(2) {
                let sum: i32 = pair.iter().map(|s| i32::from(*s)).sum();
                let mean = sum / i32::try_from(pair.len()).unwrap_or(1);
                writer.write_sample(i16::try_from(mean).unwrap_or(0))?;
            }
            silence(&mut writer, rng.random_range(400..800))?;
        }
        writer.finalize()?;
    }
    Ok(cursor.into_inner())
}

/// Makes a CAPTCHA (with its spoken form when `audio`) and stores the hash of its
/// answer. With `limit`, the client is checked
/// against its window before anything is drawn (`Err` with the seconds to wait) and the
/// CAPTCHA is counted in the transaction that stores it.
pub async fn create(
    db: &Db,
    policy: &CaptchaPolicy,
    audio: bool,
    limit: Option<(&ClientWindow, &str)>,
    now: DateTime<Utc>,
) -> ServiceResult<Result<NewCaptcha, u32>> {
    if let Some((window, client)) = limit {
        if let Err(wait) = window.check(db.conn(), client, now).await? {
            return Ok(Err(wait));
        }
    }
    let Ok(Ok(_turn)) = tokio::time::timeout(TURN_WAIT, policy.turns.acquire()).await else {
        return Ok(Err(1));
    };
    let length = policy.length;
    let challenge = policy.challenge.clone();
    // Drawing is CPU work (a few milliseconds): keep it off the async workers.
    let drawn = tokio::task::spawn_blocking(move || challenge.make(length, audio))
        .await
        .map_err(|e| anyhow::anyhow!("drawing a CAPTCHA panicked or was cancelled: {e}"))??;
    let answer = policy.test_answer.as_deref().unwrap_or(&drawn.answer);
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
        png: drawn.png,
        wav: drawn.wav,
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
        for length in (4..=5).cycle().take(200) {
            let drawn = draw(length, false).unwrap();
            assert_eq!(drawn.answer.chars().count(), length as usize);
            assert!(
                drawn.answer.chars().all(|c| ANSWER_CHARS.contains(&c)),
                "{}",
                drawn.answer
            );
            assert_eq!(&drawn.png[..8], b"\x89PNG\r\n\x1a\n");
            assert!(drawn.wav.is_none());
        }
    }

    #[test]
    fn noise_never_touches_a_glyph() {
        // Every pixel is ink (blended into white at the edges) or background; the noise
        // shades appear only where no ink is within the clearance.
        for _ in 0..20 {
            let drawn = draw(4, false).unwrap();
            let image = image::load_from_memory(&drawn.png).unwrap().to_rgb8();
            let (w, h) = image.dimensions();
            assert!(h >= 130, "glyphs enlarged: {w}×{h}");
            let is_noise = |p: &image::Rgb<u8>| p.0 == [SPECK; 3] || p.0 == [STROKE; 3];
            let is_ink = |p: &image::Rgb<u8>| !is_noise(p) && p.0 != [255; 3];
            for y in 0..h {
                for x in 0..w {
                    if !is_noise(image.get_pixel(x, y)) {
                        continue;
                    }
                    // No ink in the 3×3 neighbourhood of any noise pixel.
                    for (dx, dy) in [
                        (-1, -1),
                        (0, -1),
                        (1, -1),
                        (-1, 0),
                        (1, 0),
                        (-1, 1),
                        (0, 1),
                        (1, 1),
                    ] {
                        let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                        if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                            continue;
                        }
                        let p = image.get_pixel(nx as u32, ny as u32);
                        assert!(
                            !is_ink(p),
                            "noise at ({x}, {y}) touches ink at ({nx}, {ny})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_spoken_challenge_is_one_wav_of_every_letter() {
        let drawn = draw(4, true).unwrap();
        let wav = drawn.wav.unwrap();
        let reader = hound::WavReader::new(&wav[..]).unwrap();
        assert_eq!(reader.spec().sample_rate, SPOKEN_RATE);
        assert_eq!(reader.spec().channels, 1);
        // Half a second of lead-in, then each letter (about a second) and a pause.
        let seconds = f64::from(reader.duration()) / f64::from(SPOKEN_RATE);
        assert!((3.0..12.0).contains(&seconds), "{seconds} s");
        assert!(wav.len() < 300_000, "{} bytes", wav.len());
    }
}
