//! Publication (公开): what the public sees of a reply. The public text is fixed when the
//! reply is published — the summary, or the body with its redacted parts (区分处理)
//! replaced — so redacted words are never sent to the public, whatever a query asks for.

use entity::enums::SuggestionKind;

use super::error::{Errors, UserError};
use super::redaction::PrivateDetails;
use super::text::{self, Lines};

/// What replaces a redacted passage.
pub const REDACTED: &str = "［不予公开］";

/// Most passages one publication may redact.
pub const MAX_REDACTIONS: usize = 50;
/// Longest passage to redact, in characters.
pub const REDACTION_MAX_CHARS: usize = 500;

/// The passages to withhold, as the office listed them: each trimmed, non-empty, single
/// line, and found in at least one of the texts being published (a passage found nowhere
/// is almost always a typo that would let the real words through).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactions {
    passages: Vec<String>,
    private: PrivateDetails,
}

impl Redactions {
    pub fn parse(
        passages: &[String],
        texts: &[&str],
        field: &[&str],
    ) -> Result<Self, Vec<UserError>> {
        if passages.len() > MAX_REDACTIONS {
            return Err(vec![UserError::invalid(
                field,
                format!("最多指定 {MAX_REDACTIONS} 处不予公开的内容 (at most {MAX_REDACTIONS} redactions)"),
            )]);
        }
        let mut errors = Errors::new();
        let mut kept: Vec<String> = Vec::with_capacity(passages.len());
        for (i, passage) in passages.iter().enumerate() {
            let index = i.to_string();
            let mut path = field.to_vec();
            path.push(&index);
            let Some(passage) = errors.check(text::required(
                passage,
                &path,
                REDACTION_MAX_CHARS,
                Lines::Single,
            )) else {
                continue;
            };
            if !texts.iter().any(|t| t.contains(&passage)) {
                errors.push(UserError::invalid(
                    &path,
                    "公开内容中找不到这段文字，请核对 (this passage does not occur in the published text)",
                ));
                continue;
            }
            if !kept.contains(&passage) {
                kept.push(passage);
            }
        }
        errors.finish()?;
        Ok(Self {
            passages: kept,
            private: PrivateDetails::default(),
        })
    }

    /// Adds what must never be published wherever and however it occurs (the deputies'
    /// own phone numbers and addresses), without requiring that it occurs.
    #[must_use]
    pub fn with_private(mut self, private: PrivateDetails) -> Self {
        self.private = private;
        self
    }

    /// `text` with every occurrence of every passage, then every private detail, replaced
    /// by [`REDACTED`]. Longer passages go first, so a passage inside another does not leave
    /// the rest visible.
    pub fn apply(&self, text: &str) -> String {
        let mut passages: Vec<&String> = self.passages.iter().collect();
        passages.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        let text = passages.into_iter().fold(text.to_owned(), |text, passage| {
            text.replace(passage.as_str(), REDACTED)
        });
        self.private.withhold(&text, REDACTED)
    }

    pub fn is_empty(&self) -> bool {
        self.passages.is_empty() && self.private.is_empty()
    }
}

/// The heading of a published reply, as government sites write it (seed 000):
/// 关于省人大十三届五次会议第0255号建议办理情况的答复函.
pub fn reply_title(session_name: &str, number: &str, kind: SuggestionKind) -> String {
    let noun = match kind {
        SuggestionKind::NpcSuggestion => "建议",
        SuggestionKind::CppccProposal => "提案",
    };
    format!("关于{session_name}第{number}号{noun}办理情况的答复函")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn redactions_replace_every_occurrence_longest_first() {
        let body = "联系人王某，电话13812345678。王某的地址为田家庵区某路1号。";
        let r = Redactions::parse(
            &owned(&["王某", "田家庵区某路1号", "王某"]),
            &[body],
            &["r"],
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            r.apply(body),
            "联系人［不予公开］，电话13812345678。［不予公开］的地址为［不予公开］。"
        );
        let mut private = PrivateDetails::default();
        private.phone("13812345678");
        private.address("不在文中的某个地址");
        let r = r.with_private(private);
        assert_eq!(
            r.apply(body),
            "联系人［不予公开］，电话［不予公开］。［不予公开］的地址为［不予公开］。"
        );
        // A passage inside a longer one: the longer one wins.
        let r = Redactions::parse(&owned(&["某路", "田家庵区某路1号"]), &[body], &["r"])
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(!r.apply(body).contains("田家庵区"));
    }

    #[test]
    fn bad_redactions_are_user_errors() {
        let body = "正文内容";
        let table: &[(&[&str], &[&str])] = &[
            (&["不存在"], &["input", "redact", "0"]),
            (&["正文", " "], &["input", "redact", "1"]),
            (&["正文\n内容"], &["input", "redact", "0"]),
        ];
        for (passages, field) in table {
            let errors = Redactions::parse(&owned(passages), &[body], &["input", "redact"])
                .err()
                .unwrap_or_default();
            assert_eq!(errors.len(), 1, "{passages:?}");
            assert_eq!(errors[0].field, owned(field), "{passages:?}");
        }
        let many = vec!["正文".to_owned(); MAX_REDACTIONS + 1];
        assert!(Redactions::parse(&many, &[body], &["r"]).is_err());
        // Found in the second text only is fine.
        assert!(Redactions::parse(&owned(&["建议"]), &[body, "建议原文"], &["r"]).is_ok());
    }

    #[test]
    fn titles() {
        assert_eq!(
            reply_title(
                "省人大十三届五次会议",
                "0255",
                SuggestionKind::NpcSuggestion
            ),
            "关于省人大十三届五次会议第0255号建议办理情况的答复函"
        );
        assert_eq!(
            reply_title("市政协十届三次会议", "12", SuggestionKind::CppccProposal),
            "关于市政协十届三次会议第12号提案办理情况的答复函"
        );
    }
}
