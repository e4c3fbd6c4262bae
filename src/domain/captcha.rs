//! CAPTCHA answers (验证码): which characters a CAPTCHA shows, how a typed answer is
//! compared (case-insensitively, full-width folded, spaces ignored) and how it is stored
//! (only a hash bound to the CAPTCHA's id, so the table reveals no answers).

use rand::Rng;
use sha2::{Digest, Sha256};

use super::feedback::hex;
use super::text::fold_full_width;

/// Characters a CAPTCHA draws: upper-case letters and digits of the image font, without
/// those that look alike in its italic serif once bent (0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, 9/g,
/// G/6/C, V/U/Y): 21 characters, 194,481 answers of four.
pub const ANSWER_CHARS: [char; 21] = [
    '3', '4', '6', '7', 'A', 'C', 'D', 'E', 'F', 'H', 'J', 'K', 'M', 'N', 'P', 'R', 'T', 'U', 'W',
    'X', 'Y',
];

/// Longest answer accepted for comparison; anything longer is wrong without hashing.
const ANSWER_MAX: usize = 32;

/// A typed answer in the form it is compared in: full-width folded, whitespace dropped,
/// upper case. `None` when it is empty or absurdly long.
pub fn normalise_answer(typed: &str) -> Option<String> {
    if typed.len() > ANSWER_MAX * 4 {
        return None;
    }
    let answer: String = fold_full_width(typed)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    (!answer.is_empty() && answer.chars().count() <= ANSWER_MAX).then_some(answer)
}

/// What is stored for an answer: SHA-256 over the CAPTCHA id and the normalised answer,
/// so equal answers of two CAPTCHAs hash differently.
pub fn answer_hash(captcha_id: &str, normalised_answer: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(captcha_id.as_bytes());
    hasher.update(b"\0");
    hasher.update(normalised_answer.as_bytes());
    hex(&hasher.finalize())
}

/// A fresh CAPTCHA id: 128 random bits as 32 hex digits, so ids cannot be guessed.
pub fn new_id(rng: &mut impl Rng) -> String {
    let bytes: [u8; 16] = rng.random();
    hex(&bytes)
}

/// An id as a client sent it, if it can be one (32 lower-case hex digits).
pub fn parse_id(value: &str) -> Option<&str> {
    (value.len() == 32
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    .then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_compare_case_and_width_insensitively() {
        let cases: &[(&str, Option<&str>)] = &[
            ("K7eX", Some("K7EX")),
            ("k7ex", Some("K7EX")),
            (" k 7 e x ", Some("K7EX")),
            ("ｋ７ｅｘ", Some("K7EX")),
            ("", None),
            ("   ", None),
            (&"A".repeat(33), None),
        ];
        for (typed, expected) in cases {
            assert_eq!(normalise_answer(typed).as_deref(), *expected, "{typed:?}");
        }
    }

    #[test]
    fn hashes_bind_answer_to_captcha() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(answer_hash(id, "K7EX"), answer_hash(id, "K7EX"));
        assert_ne!(answer_hash(id, "K7EX"), answer_hash(id, "K7EY"));
        assert_ne!(
            answer_hash(id, "K7EX"),
            answer_hash("fedcba9876543210fedcba9876543210", "K7EX")
        );
    }

    #[test]
    fn ids_are_random_hex() {
        let mut rng = rand::rng();
        let a = new_id(&mut rng);
        assert_eq!(parse_id(&a), Some(a.as_str()));
        assert_ne!(a, new_id(&mut rng));
        for bad in ["", "xyz", &"A".repeat(32), &"0".repeat(31), "' OR '1'='1"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn drawn_characters_survive_normalisation() {
        for c in ANSWER_CHARS {
            let typed = c.to_lowercase().to_string();
            assert_eq!(normalise_answer(&typed), Some(c.to_uppercase().to_string()));
        }
    }
}
