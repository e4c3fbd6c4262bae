//! Chinese full-text search, the pure part: how text becomes index tokens and how a
//! typed keyword becomes a query, identically for SQLite FTS5 and PostgreSQL `tsvector`.
//!
//! Chinese has no spaces between words, and the words offices search for are mostly two
//! characters (干部, 培训). Text is therefore indexed as overlapping **CJK bigrams**: every
//! Han character starts one token, the pair it forms with the next Han character (or the
//! character alone at the end of a run). Runs of Latin letters and digits (0255, A, pm2)
//! are one token each. A keyword then becomes a *phrase* of the same tokens, so 干部培训
//! matches exactly where the text holds those four characters in a row, and a single
//! character matches as a prefix (类 → 类*), because every character of a text begins a
//! token.
//!
//! Before tokenising, text is folded: full-width ASCII to half-width, upper to lower case,
//! and traditional to simplified characters one by one with OpenCC's character table (the
//! `hanconv` crate), so 幹部 and 干部, 領導 and 领导 are the same tokens. Folding by single
//! characters (not OpenCC's phrase tables) keeps every position, so a keyword folds the
//! same way wherever it occurs in a text.
//!
//! [`TOKENIZER_VERSION`] is stored with the index; changing anything here that changes
//! the tokens of a text must bump it, and the server rebuilds the index at start-up.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::LazyLock;

/// Version of the tokens this module makes; the index is rebuilt when it changes.
pub const TOKENIZER_VERSION: i32 = 1;

/// The longest Latin/digit token; longer runs are cut (no one searches for them whole).
const MAX_WORD_CHARS: usize = 32;
/// Most whitespace-separated terms a keyword may have; more are ignored.
const MAX_TERMS: usize = 8;
/// PostgreSQL keeps positions up to 16383 in a `tsvector`; tokens past the position limit
/// of a document are not indexed, on either database, so both find the same rows.
const MAX_POSITION: usize = 16_383;
/// Positions left empty between two fields so that no phrase spans them.
const FIELD_GAP: usize = 8;

/// Traditional → simplified, character by character (OpenCC `TSCharacters`, first
/// candidate). Built once, on first use.
static TO_SIMPLIFIED: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    hanconv::Dictionary::TSCharacters
        .iter()
        .filter_map(|(from, to)| {
            let mut from_chars = from.chars();
            let (Some(f), None) = (from_chars.next(), from_chars.next()) else {
                return None;
            };
            let t = to.chars().next()?;
            (f != t).then_some((f, t))
        })
        .collect()
});

/// Makes the conversion table now (start-up) rather than on the first search.
pub fn warm_up() {
    LazyLock::force(&TO_SIMPLIFIED);
}

/// One character as the index sees it (also how redaction compares addresses).
pub(crate) fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if let Some(&simplified) = TO_SIMPLIFIED.get(&c) {
        return simplified;
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Han ideographs: the unified blocks, extension A and the supplementary planes' extensions,
/// compatibility ideographs and 〇.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3007}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Word,
    Gap,
}

fn class(c: char) -> Class {
    if is_han(c) {
        Class::Han
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Gap
    }
}

/// A run of characters of one class, folded.
struct Run {
    han: bool,
    chars: Vec<char>,
}

fn runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut previous = Class::Gap;
    for c in text.chars().map(fold) {
        let class = class(c);
        match class {
            Class::Gap => {}
            _ if class == previous => {
                if let Some(run) = runs.last_mut() {
                    run.chars.push(c);
                }
            }
            _ => runs.push(Run {
                han: class == Class::Han,
                chars: vec![c],
            }),
        }
        previous = class;
    }
    runs
}

/// The tokens of one run. A Han run gives one token per character (its bigram, or the
/// character alone at the end), unless `drop_last_unigram`; a word run gives one token.
fn run_tokens(run: &Run, drop_last_unigram: bool, out: &mut Vec<String>) {
    if !run.han {
        out.push(run.chars.iter().take(MAX_WORD_CHARS).collect());
        return;
    }
    for (i, c) in run.chars.iter().enumerate() {
        match run.chars.get(i + 1) {
            Some(next) => out.push([*c, *next].iter().collect()),
            None if drop_last_unigram => {}
            None => out.push(c.to_string()),
        }
    }
}

