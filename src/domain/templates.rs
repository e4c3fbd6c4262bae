//! The Chinese texts of every notice (docs/domain.md §10), in one place: `notices.toml` beside
//! this file holds the defaults, and a deployment may replace any of them with a file of its
//! own (`notice_templates`). A text is plain text with named `{placeholders}`; each part of
//! a kind accepts only its own (none gives a suggestion's text, a deputy's phone or a
//! feedback submitter's data), must name what identifies the case, and must fit its length
//! when filled with the longest sample. A file that breaks a rule is refused with the kind,
//! the key and the reason, so a server never starts with a text it cannot send.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use strum::IntoEnumIterator as _;

use super::notice::{cut, days_left, Facts, NoticeKind, Text, MESSAGE_CHARS, TITLE_CHARS};

/// The default texts, as shipped.
pub const DEFAULTS: &str = include_str!("notices.toml");

/// A part of a kind's texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// The notice's title (and an SMS's first words).
    Title,
    /// The text of a notice about one case.
    Body,
    /// A digest's title (DAILY_REMINDER, RATING_DUE).
    DigestTitle,
    /// One case in a digest.
    Line,
    /// The digest's last line, for the cases not listed.
    More,
}

impl Part {
    const ALL: [Part; 5] = [
        Part::Title,
        Part::Body,
        Part::DigestTitle,
        Part::Line,
        Part::More,
    ];

    /// The key in the TOML file.
    pub fn key(self) -> &'static str {
        match self {
            Part::Title => "title",
            Part::Body => "body",
            Part::DigestTitle => "digest_title",
            Part::Line => "line",
            Part::More => "more",
        }
    }

    /// The placeholders it may use for `kind`.
    fn slots(self, kind: NoticeKind) -> &'static [&'static str] {
        const CASE: &[&str] = &["number", "title", "case", "unit", "due", "message"];
        match (self, kind) {
            (Part::Title | Part::Body, _) => CASE,
            (Part::DigestTitle, NoticeKind::DailyReminder) => &["summary", "count"],
            (Part::DigestTitle, _) => &["count"],
            (Part::Line, NoticeKind::RatingDue) => {
                &["number", "title", "unit", "rating_due", "left"]
            }
            (Part::Line, _) => &[
                "number",
                "title",
                "unit",
                "state",
                "period",
                "due_on",
                "days_left",
            ],
            (Part::More, _) => &["rest"],
        }
    }

    /// The placeholder it must use: what names the case.
    fn required(self) -> Option<&'static str> {
        match self {
            Part::Title | Part::Line => Some("number"),
            Part::Body => Some("case"),
            Part::DigestTitle | Part::More => None,
        }
    }

    /// The most characters it may come to, filled with the longest sample.
    fn limit(self) -> usize {
        match self {
            Part::Title => 24,
            Part::Body => 320,
            Part::DigestTitle => 40,
            Part::Line => 100,
            Part::More => 40,
        }
    }
}

/// The parts a kind has: every kind a title and a body; the digests their lines too.
fn parts(kind: NoticeKind) -> &'static [Part] {
    match kind {
        NoticeKind::DailyReminder | NoticeKind::RatingDue => &Part::ALL,
        _ => &[Part::Title, Part::Body],
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Slot(&'static str),
}

/// One text with its placeholders, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Piece>);

impl Template {
    /// Parses `source`, refusing a placeholder not in `allowed` and a lone brace.
    fn parse(source: &str, allowed: &[&'static str]) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    let slot = allowed.iter().find(|a| **a == name.trim()).ok_or_else(|| {
                        format!(
                            "unknown placeholder {{{name}}}; this text may use {}",
                            allowed
                                .iter()
                                .map(|a| format!("{{{a}}}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        )
                    })?;
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Slot(slot));
                }
                '}' => return Err("a lone `}` (write `}}` for a brace)".to_owned()),
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Self(pieces))
    }

    fn names(&self, slot: &str) -> bool {
        self.0
            .iter()
            .any(|p| matches!(p, Piece::Slot(s) if *s == slot))
    }

    /// The text with each placeholder replaced by `value(name)`.
    pub fn fill(&self, value: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Slot(name) => out.push_str(&value(name)),
            }
        }
        out
    }
}

