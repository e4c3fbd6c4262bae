//! Public feedback (公众意见反馈): what a submission may contain, the lookup code (查询码)
//! a submitter gets, and the fingerprints used to spot duplicates and count a client's
//! submissions without keeping its address in the clear.

use rand::Rng;
use sha2::{Digest, Sha256};

use super::error::{Errors, UserError};
use super::phone::PhoneNumber;
use super::text::{self, fold_full_width, Lines};

/// Letters and digits that cannot be mistaken for each other when read aloud or copied
/// by hand (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Length of a lookup code: 31^12 ≈ 8·10^17 codes, so guessing one is hopeless.
pub const LOOKUP_CODE_LEN: usize = 12;

/// Most characters of the content, after trimming.
pub const CONTENT_MAX: usize = 2000;
/// Most characters of the submitter's name.
pub const NAME_MAX: usize = 50;
/// Most characters of an e-mail address (the column holds 100).
pub const EMAIL_MAX: usize = 100;

/// A fresh random lookup code.
pub fn lookup_code(rng: &mut impl Rng) -> String {
    (0..LOOKUP_CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A lookup code as typed: full-width folded, spaces and dashes dropped, upper case.
/// `None` when it cannot be a code (so the database is not asked).
pub fn parse_lookup_code(value: &str) -> Option<String> {
    let code: String = fold_full_width(value)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == LOOKUP_CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// How a submitter can be reached: a phone number or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Phone(PhoneNumber),
    Email(String),
}

impl Contact {
    /// Parses what a person typed: anything with an `@` must be an e-mail address, anything
    /// else a phone number (landline with area code or mobile; full-width digits folded).
    pub fn parse(value: &str, field: &[&str]) -> Result<Self, UserError> {
        let folded = fold_full_width(value);
        let trimmed = folded.trim();
        if trimmed.contains('@') {
            parse_email(trimmed)
                .map(Self::Email)
                .ok_or_else(|| UserError::invalid(field, CONTACT_INVALID))
        } else {
            PhoneNumber::parse(trimmed, field)
                .map(Self::Phone)
                .map_err(|_| UserError::invalid(field, CONTACT_INVALID))
        }
    }

    pub fn into_string(self) -> String {
        match self {
            Self::Phone(phone) => phone.into_string(),
            Self::Email(email) => email,
        }
    }
}

const CONTACT_INVALID: &str = "联系方式须为电话号码（固定电话含区号，或 11 位手机号）或电子邮箱 \
     (contact must be a phone number with area code, an 11-digit mobile, or an e-mail address)";

/// A plain check of `local@domain.tld`: what a person can mistype, not RFC 5322.
fn parse_email(value: &str) -> Option<String> {
    if value.chars().count() > EMAIL_MAX || value.chars().any(char::is_whitespace) {
        return None;
    }
    let (local, domain) = value.split_once('@')?;
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    (local_ok && domain_ok).then(|| format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// What a person sends with the form, as a client sent it.
#[derive(Debug, Clone, Default)]
pub struct RawSubmission<'a> {
    pub name: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub content: &'a str,
}

/// A submission that passed every check. The content is kept exactly as typed (only
/// trimmed); it is never interpreted as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub name: Option<String>,
    pub contact: Option<Contact>,
    pub content: String,
}

impl Submission {
    /// Checks every field and reports every problem at once; `prefix` is the path of the
    /// input object (`["input"]`).
    pub fn parse(raw: &RawSubmission<'_>, prefix: &[&str]) -> Result<Self, Vec<UserError>> {
        let path = |name: &'static str| -> Vec<&str> {
            let mut path = prefix.to_vec();
            path.push(name);
            path
        };
        let mut errors = Errors::new();
        let name = errors.check(text::optional(
            raw.name,
            &path("name"),
            NAME_MAX,
            Lines::Single,
        ));
        let contact = match raw.contact.map(str::trim).filter(|c| !c.is_empty()) {
            None => Some(None),
            Some(value) => errors.check(Contact::parse(value, &path("contact")).map(Some)),
        };
        let content = errors.check(
            text::required(raw.content, &path("content"), CONTENT_MAX, Lines::Multi).map_err(|e| {
                if raw.content.trim().is_empty() {
                    UserError::invalid(&path("content"), "请填写内容 (content is required)")
                } else {
                    e
                }
            }),
        );
        errors.finish()?;
        // Every check passed, so every value is there.
        Ok(Self {
            name: name.flatten(),
            contact: contact.flatten(),
            content: content.unwrap_or_default(),
        })
    }
}

/// The fingerprint of a content, equal for texts that differ only in width, case or
/// whitespace: the same message sent twice is recognised as a duplicate.
pub fn content_fingerprint(content: &str) -> String {
    let folded: String = fold_full_width(content)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    hex(&Sha256::digest(folded.as_bytes()))
}

/// The key under which a client's submissions are counted: a hash of its IP address, so
/// the address itself is not stored (it is erased with the contact details as well).
pub fn client_key(ip: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"banli-feedback-client\0");
    hasher.update(ip.as_bytes());
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// How many submissions a rolling window admits, and when the next one will be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u32,
    pub secs: u32,
}