/// The index tokens of `text`, in order (a token's position is its index).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(text) {
        run_tokens(&run, false, &mut out);
    }
    out
}

/// A keyword as a query: whitespace-separated terms, all of which must occur; each term
/// is a phrase of tokens, its last token possibly a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<Phrase>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Phrase {
    tokens: Vec<String>,
    /// The last token is one Han character that may begin a longer token in a text.
    prefix: bool,
}

impl Phrase {
    fn parse(term: &str) -> Option<Self> {
        let runs = runs(term);
        let mut tokens = Vec::new();
        let mut prefix = false;
        for (i, run) in runs.iter().enumerate() {
            let last = i + 1 == runs.len();
            // A text's run may go on past the keyword's last character: its bigrams
            // cover the keyword, and a lone last character is a prefix of a token there.
            let alone = run.han && run.chars.len() == 1;
            run_tokens(run, last && run.han && !alone, &mut tokens);
            prefix = last && alone;
        }
        (!tokens.is_empty()).then_some(Self { tokens, prefix })
    }
}

impl SearchQuery {
    /// The query for a typed keyword, or `None` when it holds nothing searchable
    /// (only spaces or punctuation).
    pub fn parse(keyword: &str) -> Option<Self> {
        let terms: Vec<Phrase> = keyword
            .split(|c: char| c.is_whitespace())
            .filter_map(Phrase::parse)
            .take(MAX_TERMS)
            .collect();
        (!terms.is_empty()).then_some(Self { terms })
    }

    /// How many whitespace-separated terms the keyword has.
    pub fn terms(&self) -> usize {
        self.terms.len()
    }

    /// The expression for SQLite FTS5's `MATCH`: quoted phrases joined by AND, a prefix
    /// phrase ending in `*`. Tokens hold only letters and digits, so quoting is safe.
    pub fn fts5(&self) -> String {
        let phrases: Vec<String> = self
            .terms
            .iter()
            .map(|p| {
                let star = if p.prefix { " *" } else { "" };
                format!("\"{}\"{star}", p.tokens.join(" "))
            })
            .collect();
        phrases.join(" AND ")
    }

    /// The PostgreSQL `tsquery` literal (to be cast, not parsed by `to_tsquery`): each
    /// phrase's tokens joined by `<->`, a prefix token marked `:*`, phrases joined by `&`.
    pub fn tsquery(&self) -> String {
        let phrases: Vec<String> = self
            .terms
            .iter()
            .map(|p| {
                let last = p.tokens.len() - 1;
                let tokens: Vec<String> = p
                    .tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let star = if p.prefix && i == last { ":*" } else { "" };
                        format!("'{t}'{star}")
                    })
                    .collect();
                format!("({})", tokens.join(" <-> "))
            })
            .collect();
        phrases.join(" & ")
    }
}

/// Most tokens a [`SimilarQuery`] keeps: a title's worth (titles run 20–40 characters).
pub const MAX_SIMILAR_TOKENS: usize = 32;

/// "Texts like this one" (并案 candidates while a suggestion is registered): the distinct
/// tokens of a text, any of which may match, ranked by how many and how rare. Only the
/// first [`MAX_SIMILAR_TOKENS`] distinct tokens of two or more characters count, so a
/// pasted full text costs what a title does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimilarQuery {
    /// Any of these may match.
    tokens: Vec<String>,
    /// Or all of these together (the rarest of the text's common tokens, see
    /// [`SimilarQuery::focus`]); empty for a text without common tokens.
    together: Vec<String>,
}

impl SimilarQuery {
    /// The query for `text`, or `None` when it holds nothing searchable.
    pub fn parse(text: &str) -> Option<Self> {
        let mut seen = std::collections::HashSet::new();
        let all: Vec<String> = tokens(text)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .collect();
        // One character (a run's trailing 部 or 号, a lone letter) matches nearly every
        // text: it counts only when the text has nothing longer.
        let long: Vec<String> = all
            .iter()
            .filter(|t| t.chars().nth(1).is_some())
            .take(MAX_SIMILAR_TOKENS)
            .cloned()
            .collect();
        let tokens = if long.is_empty() {
            all.into_iter().take(MAX_SIMILAR_TOKENS).collect()
        } else {
            long
        };
        (!tokens.is_empty()).then_some(Self {
            tokens,
            together: Vec::new(),
        })
    }

