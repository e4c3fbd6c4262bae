//! Validated text input: trimmed, bounded in length, free of control characters.
//!
//! Text is stored as given (never interpreted as HTML); only what would break a record
//! or a display is refused: NUL and other control characters, and bidi overrides that
//! could make a title read differently from what is stored.

use super::error::UserError;

/// What a field may contain besides ordinary characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One line: titles, names, numbers.
    Single,
    /// Several lines: bodies and content (newlines and tabs allowed).
    Multi,
}

fn forbidden(c: char, lines: Lines) -> bool {
    let line_break = matches!(c, '\n' | '\r' | '\t');
    let bidi_override = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    (c.is_control() && !(lines == Lines::Multi && line_break)) || bidi_override
}

/// Normalises full-width ASCII (Ａ–Ｚ, ０–９, ＋－（）…) to half-width, as typed on Chinese
/// input methods, and the ideographic space to a plain space.
pub fn fold_full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A required text: trimmed, 1 to `max` characters.
pub fn required(
    value: &str,
    field: &[&str],
    max: usize,
    lines: Lines,
) -> Result<String, UserError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(UserError::invalid(field, "不能为空 (must not be empty)"));
    }
    check(trimmed, field, max, lines)?;
    Ok(trimmed.to_owned())
}

/// An optional text: trimmed; empty or blank means absent.
pub fn optional(
    value: Option<&str>,
    field: &[&str],
    max: usize,
    lines: Lines,
) -> Result<Option<String>, UserError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(trimmed) => {
            check(trimmed, field, max, lines)?;
            Ok(Some(trimmed.to_owned()))
        }
    }
}

fn check(value: &str, field: &[&str], max: usize, lines: Lines) -> Result<(), UserError> {
    let count = value.chars().count();
    if count > max {
        return Err(UserError::invalid(
            field,
            format!("不能超过 {max} 个字符 (at most {max} characters), got {count}"),
        ));
    }
    if let Some(c) = value.chars().find(|c| forbidden(*c, lines)) {
        return Err(UserError::invalid(
            field,
            format!(
                "含有不允许的控制字符 U+{:04X} (control or bidi-override character not allowed)",
                c as u32
            ),
        ));
    }
    Ok(())
}

/// A suggestion number (编号), unique within its session and kept as text because of
/// leading zeros ("0255"). Full-width digits are folded; letters, digits and '-' allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SuggestionNumber(String);

impl SuggestionNumber {
    pub const MAX: usize = 32;

    pub fn parse(value: &str, field: &[&str]) -> Result<Self, UserError> {
        let folded = fold_full_width(value);
        let trimmed = folded.trim();
        if trimmed.is_empty() {
            return Err(UserError::invalid(
                field,
                "编号不能为空 (number must not be empty)",
            ));
        }
        if trimmed.chars().count() > Self::MAX {
            return Err(UserError::invalid(
                field,
                format!("编号不能超过 {} 个字符 (number too long)", Self::MAX),
            ));
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(UserError::invalid(
                field,
                "编号只能包含数字、字母和连字符 (number may contain digits, letters and '-' only)",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_table() {
        let cases: [(&str, Lines, Option<&str>); 10] = [
            (
                "  关于加强基层干部交流的建议  ",
                Lines::Single,
                Some("关于加强基层干部交流的建议"),
            ),
            ("", Lines::Single, None),
            ("   \u{3000}", Lines::Single, None),
            ("a\nb", Lines::Single, None),
            ("a\nb", Lines::Multi, Some("a\nb")),
            ("a\u{0}b", Lines::Multi, None),
            ("a\u{202E}b", Lines::Multi, None),
            (
                "<script>alert(1)</script>",
                Lines::Single,
                Some("<script>alert(1)</script>"),
            ),
            (
                "'; DROP TABLE suggestion; --",
                Lines::Single,
                Some("'; DROP TABLE suggestion; --"),
            ),
            ("𠀀𪚥 😀", Lines::Single, Some("𠀀𪚥 😀")),
        ];
        for (input, lines, expected) in cases {
            let got = required(input, &["title"], 40, lines).ok();
            assert_eq!(got.as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let ten_chinese = "干部干部干部干部干部";
        assert!(required(ten_chinese, &["t"], 10, Lines::Single).is_ok());
        assert!(required(&format!("{ten_chinese}部"), &["t"], 10, Lines::Single).is_err());
    }

    #[test]
    fn optional_blank_is_absent() {
        assert_eq!(optional(None, &["x"], 5, Lines::Single), Ok(None));
        assert_eq!(optional(Some("  "), &["x"], 5, Lines::Single), Ok(None));
        assert_eq!(
            optional(Some(" ab "), &["x"], 5, Lines::Single),
            Ok(Some("ab".into()))
        );
        assert!(optional(Some("abcdef"), &["x"], 5, Lines::Single).is_err());
    }

    #[test]
    fn suggestion_numbers() {
        let cases = [
            ("0255", Some("0255")),
            (" ０２５５ ", Some("0255")),
            ("A-12", Some("A-12")),
            ("", None),
            ("02 55", None),
            ("第0255号", None),
            ("012345678901234567890123456789012", None),
        ];
        for (input, expected) in cases {
            let got = SuggestionNumber::parse(input, &["number"]).ok();
            assert_eq!(
                got.as_ref().map(SuggestionNumber::as_str),
                expected,
                "{input:?}"
            );
        }
    }
}
