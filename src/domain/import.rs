//! Text from spreadsheets, made predictable before it is validated (the bulk import).
//!
//! What offices paste into Excel comes from Word files, web pages and other systems: stray
//! and invisible spaces, full-width digits typed on Chinese input methods, names padded to
//! line up (陈　丽), and the scraping noise of seeds 003/004 — pinyin readings left behind
//! after each character by a converter (發(fā)展, 鄉(xiāng)) and U+FFFD where bytes were lost.
//! Every rule here is a plain function with a table of cases, so what an import does to a
//! cell can be told in advance:
//!
//! - invisible characters (zero-width spaces and joiners, BOM, soft hyphen) are removed;
//!   every kind of space (no-break, ideographic, thin) is a plain space;
//! - a pinyin reading in parentheses right after a Han character is removed when it is
//!   lower-case letters with at least one tone mark (`(fā)`, `（xiāng）`); readings without
//!   a tone mark (neutral tone) are kept, so `(A)`, `(2022)`, `(街道)` and `(pm)` are never
//!   touched;
//! - one-line fields: runs of whitespace (line breaks included) become one space, and the
//!   ends are trimmed; multi-line fields: line breaks become `\n`, each line is trimmed
//!   and its inner runs of spaces collapsed, and more than one empty line in a row
//!   becomes one;
//! - text holding U+FFFD (bytes lost before it reached the sheet) is refused, since what
//!   stood there cannot be known (see [`is_damaged`]);
//! - numbers fold full-width letters and digits, lose every space, and a written-out
//!   `第0255号` becomes `0255`;
//! - names lose the spaces between Han characters (陈　丽 → 陈丽); co-signers are separated
//!   by 、，,；; or line breaks (never by spaces, which pad names);
//! - flags read 是/否 (and Y/N, yes/no, true/false, 1/0, √/×); dates read 2022-01-18,
//!   2022/1/18, 2022.1.18 and 2022年1月18日.
//!
//! Traditional characters are kept as written (the search index folds them); deputies'
//! names are compared folded (see `service::import`).

use chrono::{NaiveDate, NaiveTime};

use super::search::is_han;
use super::text::{fold_full_width, Lines};

/// Characters that show nothing and are dropped.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

/// Characters that are some kind of space and become a plain one.
fn is_odd_space(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Vowels (and the syllabic n, m) with a pinyin tone mark.
fn has_tone_mark(c: char) -> bool {
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ".contains(c)
}

fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_lowercase() || c == 'ü' || has_tone_mark(c)
}