/// A file (or a part of one) that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notice templates: {0}")]
pub struct TemplateError(pub String);

/// Every kind's texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates(HashMap<(&'static str, Part), Template>);

type Tables = BTreeMap<String, BTreeMap<String, String>>;

impl Templates {
    /// The texts as shipped.
    pub fn defaults() -> Self {
        Self::read(DEFAULTS, None)
            .unwrap_or_else(|e| unreachable!("the shipped notices.toml is checked by a test: {e}"))
    }

    /// The shipped texts with those of a deployment's file in their place.
    pub fn with_overrides(toml_text: &str) -> Result<Self, TemplateError> {
        Self::read(toml_text, Some(Self::defaults()))
    }

    fn read(toml_text: &str, base: Option<Templates>) -> Result<Self, TemplateError> {
        let tables: Tables =
            toml::from_str(toml_text).map_err(|e| TemplateError(e.message().to_owned()))?;
        let mut texts = base.map(|b| b.0).unwrap_or_default();
        for (name, keys) in &tables {
            let kind = NoticeKind::parse(name)
                .ok_or_else(|| TemplateError(format!("[{name}] is not a kind of notice")))?;
            for (key, source) in keys {
                let at = |why: String| TemplateError(format!("[{name}] {key}: {why}"));
                let part = parts(kind)
                    .iter()
                    .copied()
                    .find(|p| p.key() == key)
                    .ok_or_else(|| at("not a text of this kind".to_owned()))?;
                let template = Template::parse(source, part.slots(kind)).map_err(&at)?;
                if let Some(slot) = part.required().filter(|s| !template.names(s)) {
                    return Err(at(format!("must name {{{slot}}}")));
                }
                let sample = sample(&template).chars().count();
                if sample > part.limit() {
                    return Err(at(format!(
                        "comes to {sample} characters with the longest sample; at most {}",
                        part.limit()
                    )));
                }
                texts.insert((kind.as_str(), part), template);
            }
        }
        for kind in NoticeKind::iter() {
            for part in parts(kind) {
                if !texts.contains_key(&(kind.as_str(), *part)) {
                    return Err(TemplateError(format!(
                        "[{}] {} is missing",
                        kind.as_str(),
                        part.key()
                    )));
                }
            }
        }
        Ok(Self(texts))
    }

    /// `kind`'s `part`, filled in by `value`. Empty for a part the kind does not have.
    pub fn fill(&self, kind: NoticeKind, part: Part, value: impl Fn(&str) -> String) -> String {
        self.0
            .get(&(kind.as_str(), part))
            .map(|t| t.fill(value))
            .unwrap_or_default()
    }
}

/// The Chinese text of a notice, in this process's texts ([`current`]).
pub fn render(kind: NoticeKind, facts: &Facts<'_>) -> Text {
    render_with(current(), kind, facts)
}

/// The Chinese text of a notice in `texts`.
pub fn render_with(texts: &Templates, kind: NoticeKind, facts: &Facts<'_>) -> Text {
    let title = cut(facts.title, TITLE_CHARS);
    let case = format!("第{}号建议《{title}》", facts.number);
    let due = facts.due_on.map_or_else(
        || "办理期限待定".to_owned(),
        |d| format!("办理期限 {d}（{}）", days_left(d, facts.today)),
    );
    let message = facts
        .message
        .map(|m| format!("催办意见：{}", cut(m.trim(), MESSAGE_CHARS)))
        .unwrap_or_default();
    let value = |slot: &str| match slot {
        "number" => facts.number.to_owned(),
        "title" => title.clone(),
        "case" => case.clone(),
        "unit" => facts.unit.unwrap_or("承办单位").to_owned(),
        "due" => due.clone(),
        "message" => message.clone(),
        _ => String::new(),
    };
    Text {
        title: texts.fill(kind, Part::Title, value),
        body: texts.fill(kind, Part::Body, value),
    }
}