impl Window {
    /// `count` submissions in the window, the oldest at `oldest_age_secs` ago: `None` when
    /// one more is admitted, otherwise the seconds until the oldest leaves the window.
    pub fn retry_after(self, count: u64, oldest_age_secs: i64) -> Option<u32> {
        if count < u64::from(self.limit) {
            return None;
        }
        let left = i64::from(self.secs) - oldest_age_secs.max(0);
        Some(u32::try_from(left.max(1)).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorCode;

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        let mut rng = rand::rng();
        for _ in 0..100 {
            let code = lookup_code(&mut rng);
            assert_eq!(code.len(), LOOKUP_CODE_LEN);
            assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
            assert_eq!(parse_lookup_code(&code).as_deref(), Some(code.as_str()));
        }
    }

    #[test]
    fn lookup_codes_as_typed() {
        let cases: &[(&str, Option<&str>)] = &[
            ("ABCD-EFGH-JKMN", Some("ABCDEFGHJKMN")),
            ("abcd efgh jkmn", Some("ABCDEFGHJKMN")),
            ("ＡＢＣＤＥＦＧＨＪＫＭＮ", Some("ABCDEFGHJKMN")),
            ("ABCDEFGHJKM", None),   // too short
            ("ABCDEFGHJKM0", None),  // 0 is not in the alphabet
            ("ABCDEFGHJKMNP", None), // too long
            ("", None),
            ("' OR 1=1 --", None),
        ];
        for (typed, expected) in cases {
            assert_eq!(parse_lookup_code(typed).as_deref(), *expected, "{typed}");
        }
    }

    #[test]
    fn contacts() {
        let cases: &[(&str, Option<&str>)] = &[
            ("13812345678", Some("13812345678")),
            ("１３８１２３４５６７８", Some("13812345678")),
            ("0554-6678417", Some("0554-6678417")),
            ("０５５４－６６７８４１７", Some("0554-6678417")),
            ("reader@example.cn", Some("reader@example.cn")),
            ("Reader.Name@Example.CN", Some("Reader.Name@example.cn")),
            (
                "ｒｅａｄｅｒ＠ｅｘａｍｐｌｅ．ｃｎ",
                Some("reader@example.cn"),
            ),
            ("  reader@example.cn  ", Some("reader@example.cn")),
            ("reader@", None),
            ("@example.cn", None),
            ("reader@example", None),
            ("reader@exa mple.cn", None),
            ("reader@@example.cn", None),
            ("<script>@x.cn", None),
            ("12345", None),
            ("微信 wx123", None),
        ];
        for (typed, expected) in cases {
            let parsed = Contact::parse(typed, &["contact"])
                .ok()
                .map(Contact::into_string);
            assert_eq!(parsed.as_deref(), *expected, "{typed}");
        }
    }

    fn submit(
        name: Option<&str>,
        contact: Option<&str>,
        content: &str,
    ) -> Result<Submission, Vec<UserError>> {
        Submission::parse(
            &RawSubmission {
                name,
                contact,
                content,
            },
            &["input"],
        )
    }

    #[test]
    fn submissions() {
        let ok = submit(Some(" 王先生 "), Some(" "), "  希望继续扩大名额。\n谢谢！ ")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ok.name.as_deref(), Some("王先生"));
        assert_eq!(ok.contact, None);
        assert_eq!(ok.content, "希望继续扩大名额。\n谢谢！");

        let html = "<b>加粗</b><script>alert(1)</script> & &amp;";
        assert_eq!(
            submit(None, None, html).map(|s| s.content).ok().as_deref(),
            Some(html)
        );

        let max = "意".repeat(CONTENT_MAX);
        assert!(submit(None, None, &max).is_ok());
        type Case<'a> = (Option<&'a str>, Option<&'a str>, &'a str, &'a [&'a str]);
        let table: &[Case] = &[
            (None, None, "", &["content"]),
            (None, None, " \n\t　", &["content"]),
            (None, None, &"意".repeat(CONTENT_MAX + 1), &["content"]),
            (Some(&"名".repeat(NAME_MAX + 1)), None, "内容", &["name"]),
            (Some("王\n先生"), None, "内容", &["name"]),
            (None, Some("12345"), "内容", &["contact"]),
            (None, None, "内容\u{0}", &["content"]),
            (
                Some(&"名".repeat(51)),
                Some("x@"),
                "",
                &["name", "contact", "content"],
            ),
        ];
        for (name, contact, content, fields) in table {
            let errors = submit(*name, *contact, content).err().unwrap_or_default();
            let got: Vec<&str> = errors.iter().map(|e| e.field[1].as_str()).collect();
            assert_eq!(&got, fields, "{name:?} {contact:?} {content:?}");
            assert!(errors
                .iter()
                .all(|e| e.code == ErrorCode::Invalid && e.field[0] == "input"));
        }
    }

    #[test]
    fn fingerprints_ignore_width_case_and_spacing() {
        let a = content_fingerprint("建议 增加 ABC 名额");
        assert_eq!(a, content_fingerprint("建议增加ａｂｃ名额\n"));
        assert_ne!(a, content_fingerprint("建议减少ABC名额"));
        assert_eq!(a.len(), 64);
        assert_ne!(client_key("10.0.0.1"), client_key("10.0.0.2"));
        assert_eq!(client_key("10.0.0.1").len(), 64);
    }

    #[test]
    fn rolling_windows() {
        let w = Window {
            limit: 3,
            secs: 3600,
        };
        let cases: &[(u64, i64, Option<u32>)] = &[
            (0, 0, None),
            (2, 3000, None),
            (3, 600, Some(3000)),
            (3, 3599, Some(1)),
            (3, 3600, Some(1)), // never 0: the row is about to leave, retry in a second
            (5, -10, Some(3600)),
        ];
        for (count, age, expected) in cases {
            assert_eq!(w.retry_after(*count, *age), *expected, "{count} {age}");
        }
    }
}
