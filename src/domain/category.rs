//! Reply categories (docs/domain.md §3): each session has a scheme of allowed codes.

use serde::{Deserialize, Serialize};

use super::error::UserError;
use entity::enums::ReplyCategory;

/// One allowed category of a scheme, with the label and definition staff see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryDefinition {
    pub code: ReplyCategory,
    pub label: String,
    pub definition: String,
}

/// The category scheme of a session: which codes are allowed, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CategoryScheme(pub Vec<CategoryDefinition>);

/// The built-in schemes an office picks from when it creates a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemePreset {
    /// A/B/C, as used by many provinces.
    ThreeClass,
    /// A/B/C/D, the national scheme (D = 留作参考).
    FourClass,
}

fn def(code: ReplyCategory, label: &str, definition: &str) -> CategoryDefinition {
    CategoryDefinition {
        code,
        label: label.to_owned(),
        definition: definition.to_owned(),
    }
}

impl CategoryScheme {
    /// The scheme as a session stores it (JSON); three classes if unreadable.
    pub fn stored(value: &serde_json::Value) -> Self {
        Self::deserialize(value).unwrap_or_else(|_| Self::preset(SchemePreset::ThreeClass))
    }

    pub fn preset(preset: SchemePreset) -> Self {
        use ReplyCategory::{A, B, C, D};
        match preset {
            SchemePreset::ThreeClass => Self(vec![
                def(A, "A类", "已解决或基本解决，或建议被采纳"),
                def(B, "B类", "正在解决或列入计划逐步解决"),
                def(
                    C,
                    "C类",
                    "因法律、政策或条件限制暂时不能解决，留作参考并作说明",
                ),
            ]),
            SchemePreset::FourClass => Self(vec![
                def(A, "A类", "已解决或基本解决，或建议被采纳"),
                def(B, "B类", "正在解决或列入计划逐步解决"),
                def(C, "C类", "因条件限制暂时不能解决，作出解释说明"),
                def(D, "D类", "留作参考"),
            ]),
        }
    }

    pub fn allows(&self, code: ReplyCategory) -> bool {
        self.0.iter().any(|d| d.code == code)
    }

    /// Checks `code` against the scheme; a D reply in a three-class session is a user error.
    pub fn check(&self, code: ReplyCategory, field: &[&str]) -> Result<(), UserError> {
        if self.allows(code) {
            return Ok(());
        }
        let allowed: Vec<&str> = self.0.iter().map(|d| d.label.as_str()).collect();
        Err(UserError::invalid(
            field,
            format!(
                "本次会议的答复类别只有 {} (category {:?} is not in this session's scheme)",
                allowed.join("、"),
                code
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReplyCategory::{A, B, C, D};

    #[test]
    fn schemes_allow_their_codes_only() {
        let cases = [
            (SchemePreset::ThreeClass, A, true),
            (SchemePreset::ThreeClass, B, true),
            (SchemePreset::ThreeClass, C, true),
            (SchemePreset::ThreeClass, D, false),
            (SchemePreset::FourClass, A, true),
            (SchemePreset::FourClass, D, true),
        ];
        for (preset, code, allowed) in cases {
            let scheme = CategoryScheme::preset(preset);
            assert_eq!(scheme.allows(code), allowed, "{preset:?} {code:?}");
            assert_eq!(scheme.check(code, &["category"]).is_ok(), allowed);
        }
    }

    #[test]
    fn a_refused_code_names_the_allowed_ones() {
        let scheme = CategoryScheme::preset(SchemePreset::ThreeClass);
        let message = scheme
            .check(D, &["input", "category"])
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(message.contains("A类、B类、C类"), "{message}");
    }

    #[test]
    fn scheme_round_trips_through_json() {
        let scheme = CategoryScheme::preset(SchemePreset::FourClass);
        let json = serde_json::to_value(&scheme).unwrap_or_default();
        let back: Option<CategoryScheme> = serde_json::from_value(json).ok();
        assert_eq!(back, Some(scheme));
    }
}