/// A placeholder at its longest: a 30-character title, a 200-character message, a long
/// unit name, a long summary.
fn longest(slot: &str) -> String {
    match slot {
        "number" => "2026-0255".to_owned(),
        "title" => "题".repeat(TITLE_CHARS),
        "case" => format!("第2026-0255号建议《{}》", "题".repeat(TITLE_CHARS)),
        "unit" => "单".repeat(20),
        "due" => "办理期限 2026-12-20（已逾期 365 天）".to_owned(),
        "message" => format!("催办意见：{}", "催".repeat(MESSAGE_CHARS)),
        "summary" => "已逾期 9999 件，未签收 9999 件，即将到期 9999 件".to_owned(),
        "count" | "rest" => "9999".to_owned(),
        "state" => "未签收，".to_owned(),
        "period" => "会办意见期限".to_owned(),
        "due_on" | "rating_due" => "2026-12-20".to_owned(),
        "days_left" => "已逾期 365 天".to_owned(),
        "left" => "还有 20 个工作日".to_owned(),
        _ => String::new(),
    }
}

fn sample(template: &Template) -> String {
    template.fill(longest)
}

/// A case as `banli templates check` fills the texts with.
fn example(slot: &str) -> String {
    match slot {
        "number" => "0255".to_owned(),
        "title" => "关于进一步加强基层养老服务的建议".to_owned(),
        "case" => "第0255号建议《关于进一步加强基层养老服务的建议》".to_owned(),
        "unit" => "淮南市民政局".to_owned(),
        "due" => "办理期限 2026-12-20（还有 5 天）".to_owned(),
        "message" => "催办意见：请于本周内答复代表。".to_owned(),
        "summary" => "已逾期 1 件，即将到期 2 件".to_owned(),
        "count" => "3".to_owned(),
        "rest" => "5".to_owned(),
        "state" => "未签收，".to_owned(),
        "period" => "办理期限".to_owned(),
        "due_on" | "rating_due" => "2026-12-20".to_owned(),
        "days_left" => "还有 5 天".to_owned(),
        "left" => "还有 5 个工作日".to_owned(),
        _ => String::new(),
    }
}

/// Every text of `texts` filled with an example case, kind by kind (`banli templates
/// check`).
pub fn samples(texts: &Templates) -> String {
    let mut out = String::new();
    for kind in NoticeKind::iter() {
        out.push_str(&format!("[{}]\n", kind.as_str()));
        for part in parts(kind) {
            out.push_str(&format!(
                "{} = {}\n",
                part.key(),
                texts.fill(kind, *part, example)
            ));
        }
        out.push('\n');
    }
    out
}

static INSTALLED: OnceLock<Templates> = OnceLock::new();

/// Makes `templates` the texts of this process (at start-up, before anything is sent).
/// Installing other texts once some are in use is refused.
pub fn install(templates: Templates) -> Result<(), TemplateError> {
    let current = INSTALLED.get_or_init(|| templates.clone());
    if *current == templates {
        Ok(())
    } else {
        Err(TemplateError(
            "the texts of this process are already set".to_owned(),
        ))
    }
}

