//! Chinese phone numbers: landlines with area code (0554-6678417), mobiles (13812345678)
//! and 400/800 service numbers, validated and normalised to one written form.

use super::error::UserError;
use super::text::fold_full_width;

/// A validated, normalised phone number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

const INVALID: &str = "电话号码格式不正确：固定电话须含区号（如 0554-6678417），手机号为 11 位 \
                       (phone must be a landline with area code, e.g. 0554-6678417, or an 11-digit mobile)";

impl PhoneNumber {
    pub fn parse(value: &str, field: &[&str]) -> Result<Self, UserError> {
        normalise(value)
            .map(Self)
            .ok_or_else(|| UserError::invalid(field, INVALID))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The number with its middle hidden (138****5678), for logs and audit rows.
    pub fn masked(&self) -> String {
        let digits: Vec<char> = self.0.chars().collect();
        let n = digits.len();
        if n <= 7 {
            return "*".repeat(n);
        }
        let keep_head = if n >= 11 { 3 } else { 2 };
        digits
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < keep_head || i >= n - 4 || !c.is_ascii_digit() {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    }
}

fn is_local_number(s: &str) -> bool {
    (7..=8).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_digit())
        && !s.starts_with('0')
        && !s.starts_with('1')
}

fn is_area_code(s: &str) -> bool {
    (3..=4).contains(&s.len()) && s.starts_with('0') && s.chars().all(|c| c.is_ascii_digit())
}

/// Three-digit area codes are 010 (Beijing) and 020–029; all others have four digits.
fn area_code_len(digits: &str) -> usize {
    if digits.starts_with("010") || digits.starts_with("02") {
        3
    } else {
        4
    }
}

fn normalise(value: &str) -> Option<String> {
    let folded = fold_full_width(value);
    let folded = folded.trim();
    if folded.is_empty() || folded.len() > 40 {
        return None;
    }
    // Split off an extension: 转123, ext 123, x123.
    let (main, ext) = match folded
        .find('转')
        .map(|i| (&folded[..i], &folded[i + '转'.len_utf8()..]))
        .or_else(|| {
            folded
                .to_ascii_lowercase()
                .find("ext")
                .map(|i| (&folded[..i], &folded[i + 3..]))
        }) {
        Some((main, ext)) => (
            main,
            Some(ext.trim_matches(|c: char| c == '.' || c.is_whitespace())),
        ),
        None => (folded, None),
    };
    if let Some(ext) = ext {
        if ext.is_empty() || ext.len() > 6 || !ext.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let allowed =
        |c: char| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')' | '+' | '—' | '–' | '‐');
    if !main.chars().all(allowed) {
        return None;
    }
    let mut digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let had_country_code = main.trim_start().starts_with('+');
    if had_country_code || digits.len() > 12 {
        digits = digits
            .strip_prefix("0086")
            .or_else(|| digits.strip_prefix("86"))?
            .to_owned();
    }
    let number = if digits.len() == 11 && digits.starts_with('1') {
        let second = digits.as_bytes().get(1).copied().unwrap_or(b'0');
        (b'3'..=b'9').contains(&second).then(|| digits.clone())?
    } else if (digits.starts_with("400") || digits.starts_with("800")) && digits.len() == 10 {
        format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..])
    } else if digits.len() == 13
        && digits.starts_with("86")
        && digits.as_bytes().get(2) == Some(&b'1')
    {
        digits[2..].to_owned()
    } else {
        // Landline: respect a split the writer made, else split by the area-code rule.
        let parts: Vec<String> = main
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        let (area, local) = match parts.as_slice() {
            [area, local] if is_area_code(area) => (area.clone(), local.clone()),
            _ => {
                let n = area_code_len(&digits);
                if digits.len() <= n {
                    return None;
                }
                (digits[..n].to_owned(), digits[n..].to_owned())
            }
        };
        if !is_area_code(&area) || !is_local_number(&local) {
            return None;
        }
        format!("{area}-{local}")
    };
    Some(match ext {
        Some(ext) => format!("{number}-{ext}"),
        None => number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_table() {
        let cases = [
            ("0554-6678417", Some("0554-6678417")),
            ("05546678417", Some("0554-6678417")),
            ("(0554)6678417", Some("0554-6678417")),
            ("（0554）6678417", Some("0554-6678417")),
            ("０５５４－６６７８４１７", Some("0554-6678417")),
            ("0554 6678 417", Some("0554-6678417")),
            ("010-62345678", Some("010-62345678")),
            ("01062345678", Some("010-62345678")),
            ("010-12345678", None), // local numbers never start with 1
            ("02162345678", Some("021-62345678")),
            ("0554-6678417转808", Some("0554-6678417-808")),
            ("13812345678", Some("13812345678")),
            ("138 1234 5678", Some("13812345678")),
            ("138-1234-5678", Some("13812345678")),
            ("+86 138 1234 5678", Some("13812345678")),
            ("+8613812345678", Some("13812345678")),
            ("8613812345678", Some("13812345678")),
            ("400-123-4567", Some("400-123-4567")),
            ("4001234567", Some("400-123-4567")),
            ("12812345678", None), // 12x is not a mobile prefix
            ("6678417", None),     // no area code
            ("0554-0678417", None),
            ("0554-66784", None),
            ("abc", None),
            ("", None),
            ("1381234567", None),
            ("138123456789", None),
            ("0554-6678417转", None),
            ("0554-6678417; DROP", None),
        ];
        for (input, expected) in cases {
            let got = PhoneNumber::parse(input, &["phone"]).ok();
            assert_eq!(got.as_ref().map(PhoneNumber::as_str), expected, "{input:?}");
        }
    }

    #[test]
    fn masking_hides_the_middle() {
        let cases = [
            ("13812345678", "138****5678"),
            ("0554-6678417", "055*-***8417"),
        ];
        for (input, expected) in cases {
            let phone = PhoneNumber::parse(input, &["p"]).ok();
            assert_eq!(
                phone.map(|p| p.masked()).as_deref(),
                Some(expected),
                "{input}"
            );
        }
    }
}