    /// The query without the tokens `vocabulary` finds common (in more than a twentieth
    /// of the documents: 关于, 建议, 加强…). They match nearly everything, so each would
    /// make every document a candidate and rank it, and they say little about likeness.
    /// What they still say is kept as one group that must match *together*: the
    /// [`COMMON_TOKENS_TOGETHER`] rarest of them (生态 态环 环境 in a text on 生态环境
    /// where that topic is frequent), when nothing else is left, or when together they
    /// would be rare if they occurred independently (the product of their shares at most
    /// one in [`COMMON_TOKEN_ONE_IN`]; 关于 改善 建议 together are still everywhere).
    pub fn focus(self, vocabulary: &Vocabulary) -> Self {
        let (mut common, rare): (Vec<String>, Vec<String>) = self
            .tokens
            .into_iter()
            .partition(|t| vocabulary.is_common(t));
        // Rarest first; a stable sort keeps the text's order among equals.
        common.sort_by_key(|t| vocabulary.documents_with(t));
        common.truncate(COMMON_TOKENS_TOGETHER);
        let together_share: f64 = common.iter().map(|t| vocabulary.share(t)).product();
        if !rare.is_empty() && together_share * COMMON_TOKEN_ONE_IN as f64 > 1.0 {
            common.clear();
        }
        if rare.is_empty() {
            // Nothing but common tokens: they are the query, all required.
            return Self {
                tokens: Vec::new(),
                together: common,
            };
        }
        Self {
            tokens: rare,
            together: common,
        }
    }

    /// The tokens any of which may match.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The tokens that match only all together (see [`SimilarQuery::focus`]).
    pub fn together(&self) -> &[String] {
        &self.together
    }

    /// FTS5: the tokens joined by OR, the group by AND (quoted: tokens hold only letters
    /// and digits).
    pub fn fts5(&self) -> String {
        self.expression(|t| format!("\"{t}\""), " OR ", " AND ")
    }

    /// The PostgreSQL `tsquery` literal: the tokens joined by `|`, the group by `&`.
    pub fn tsquery(&self) -> String {
        self.expression(|t| format!("'{t}'"), " | ", " & ")
    }

    fn expression(&self, quote: impl Fn(&str) -> String, or: &str, and: &str) -> String {
        let mut any: Vec<String> = self.tokens.iter().map(|t| quote(t)).collect();
        if !self.together.is_empty() {
            let all: Vec<String> = self.together.iter().map(|t| quote(t)).collect();
            let all = all.join(and);
            any.push(if any.is_empty() {
                all
            } else {
                format!("({all})")
            });
        }
        any.join(or)
    }
}

/// How many documents of an index hold the frequent tokens (those in at least a hundredth
/// of them), as counted by the last census of the index; any other token is rare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// The documents the index held when counted.
    pub documents: u64,
    /// Documents per frequent token.
    pub frequent: HashMap<String, u64>,
}

/// A token in more than one document in this many is common (see [`SimilarQuery::focus`]).
pub const COMMON_TOKEN_ONE_IN: u64 = 20;
/// An index of fewer documents has no common tokens: ranking all of them costs little.
pub const COMMON_TOKEN_MIN_DOCUMENTS: u64 = 1_000;
/// How many of a text's common tokens still select documents together.
pub const COMMON_TOKENS_TOGETHER: usize = 3;

impl Vocabulary {
    /// The documents holding `token` (0 for a token too rare to be counted).
    pub fn documents_with(&self, token: &str) -> u64 {
        self.frequent.get(token).copied().unwrap_or(0)
    }

    /// The share of the documents that hold `token` (0 to 1).
    pub fn share(&self, token: &str) -> f64 {
        if self.documents == 0 {
            return 0.0;
        }
        (self.documents_with(token) as f64 / self.documents as f64).min(1.0)
    }