/// The texts of this process: those installed, else the shipped ones.
pub fn current() -> &'static Templates {
    INSTALLED.get_or_init(Templates::defaults)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn facts<'a>(title: &'a str, message: Option<&'a str>) -> Facts<'a> {
        Facts {
            number: "0255",
            title,
            unit: Some("淮南市人民政府"),
            due_on: Some(day(2026, 12, 20)),
            today: day(2026, 12, 15),
            message,
        }
    }

    #[test]
    fn every_kind_is_written_short_and_names_the_case() {
        let long_title = "关于".to_owned() + &"加强基层治理".repeat(20) + "的建议";
        let long_message = "请务必".repeat(200);
        for kind in NoticeKind::iter() {
            let text = render(kind, &facts(&long_title, Some(&long_message)));
            assert!(text.title.chars().count() <= 20, "{kind:?}: {}", text.title);
            assert!(text.body.chars().count() <= 320, "{kind:?}: {}", text.body);
            assert!(text.title.contains("第0255号"), "{kind:?}: {}", text.title);
            assert!(
                text.body.contains("第0255号建议《关于加强"),
                "{kind:?}: {}",
                text.body
            );
            assert!(
                text.body.contains('…'),
                "the long title is cut: {}",
                text.body
            );
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn an_urge_carries_the_message_and_the_days_left() {
        let text = render(
            NoticeKind::Urged,
            &facts("关于加强养老服务的建议", Some("请本周内答复。")),
        );
        assert_eq!(text.title, "催办：第0255号建议");
        assert_eq!(
            text.body,
            "请淮南市人民政府抓紧办理第0255号建议《关于加强养老服务的建议》，办理期限 2026-12-20（还有 5 天）。催办意见：请本周内答复。"
        );
    }

    #[test]
    fn the_assignment_notice_reads_as_a_clerk_expects() {
        let text = render(NoticeKind::Assigned, &facts("关于加强养老服务的建议", None));
        assert_eq!(text.title, "新交办：第0255号建议");
        assert_eq!(
            text.body,
            "第0255号建议《关于加强养老服务的建议》已交办淮南市人民政府，办理期限 2026-12-20（还有 5 天），请及时签收办理。"
        );
    }

    #[test]
    fn the_shipped_texts_are_complete_and_within_their_limits() {
        let shipped = Templates::read(DEFAULTS, None).unwrap();
        for kind in NoticeKind::iter() {
            for part in parts(kind) {
                let text = shipped.fill(kind, *part, longest);
                assert!(!text.is_empty(), "{kind:?} {part:?}");
                assert!(
                    text.chars().count() <= part.limit(),
                    "{kind:?} {part:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn a_deployment_changes_what_it_names_and_keeps_the_rest() {
        let custom = Templates::with_overrides(
            "[URGED]\nbody = \"请{unit}尽快办理{case}。{message} 联系电话 0554-1234567\"\n",
        )
        .unwrap();
        let value = |slot: &str| match slot {
            "unit" => "民政局".to_owned(),
            "case" => "第0001号建议《关于养老的建议》".to_owned(),
            _ => String::new(),
        };
        assert_eq!(
            custom.fill(NoticeKind::Urged, Part::Body, value),
            "请民政局尽快办理第0001号建议《关于养老的建议》。 联系电话 0554-1234567"
        );
        let shipped = Templates::defaults();
        assert_eq!(
            custom.fill(NoticeKind::Assigned, Part::Body, value),
            shipped.fill(NoticeKind::Assigned, Part::Body, value)
        );
        assert_eq!(
            Templates::with_overrides("[URGED]\ntitle = \"{{重要}} 催办 {number}\"\n")
                .unwrap()
                .fill(NoticeKind::Urged, Part::Title, |_| "0001".to_owned()),
            "{重要} 催办 0001"
        );
    }

    #[test]
    fn what_a_notice_must_never_carry_has_no_placeholder() {
        // (file, what the refusal says)
        let table = [
            (
                "[ASSIGNED]\nbody = \"{case}：{content}\"",
                "[ASSIGNED] body: unknown placeholder {content}",
            ),
            (
                "[ASSIGNED]\nbody = \"{case} {deputy_phone}\"",
                "unknown placeholder {deputy_phone}",
            ),
            (
                "[URGED]\nbody = \"{case} {phone}\"",
                "unknown placeholder {phone}",
            ),
            (
                "[RATING_DUE]\nline = \"{number} {submitter}\"",
                "unknown placeholder {submitter}",
            ),
            (
                "[RATING_DUE]\nline = \"{number} {due_on}\"",
                "unknown placeholder {due_on}",
            ),
            (
                "[ASSIGNED]\nbody = \"请及时签收。\"",
                "[ASSIGNED] body: must name {case}",
            ),
            ("[ASSIGNED]\ntitle = \"新交办\"", "must name {number}"),
            ("[ASSIGNED]\nbody = \"{case} }\"", "a lone `}`"),
            (
                "[ASSIGNED]\nline = \"{number}\"",
                "[ASSIGNED] line: not a text of this kind",
            ),
            (
                "[ASSIGNE]\nbody = \"{case}\"",
                "[ASSIGNE] is not a kind of notice",
            ),
            (
                "[ASSIGNED]\ntitle = \"新交办新交办新交办新交办新交办：{number}\"",
                "at most 24",
            ),
            ("[ASSIGNED\n", "notice templates:"),
        ];
        for (file, said) in table {
            let refused = Templates::with_overrides(file).unwrap_err().to_string();
            assert!(refused.contains(said), "{file}: {refused}");
        }
    }
}
