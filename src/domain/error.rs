//! Errors a user can fix, with a stable code and the path of the offending field.

use serde::Serialize;

/// Stable, machine-readable codes of user errors. Clients switch on these, never on text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The referenced object does not exist (or is not visible to the caller).
    NotFound,
    /// A value that must be unique is taken (e.g. a suggestion number in its session).
    Duplicate,
    /// The input is malformed or out of range.
    Invalid,
    /// The object is in a state that does not allow the operation.
    InvalidState,
    /// Someone else changed the object first (version check failed).
    Conflict,
    /// Sign-in failed: unknown user, wrong password, disabled or locked account — one
    /// answer for all, so it does not tell which names exist.
    InvalidCredentials,
    /// The CAPTCHA answer is wrong, or the CAPTCHA expired, was used already or never existed.
    CaptchaInvalid,
    /// Too many requests from this client (or for this object) in a while; retry later.
    RateLimited,
    /// The idempotency key was used before for another operation or another input.
    IdempotencyKeyReused,
}

impl ErrorCode {
    /// The code as clients see it (`NOT_FOUND`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "NOT_FOUND",
            Self::Duplicate => "DUPLICATE",
            Self::Invalid => "INVALID",
            Self::InvalidState => "INVALID_STATE",
            Self::Conflict => "CONFLICT",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::CaptchaInvalid => "CAPTCHA_INVALID",
            Self::RateLimited => "RATE_LIMITED",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
        }
    }
}

/// One error a user can fix: where (`field`, a path like `["input", "units", "0", "role"]`),
/// what (`code`) and a clear message, in Chinese with the essentials in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    pub field: Vec<String>,
    pub code: ErrorCode,
    pub message: String,
    /// For RATE_LIMITED: seconds until a retry can succeed.
    pub retry_after_secs: Option<u32>,
}

impl UserError {
    pub fn new(field: &[&str], code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|s| (*s).to_owned()).collect(),
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub fn invalid(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(field, ErrorCode::Invalid, message)
    }

    pub fn not_found(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(field, ErrorCode::NotFound, message)
    }

    /// NOT_FOUND for a record that does not exist (or that the caller may not see):
    /// `missing(field, "建议", "suggestion")` says "建议不存在 (suggestion not found)".
    pub fn missing(field: &[&str], zh: &str, en: &str) -> Self {
        Self::not_found(field, format!("{zh}不存在 ({en} not found)"))
    }

    pub fn invalid_state(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(field, ErrorCode::InvalidState, message)
    }

    pub fn duplicate(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(field, ErrorCode::Duplicate, message)
    }

    pub fn conflict(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(field, ErrorCode::Conflict, message)
    }

    /// A CAPTCHA that did not pass (wrong, expired, used, unknown: one answer for all).
    pub fn captcha_invalid(field: &[&str]) -> Self {
        Self::new(
            field,
            ErrorCode::CaptchaInvalid,
            "验证码错误或已失效，请重新获取 (the CAPTCHA answer is wrong or the CAPTCHA expired; get a new one)",
        )
    }

    /// RATE_LIMITED, with the seconds to wait.
    pub fn rate_limited(field: &[&str], message: impl Into<String>, retry_after_secs: u32) -> Self {
        let mut error = Self::new(field, ErrorCode::RateLimited, message);
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// Prefixes the field path, e.g. `["number"]` → `["input", "number"]`.
    #[must_use]
    pub fn under(mut self, prefix: &[&str]) -> Self {
        let mut field: Vec<String> = prefix.iter().map(|s| (*s).to_owned()).collect();
        field.append(&mut self.field);
        self.field = field;
        self
    }
}

/// Most user errors one payload carries. An input repeating one mistake thousands of times
/// (a list of 20,000 equal ids) gets each distinct error once, and never more than this
/// many: the rest are summed up in a last error.
pub const MAX_USER_ERRORS: usize = 50;

/// The errors a payload carries: each distinct one (same field, code and message) once, at
/// most [`MAX_USER_ERRORS`], the last of them saying how many more there were.
pub fn capped(errors: Vec<UserError>) -> Vec<UserError> {
    let mut kept: Vec<UserError> = Vec::new();
    let mut more = 0usize;
    for error in errors {
        if kept.contains(&error) {
            continue;
        }
        if kept.len() < MAX_USER_ERRORS {
            kept.push(error);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        // The summary takes the last place, so the one it replaces counts among the rest.
        kept.pop();
        let more = more + 1;
        kept.push(UserError::invalid(
            &["input"],
            format!("另有 {more} 个错误未列出，请先改正以上错误 ({more} more errors not listed; fix the ones above first)"),
        ));
    }
    kept
}

/// Collects user errors while parsing an input, so one answer reports every bad field.
#[derive(Debug, Default)]
pub struct Errors(Vec<UserError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of `result`, or records its error and returns `None`.
    pub fn check<T>(&mut self, result: Result<T, UserError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: UserError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, otherwise every recorded error.
    pub fn finish(self) -> Result<(), Vec<UserError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{capped, UserError, MAX_USER_ERRORS};

    fn at(i: usize) -> UserError {
        UserError::invalid(&["input", "coSignerIds", &i.to_string()], "bad")
    }

    #[test]
    fn a_missing_record_is_named_in_chinese_then_english() {
        let e = UserError::missing(&["input", "replyId"], "答复", "reply");
        assert_eq!(e.code, super::ErrorCode::NotFound);
        assert_eq!(e.field, ["input", "replyId"]);
        assert_eq!(e.message, "答复不存在 (reply not found)");
    }

    #[test]
    fn payload_errors_are_distinct_and_capped() {
        let same = |n: usize| vec![UserError::duplicate(&["input", "x"], "twice"); n];
        let many = |n: usize| (0..n).map(at).collect::<Vec<_>>();
        // (errors, how many kept, whether the last one sums up the rest)
        let rows: Vec<(Vec<UserError>, usize, Option<&str>)> = vec![
            (Vec::new(), 0, None),
            (same(20_000), 1, None),
            (many(MAX_USER_ERRORS), MAX_USER_ERRORS, None),
            (
                many(MAX_USER_ERRORS + 1),
                MAX_USER_ERRORS,
                Some("另有 2 个错误未列出"),
            ),
            (
                many(20_000),
                MAX_USER_ERRORS,
                Some("另有 19951 个错误未列出"),
            ),
        ];
        for (errors, kept, summary) in rows {
            let n = errors.len();
            let out = capped(errors);
            assert_eq!(out.len(), kept, "{n} errors");
            match summary {
                Some(text) => {
                    let last = out.last().expect("a summary");
                    assert!(last.message.starts_with(text), "{n}: {}", last.message);
                    assert_eq!(last.field, ["input"]);
                }
                None => assert!(out.iter().all(|e| !e.message.contains("未列出")), "{n}"),
            }
        }
    }
}