/// Removes pinyin readings in parentheses right after a Han character: 發(fā)展 → 發展.
pub fn strip_pinyin_readings(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_han = out.chars().next_back().is_some_and(is_han);
        if after_han && matches!(c, '(' | '（') {
            // The longest pinyin syllable has six letters (zhuang, shuang).
            let close = chars
                .iter()
                .skip(i + 1)
                .take(7)
                .position(|c| matches!(c, ')' | '）'));
            if let Some(len) = close {
                let inner = &chars[i + 1..i + 1 + len];
                if !inner.is_empty()
                    && inner.iter().all(|c| is_pinyin_letter(*c))
                    && inner.iter().any(|c| has_tone_mark(*c))
                {
                    i += len + 2;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// True when the text lost characters before it reached the sheet (U+FFFD, the
/// replacement character a decoder puts where bytes were invalid): refused, since what
/// stood there cannot be recovered.
pub fn is_damaged(value: &str) -> bool {
    value.contains('\u{FFFD}')
}

fn collapse_spaces(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cell's text with the rules of the module docs applied (`lines`: one line or
/// several).
pub fn tidy(value: &str, lines: Lines) -> String {
    let visible: String = value
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| if is_odd_space(c) { ' ' } else { c })
        .collect();
    let text = strip_pinyin_readings(&visible);
    match lines {
        Lines::Single => collapse_spaces(&text),
        Lines::Multi => {
            let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
            let mut out: Vec<String> = Vec::new();
            for line in normalised.split('\n').map(collapse_spaces) {
                let blank_before = out.last().is_some_and(String::is_empty);
                if line.is_empty() && (out.is_empty() || blank_before) {
                    continue;
                }
                out.push(line);
            }
            while out.last().is_some_and(String::is_empty) {
                out.pop();
            }
            out.join("\n")
        }
    }
}

/// A suggestion number as typed: full-width folded, spaces removed, 第…号 unwrapped.
/// The result is then parsed by `SuggestionNumber::parse`, as `registerSuggestion` does.
pub fn tidy_number(value: &str) -> String {
    let folded: String = fold_full_width(&tidy(value, Lines::Single))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let inner = folded
        .strip_prefix('第')
        .and_then(|rest| rest.strip_suffix('号').or_else(|| rest.strip_suffix('號')));
    inner.map_or(folded.clone(), str::to_owned)
}

/// A person's name: tidied, without spaces between Han characters (陈　丽 → 陈丽), and the
/// middle dots of transliterated names unified (・‧• → ·).
pub fn tidy_name(value: &str) -> String {
    let line = tidy(value, Lines::Single);
    let chars: Vec<char> = line
        .chars()
        .map(|c| match c {
            '・' | '‧' | '•' | '･' => '·',
            _ => c,
        })
        .collect();
    let mut out = String::with_capacity(line.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let before = out.chars().next_back();
            let after = chars[i + 1..].iter().find(|c| **c != ' ');
            let joins = |c: Option<&char>| c.is_some_and(|c| is_han(*c) || *c == '·');
            if joins(before.as_ref()) && joins(after) {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

/// A list of names: separated by 、，,；; or line breaks; each tidied, blanks dropped.
pub fn split_names(value: &str) -> Vec<String> {
    value
        .split(['、', '，', ',', '；', ';', '\n', '\r'])
        .map(tidy_name)
        .filter(|n| !n.is_empty())
        .collect()
}

/// `张伟（淮南代表团）` → (`张伟`, Some(`淮南代表团`)): a delegation in parentheses after the
/// name tells deputies of the same name apart.
pub fn split_delegation(name: &str) -> (String, Option<String>) {
    let trimmed = name.trim();
    let Some(open) = trimmed.find(['（', '(']) else {
        return (trimmed.to_owned(), None);
    };
    let Some(rest) = trimmed[open..]
        .strip_suffix('）')
        .or_else(|| trimmed[open..].strip_suffix(')'))
    else {
        return (trimmed.to_owned(), None);
    };
    let delegation = rest.trim_start_matches(['（', '(']).trim().to_owned();
    let name = trimmed[..open].trim().to_owned();
    if name.is_empty() || delegation.is_empty() {
        return (trimmed.to_owned(), None);
    }
    (name, Some(delegation))
}

/// 是/否 and its common spellings; blank is `Ok(None)`, anything else `Err(())`.
#[allow(clippy::result_unit_err)]
pub fn parse_flag(value: &str) -> Result<Option<bool>, ()> {
    let folded = fold_full_width(&tidy(value, Lines::Single)).to_lowercase();
    match folded.as_str() {
        "" => Ok(None),
        "是" | "y" | "yes" | "true" | "1" | "√" | "✓" | "✔" => Ok(Some(true)),
        "否" | "n" | "no" | "false" | "0" | "×" | "✗" | "✘" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// A date written as text: 2022-01-18, 2022/1/18, 2022.1.18, 2022年1月18日 (full-width
/// digits folded). `None` when it is none of these or no such day exists.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let folded = fold_full_width(&tidy(value, Lines::Single));
    let text = folded.trim().trim_end_matches('日');
    let parts: Vec<&str> = text
        .split(['-', '/', '.', '年', '月'])
        .map(str::trim)
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// A date with an optional time of day, as an archive writes when something happened:
/// `2022-09-19 14:52`, `2022-09-19 14:52:07`, `2022年9月19日 14:52`, `2022-09-19T14:52`,
/// or a date alone (`None` for the time). The time is a China local time, as written.
pub fn parse_date_time(value: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let folded = fold_full_width(&tidy(value, Lines::Single)).replace('：', ":");
    let text = folded.trim();
    let (date, time) = match text.find(|c: char| c == 'T' || c.is_whitespace()) {
        Some(at) => (&text[..at], Some(text[at + 1..].trim())),
        None => (text, None),
    };
    let date = parse_date(date)?;
    let time = match time {
        None => None,
        Some(time) => Some(
            NaiveTime::parse_from_str(time, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
                .ok()?,
        ),
    };
    Some((date, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_readings_of_scraped_text_are_removed() {
        let cases = [
            // Seeds 003 and 004, as scraped.
            ("答好南通“發(fā)展四問”", "答好南通“發展四問”"),
            (
                "好風(fēng)“吹皺”鄉(xiāng)街干部隊(duì)伍",
                "好風“吹皺”鄉街干部隊伍",
            ),
            ("創(chuàng)新提出十條措施", "創新提出十條措施"),
            (
                "來(lái)源:鄉(xiāng)村干部報(bào)網(wǎng)",
                "來源:鄉村干部報網",
            ),
            ("全（quán）面", "全面"),
            // Not readings: kept as written.
            ("乡镇(街道)工作", "乡镇(街道)工作"),
            ("类别(A)", "类别(A)"),
            ("淮府办函(2022)12号", "淮府办函(2022)12号"),
            ("世界卫生组织(who)", "世界卫生组织(who)"),
            ("PM2.5(fā)", "PM2.5(fā)"),
            ("未闭合(fā", "未闭合(fā"),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_pinyin_readings(input), expected, "{input}");
        }
    }

    #[test]
    fn tidy_table() {
        let cases = [
            (
                "  关于加强基层干部\u{3000}交流的建议\u{200B} ",
                Lines::Single,
                "关于加强基层干部 交流的建议",
            ),
            ("第一行\r\n第二行", Lines::Single, "第一行 第二行"),
            ("\u{FEFF}夏维奇\u{00A0}", Lines::Single, "夏维奇"),
            (
                "\n\n  近年來,我市  高度重視 \r\n\r\n\r\n\u{3000}\u{3000}二、做法\n\n",
                Lines::Multi,
                "近年來,我市 高度重視\n\n二、做法",
            ),
            ("發(fā)展\t\t四問", Lines::Multi, "發展 四問"),
            ("", Lines::Multi, ""),
        ];
        for (input, lines, expected) in cases {
            assert_eq!(tidy(input, lines), expected, "{input:?}");
        }
    }

    #[test]
    fn damaged_text_is_noticed() {
        assert!(is_damaged("严把选\u{FFFD}"));
        assert!(!is_damaged("严把选人用人关"));
    }

    #[test]
    fn numbers_table() {
        let cases = [
            ("０２５５", "0255"),
            (" 0255 ", "0255"),
            ("第0255号", "0255"),
            ("第０２５５號", "0255"),
            ("02 55", "0255"),
            ("A-12", "A-12"),
            ("第12", "第12"),
        ];
        for (input, expected) in cases {
            assert_eq!(tidy_number(input), expected, "{input:?}");
        }
    }

    #[test]
    fn names_table() {
        let cases = [
            ("陈　丽", "陈丽"),
            (" 夏 维 奇 ", "夏维奇"),
            ("阿不都热合曼・买买提", "阿不都热合曼·买买提"),
            ("阿不都热合曼 · 买买提", "阿不都热合曼·买买提"),
            ("John Smith", "John Smith"),
            ("李明華", "李明華"),
        ];
        for (input, expected) in cases {
            assert_eq!(tidy_name(input), expected, "{input:?}");
        }
        assert_eq!(
            split_names("李明华、陈　丽，王强;赵敏；\n孙立 , "),
            ["李明华", "陈丽", "王强", "赵敏", "孙立"]
        );
        assert_eq!(split_names("  "), Vec::<String>::new());
    }

    #[test]
    fn delegations_tell_namesakes_apart() {
        let cases = [
            ("张伟（淮南代表团）", ("张伟", Some("淮南代表团"))),
            ("张伟(淮南代表团)", ("张伟", Some("淮南代表团"))),
            ("张伟", ("张伟", None)),
            ("（淮南代表团）", ("（淮南代表团）", None)),
            ("张伟（", ("张伟（", None)),
        ];
        for (input, (name, delegation)) in cases {
            assert_eq!(
                split_delegation(input),
                (name.to_owned(), delegation.map(str::to_owned)),
                "{input}"
            );
        }
    }

    #[test]
    fn flags_table() {
        for yes in ["是", " 是 ", "Y", "yes", "TRUE", "1", "１", "√"] {
            assert_eq!(parse_flag(yes), Ok(Some(true)), "{yes}");
        }
        for no in ["否", "N", "no", "false", "0", "×"] {
            assert_eq!(parse_flag(no), Ok(Some(false)), "{no}");
        }
        assert_eq!(parse_flag(""), Ok(None));
        assert_eq!(parse_flag("也许"), Err(()));
    }

    #[test]
    fn dates_table() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let cases = [
            ("2022-01-18", day(2022, 1, 18)),
            ("2022/1/18", day(2022, 1, 18)),
            ("2022.1.18", day(2022, 1, 18)),
            ("2022年1月18日", day(2022, 1, 18)),
            ("２０２２年１月１８日", day(2022, 1, 18)),
            (" 2022-1-8 ", day(2022, 1, 8)),
            ("2022-02-30", None),
            ("22-1-18", None),
            ("2022-01", None),
            ("明天", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_date(input), expected, "{input}");
        }
    }

    #[test]
    fn date_times_table() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let time = |h, m, s| NaiveTime::from_hms_opt(h, m, s);
        let cases = [
            (
                "2022-09-19 14:52",
                Some((day(2022, 9, 19), time(14, 52, 0))),
            ),
            (
                "2022-09-19 14:52:07",
                Some((day(2022, 9, 19), time(14, 52, 7))),
            ),
            (
                "2022-09-19T14:52",
                Some((day(2022, 9, 19), time(14, 52, 0))),
            ),
            (
                "2022年9月19日 14：52",
                Some((day(2022, 9, 19), time(14, 52, 0))),
            ),
            (" 2022-09-19 ", Some((day(2022, 9, 19), None))),
            ("2022-09-19 25:00", None),
            ("2022-09-19 下午", None),
            ("2022-09-31 10:00", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_date_time(input), expected, "{input}");
        }
    }
}