    /// True for a token in more than one in [`COMMON_TOKEN_ONE_IN`] documents of an index
    /// of at least [`COMMON_TOKEN_MIN_DOCUMENTS`].
    pub fn is_common(&self, token: &str) -> bool {
        self.documents >= COMMON_TOKEN_MIN_DOCUMENTS
            && self
                .documents_with(token)
                .saturating_mul(COMMON_TOKEN_ONE_IN)
                > self.documents
    }
}

/// How much a field counts in ranking (PostgreSQL's weights A–D; FTS5 ranks per column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Titles and numbers.
    High,
    /// Bodies.
    Normal,
}

/// A document to index: fields, each the tokens of one or more texts.
#[derive(Debug, Clone, Default)]
pub struct Document {
    fields: Vec<(Weight, Vec<String>)>,
}

impl Document {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field made of `texts`, in order (absent texts are skipped).
    pub fn field<'a>(mut self, weight: Weight, texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut tokens = Vec::new();
        for text in texts {
            tokens.extend(self::tokens(text));
        }
        self.fields.push((weight, tokens));
        self
    }

    /// The tokens each field keeps within [`MAX_POSITION`], with their positions (1-based).
    fn positioned(&self) -> Vec<(Weight, Vec<(usize, &str)>)> {
        let mut next = 1;
        self.fields
            .iter()
            .map(|(weight, tokens)| {
                let kept: Vec<(usize, &str)> = tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (next + i, t.as_str()))
                    .take_while(|(position, _)| *position <= MAX_POSITION)
                    .collect();
                next += tokens.len() + FIELD_GAP;
                (*weight, kept)
            })
            .collect()
    }

    /// One text per field for an FTS5 table with one column per field: the tokens
    /// separated by spaces.
    pub fn fts5_columns(&self) -> Vec<String> {
        self.positioned()
            .into_iter()
            .map(|(_, tokens)| {
                let words: Vec<&str> = tokens.into_iter().map(|(_, t)| t).collect();
                words.join(" ")
            })
            .collect()
    }

    /// The PostgreSQL `tsvector` literal (to be cast): each token once, with its positions
    /// and the field's weight (`A` for [`Weight::High`]).
    pub fn tsvector(&self) -> String {
        // PostgreSQL keeps at most 256 positions of one lexeme.
        const MAX_POSITIONS_PER_TOKEN: usize = 255;
        let mut lexemes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (weight, tokens) in self.positioned() {
            let mark = match weight {
                Weight::High => "A",
                Weight::Normal => "",
            };
            for (position, token) in tokens {
                let positions = lexemes.entry(token).or_default();
                if positions.len() < MAX_POSITIONS_PER_TOKEN {
                    positions.push(format!("{position}{mark}"));
                }
            }
        }
        let mut out = String::new();
        for (token, positions) in lexemes {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "'{token}':{}", positions.join(","));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_become_bigrams_and_words() {
        let cases: &[(&str, &[&str])] = &[
            ("干部培训", &["干部", "部培", "培训", "训"]),
            ("幹部", &["干部", "部"]),
            ("領導幹部", &["领导", "导干", "干部", "部"]),
            ("第0255号建议", &["第", "0255", "号建", "建议", "议"]),
            ("Ａ类", &["a", "类"]),
            ("A类、B类", &["a", "类", "b", "类"]),
            (
                "沪苏浙，长三角",
                &["沪苏", "苏浙", "浙", "长三", "三角", "角"],
            ),
            ("PM2.5 浓度", &["pm2", "5", "浓度", "度"]),
            ("𠀀𪚥", &["𠀀𪚥", "𪚥"]),
            ("", &[]),
            ("，。！", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(tokens(text), *expected, "tokens of {text:?}");
        }
    }

    #[test]
    fn keywords_become_phrases() {
        let cases: &[(&str, &str, &str)] = &[
            ("干部", "\"干部\"", "('干部')"),
            ("幹部", "\"干部\"", "('干部')"),
            (
                "干部培训",
                "\"干部 部培 培训\"",
                "('干部' <-> '部培' <-> '培训')",
            ),
            ("干", "\"干\" *", "('干':*)"),
            ("0255", "\"0255\"", "('0255')"),
            ("A类", "\"a 类\" *", "('a' <-> '类':*)"),
            (
                "第0255号",
                "\"第 0255 号\" *",
                "('第' <-> '0255' <-> '号':*)",
            ),
            (
                "沪苏浙 长三角",
                "\"沪苏 苏浙\" AND \"长三 三角\"",
                "('沪苏' <-> '苏浙') & ('长三' <-> '三角')",
            ),
            (
                "'); DROP TABLE x; --",
                "\"drop\" AND \"table\" AND \"x\"",
                "('drop') & ('table') & ('x')",
            ),
            (
                "\"干部\" OR x*",
                "\"干部\" AND \"or\" AND \"x\"",
                "('干部') & ('or') & ('x')",
            ),
        ];
        for (keyword, fts5, tsquery) in cases {
            let query = SearchQuery::parse(keyword).expect(keyword);
            assert_eq!(query.fts5(), *fts5, "FTS5 query of {keyword:?}");
            assert_eq!(query.tsquery(), *tsquery, "tsquery of {keyword:?}");
        }
    }

    #[test]
    fn nothing_searchable_is_no_query() {
        for keyword in ["", "   ", "，。", "*\"'", "\u{3000}"] {
            assert_eq!(SearchQuery::parse(keyword), None, "{keyword:?}");
        }
    }

    #[test]
    fn many_terms_are_capped() {
        let keyword = "a b c d e f g h i j k";
        let query = SearchQuery::parse(keyword).expect("query");
        assert_eq!(query.terms.len(), MAX_TERMS);
    }

    /// A phrase matches where its tokens occur at consecutive positions, the last one as a
    /// prefix if marked: the semantics both databases implement, checked here directly.
    fn matches(text: &str, keyword: &str) -> bool {
        let doc = tokens(text);
        let Some(query) = SearchQuery::parse(keyword) else {
            return false;
        };
        query.terms.iter().all(|phrase| {
            let n = phrase.tokens.len();
            doc.windows(n).any(|window| {
                window
                    .iter()
                    .zip(&phrase.tokens)
                    .enumerate()
                    .all(|(i, (d, q))| {
                        if phrase.prefix && i == n - 1 {
                            d.starts_with(q.as_str())
                        } else {
                            d == q
                        }
                    })
            })
        })
    }

    #[test]
    fn keywords_find_what_a_reader_expects() {
        let text = "关于加强基层幹部培训的建议（第0255号），涉及沪苏浙A类项目与領導班子";
        let cases: &[(&str, bool)] = &[
            ("干部", true),
            ("幹部", true),
            ("部培", true),
            ("培训", true),
            ("干部培训", true),
            ("基层干部培训", true),
            ("领导", true),
            ("領導班子", true),
            ("0255", true),
            ("第0255号", true),
            ("沪苏浙", true),
            ("A类", true),
            ("a类项目", true),
            ("类", true),
            ("训", true),
            ("建议", true),
            ("干部 领导", true),
            ("干部 教师", false),
            ("教师", false),
            ("部干", false),
            ("培训干部", false),
            ("0256", false),
            ("025", false),
            ("B类", false),
            ("号涉", false),
        ];
        for (keyword, expected) in cases {
            assert_eq!(matches(text, keyword), *expected, "{keyword:?} in {text:?}");
        }
    }

    #[test]
    fn documents_render_for_both_databases() {
        let doc = Document::new()
            .field(Weight::High, ["干部", "0255"])
            .field(Weight::Normal, ["幹部培训"]);
        assert_eq!(
            doc.fts5_columns(),
            vec!["干部 部 0255", "干部 部培 培训 训"]
        );
        // Title tokens at 1–3, then a gap of 8, then the body from 12.
        assert_eq!(
            doc.tsvector(),
            "'0255':3A '培训':14 '干部':1A,12 '训':15 '部':2A '部培':13"
        );
    }

    #[test]
    fn long_documents_stop_at_the_position_limit() {
        let long = "干".repeat(MAX_POSITION + 100);
        let doc = Document::new().field(Weight::Normal, [long.as_str()]);
        let column = &doc.fts5_columns()[0];
        assert_eq!(column.split(' ').count(), MAX_POSITION);
        // One lexeme, with at most 255 positions.
        let vector = doc.tsvector();
        assert_eq!(vector.matches(',').count(), 254);
    }

    #[test]
    fn similar_queries_keep_distinct_tokens_of_any_script_up_to_a_title() {
        let cases: [(&str, Option<&[&str]>); 6] = [
            (
                "关于加强基层幹部培训",
                Some(&[
                    "关于", "于加", "加强", "强基", "基层", "层干", "干部", "部培", "培训",
                ]),
            ),
            ("干部 干部", Some(&["干部"])),
            ("第0255号 A类", Some(&["0255"])),
            ("类", Some(&["类"])),
            ("……", None),
            ("", None),
        ];
        for (text, expected) in cases {
            let query = SimilarQuery::parse(text);
            let tokens: Option<Vec<&str>> = query
                .as_ref()
                .map(|q| q.tokens().iter().map(String::as_str).collect());
            assert_eq!(tokens.as_deref(), expected, "{text}");
        }
        let long = "建议".repeat(10) + &"培训交流干部基层工作能力水平提升乡镇街道".repeat(5);
        let query = SimilarQuery::parse(&long).expect("tokens");
        assert!(query.tokens().len() <= MAX_SIMILAR_TOKENS);
        let q = SimilarQuery::parse("干部培训").expect("tokens");
        assert_eq!(q.fts5(), r#""干部" OR "部培" OR "培训""#);
        assert_eq!(q.tsquery(), "'干部' | '部培' | '培训'");
    }

    #[test]
    fn similar_queries_leave_common_tokens_out_or_require_them_together() {
        // 10,000 documents: a token in more than 500 is common.
        let vocabulary = |frequent: &[(&str, u64)], documents: u64| Vocabulary {
            documents,
            frequent: frequent
                .iter()
                .map(|(t, n)| ((*t).to_owned(), *n))
                .collect(),
        };
        let everyday = vocabulary(
            &[
                ("关于", 9_900),
                ("加强", 6_000),
                ("建议", 10_000),
                ("生态", 1_250),
                ("态环", 1_250),
                ("环境", 1_300),
                ("保护", 501),
                ("工作", 500),
            ],
            10_000,
        );
        type Case<'a> = (&'a str, Vocabulary, &'a str, &'a str);
        let cases: [Case; 7] = [
            // Nothing counted yet, or too few documents: the text's tokens as they are.
            (
                "干部培训",
                Vocabulary::default(),
                "'干部' | '部培' | '培训'",
                "",
            ),
            (
                "关于干部",
                vocabulary(&[("关于", 999)], 999),
                "'关于' | '于干' | '干部'",
                "",
            ),
            // Rare tokens stay; one common token among them is dropped (501 > 10,000 / 20;
            // 500 is not more).
            ("保护工作", everyday.clone(), "'护工' | '工作'", ""),
            // The three rarest of several common tokens, together (5% × 12.5% × 12.5% of
            // the documents if independent), beside the rare ones.
            (
                "关于加强生态环境保护",
                everyday.clone(),
                "'于加' | '强生' | '境保' | ('保护' & '生态' & '态环')",
                "保护 生态 态环",
            ),
            // Only common tokens: the (up to) three rarest, all required.
            (
                "生态环境",
                everyday.clone(),
                "'生态' & '态环' & '环境'",
                "生态 态环 环境",
            ),
            // Common tokens that are everywhere even together: dropped.
            ("关于建议", everyday.clone(), "'于建'", ""),
            ("建议", everyday, "'建议'", "建议"),
        ];
        for (text, vocabulary, tsquery, together) in cases {
            let q = SimilarQuery::parse(text)
                .expect("tokens")
                .focus(&vocabulary);
            assert_eq!(q.tsquery(), tsquery, "{text}");
            assert_eq!(q.together().join(" "), together, "{text}");
        }
        let q = SimilarQuery::parse("生态环境保护")
            .expect("tokens")
            .focus(&vocabulary(&[("生态", 600), ("环境", 700)], 10_000));
        assert_eq!(
            q.fts5(),
            r#""态环" OR "境保" OR "保护" OR ("生态" AND "环境")"#
        );
    }
}
