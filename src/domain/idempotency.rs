//! Idempotency keys: what a client may send as one, and what makes two requests "the same".

use sha2::{Digest, Sha256};

use super::UserError;

/// Longest key accepted (a UUID is 36 characters).
pub const KEY_MAX_CHARS: usize = 100;

/// How long a key is remembered: a retry later than this is a new request.
pub const RETENTION_DAYS: i64 = 7;

/// A key as the client chose it: 1–100 printable ASCII characters without spaces (a UUID,
/// a ULID, `desk-42-1733300000`). Anything else would be a key a client cannot type back
/// reliably, so it is refused rather than normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str, field: &[&str]) -> Result<Self, UserError> {
        let fits = !raw.is_empty()
            && raw.len() <= KEY_MAX_CHARS
            && raw.bytes().all(|b| b.is_ascii_graphic());
        if fits {
            Ok(Self(raw.to_owned()))
        } else {
            Err(UserError::invalid(
                field,
                format!(
                    "幂等键须为 1–{KEY_MAX_CHARS} 个可打印的 ASCII 字符，不含空格 \
                     (idempotencyKey must be 1–{KEY_MAX_CHARS} printable ASCII characters)"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hex SHA-256 of the operation and its input (the input as canonical JSON, which the
/// caller provides): equal for a retry, different when anything in the input differs.
pub fn fingerprint(operation: &str, canonical_input: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(operation.as_bytes());
    hash.update([0]);
    hash.update(canonical_input.as_bytes());
    hash.finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let long = "k".repeat(KEY_MAX_CHARS);
        let too_long = "k".repeat(KEY_MAX_CHARS + 1);
        let cases: [(&str, bool); 9] = [
            ("0b5e2a4c-8d7f-4f0e-9a3b-1c2d3e4f5a6b", true),
            ("desk-42-1733300000", true),
            ("x", true),
            (&long, true),
            ("", false),
            (&too_long, false),
            ("two words", false),
            ("键", false),
            ("tab\there", false),
        ];
        for (raw, ok) in cases {
            assert_eq!(
                IdempotencyKey::parse(raw, &["input", "idempotencyKey"]).is_ok(),
                ok,
                "{raw:?}"
            );
        }
        let error = IdempotencyKey::parse("", &["input", "idempotencyKey"]).unwrap_err();
        assert_eq!(error.field, ["input", "idempotencyKey"]);
    }

    #[test]
    fn fingerprints() {
        let a = fingerprint(
            "registerSuggestion",
            r#"{"title":"关于加强干部培训的建议"}"#,
        );
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            fingerprint(
                "registerSuggestion",
                r#"{"title":"关于加强干部培训的建议"}"#
            )
        );
        assert_ne!(
            a,
            fingerprint(
                "registerSuggestion",
                r#"{"title":"关于加强幹部培训的建议"}"#
            )
        );
        assert_ne!(
            a,
            fingerprint("createDeputy", r#"{"title":"关于加强干部培训的建议"}"#)
        );
        // The separator keeps operation and input apart.
        assert_ne!(fingerprint("ab", "c"), fingerprint("a", "bc"));
    }
}
