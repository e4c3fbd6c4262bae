//! Finding a deputy's private details in a text however they are written, so publication
//! withholds them (docs/domain.md §7: a deputy's phone and address are never public).
//!
//! A unit that quotes the deputy's mobile writes it `15055200006`, `150 5520 0006`,
//! `150-5520-0006`, `+86 150 5520 0006` or in full-width digits `１５０５５２０００６`; a
//! landline `0554-6678417`, `(0554) 667 8417`, `+86 554 6678417` or only `6678417`. Exact
//! matching of the stored form let all but the first through, and the public search then
//! indexed them. Here a text is compared as a sequence of folded characters, each remembering
//! the bytes it came from: for numbers, digits folded to ASCII and separators skipped; for
//! addresses, letters and ideographs folded as the search index folds them (full width, case,
//! traditional script) with spaces and punctuation skipped. A match anywhere in the folded
//! sequence marks the original bytes from its first to its last character.
//!
//! What it does not catch (documented in SECURITY.md): numbers spelled in Chinese numerals
//! (一五零…), digits split by words, and addresses paraphrased beyond spacing, punctuation,
//! script and a leading province or city.

use std::ops::Range;

/// A text through a fold: the kept characters, each with the byte range it came from.
struct Folded {
    chars: Vec<char>,
    spans: Vec<Range<usize>>,
}

impl Folded {
    /// `fold` maps a character to what is compared (`None`: skipped, as if absent).
    fn new(text: &str, fold: impl Fn(char) -> Option<char>) -> Self {
        let mut chars = Vec::new();
        let mut spans = Vec::new();
        for (at, c) in text.char_indices() {
            if let Some(folded) = fold(c) {
                chars.push(folded);
                spans.push(at..at + c.len_utf8());
            }
        }
        Self { chars, spans }
    }

    /// Start indices (in `chars`) of every occurrence of `needle`.
    fn occurrences<'a>(&'a self, needle: &'a [char]) -> impl Iterator<Item = usize> + 'a {
        let last = self.chars.len().checked_sub(needle.len());
        (0..=last.unwrap_or(0))
            .filter(move |_| last.is_some() && !needle.is_empty())
            .filter(move |&i| self.chars[i..i + needle.len()] == *needle)
    }

    fn is_digit_at(&self, i: Option<usize>) -> bool {
        i.and_then(|i| self.chars.get(i))
            .is_some_and(char::is_ascii_digit)
    }

    /// The original bytes of `chars[start..end]`.
    fn bytes(&self, start: usize, end: usize) -> Range<usize> {
        self.spans[start].start..self.spans[end - 1].end
    }
}

/// Digits in any width; separators people put between digit groups are skipped; `+` kept
/// (a country prefix); anything else stays, as a character no number contains.
fn fold_for_numbers(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        '+' | '＋' => Some('+'),
        ' ' | '\u{3000}' | '\u{a0}' | '\t' | '-' | '－' | '‐' | '‑' | '–' | '—' | '.' | '．'
        | '·' | '(' | ')' | '（' | '）' => None,
        _ => Some(c),
    }
}

/// Letters and ideographs as the search index folds them; everything else skipped.
fn fold_for_addresses(c: char) -> Option<char> {
    let c = super::search::fold(c);
    c.is_alphanumeric().then_some(c)
}

/// One way a phone number may appear.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NumberForm {
    digits: Vec<char>,
    /// The form is a local number without its area code: it counts only as a whole digit
    /// run, not inside a longer number.
    whole_only: bool,
    /// The form starts with the country code 86: a `+` or `00` before it goes too.
    country: bool,
}

/// The private details of a suggestion's deputies, to be withheld from a publication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateDetails {
    numbers: Vec<NumberForm>,
    /// Each address, and the part after its province or city, folded.
    addresses: Vec<Vec<char>>,
}

/// The shortest address tail matched on its own: a shorter one (a district name) would
/// withhold ordinary words.
const ADDRESS_TAIL_MIN_CHARS: usize = 6;

impl PrivateDetails {
    /// Adds a stored phone number (banli's normalised form: `15055200006`,
    /// `0554-6678417`, `0554-6678417转123`, `400-123-4567`).
    pub fn phone(&mut self, stored: &str) {
        let main = stored.split(['转', 'x', 'X']).next().unwrap_or(stored);
        let groups: Vec<String> = main
            .split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect();
        let digits: String = groups.concat();
        if digits.len() < 7 {
            return;
        }
        let mut add = |text: &str, whole_only: bool, country: bool| {
            let form = NumberForm {
                digits: text.chars().collect(),
                whole_only,
                country,
            };
            if !self.numbers.contains(&form) {
                self.numbers.push(form);
            }
        };
        add(&digits, false, false);
        match groups.as_slice() {
            // A landline: area code and local number.
            [area, local] if area.starts_with('0') => {
                add(&format!("86{}{local}", &area[1..]), false, true);
                if local.len() >= 7 {
                    add(local, true, false);
                }
            }
            _ if digits.len() == 11 && digits.starts_with('1') => {
                add(&format!("86{digits}"), false, true);
            }
            _ => {}
        }
    }

    /// Adds a stored address.
    pub fn address(&mut self, stored: &str) {
        let folded: Vec<char> = stored.chars().filter_map(fold_for_addresses).collect();
        if folded.is_empty() {
            return;
        }
        // Written without the province or city: the part after each 省 and 市.
        let tails = folded
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, '省' | '市'))
            .map(|(i, _)| folded[i + 1..].to_vec())
            .filter(|tail| tail.len() >= ADDRESS_TAIL_MIN_CHARS);
        for form in std::iter::once(folded.clone()).chain(tails) {
            if !self.addresses.contains(&form) {
                self.addresses.push(form);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.addresses.is_empty()
    }

    /// The byte ranges of `text` that show a private detail, sorted and merged.
    pub fn find(&self, text: &str) -> Vec<Range<usize>> {
        let mut found = Vec::new();
        if !self.numbers.is_empty() {
            let view = Folded::new(text, fold_for_numbers);
            for form in &self.numbers {
                for start in view.occurrences(&form.digits) {
                    let end = start + form.digits.len();
                    if form.whole_only
                        && (view.is_digit_at(start.checked_sub(1)) || view.is_digit_at(Some(end)))
                    {
                        continue;
                    }
                    let mut first = start;
                    if form.country {
                        while first > 0 && matches!(view.chars[first - 1], '+' | '0') {
                            first -= 1;
                        }
                    }
                    let mut bytes = view.bytes(first, end);
                    // An area code in brackets, "(0554)6678417": the opening one goes too.
                    if let Some(open) = ['(', '（']
                        .into_iter()
                        .find(|o| text[..bytes.start].ends_with(*o))
                    {
                        bytes.start -= open.len_utf8();
                    }
                    found.push(bytes);
                }
            }
        }
        if !self.addresses.is_empty() {
            let view = Folded::new(text, fold_for_addresses);
            for form in &self.addresses {
                for start in view.occurrences(form) {
                    found.push(view.bytes(start, start + form.len()));
                }
            }
        }
        merge(found)
    }

    /// `text` with every private detail replaced by `mark`.
    pub fn withhold(&self, text: &str, mark: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for range in self.find(text) {
            out.push_str(&text[at..range.start]);
            out.push_str(mark);
            at = range.end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// Sorted, with overlapping or touching ranges joined.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::PrivateDetails;

    const MARK: &str = "［不予公开］";

    fn details() -> PrivateDetails {
        let mut d = PrivateDetails::default();
        d.phone("15055200006");
        d.phone("0554-6678417");
        d.address("安徽省淮南市田家庵区洞山中路15号");
        d
    }

    #[test]
    fn every_usual_way_of_writing_a_number_is_withheld() {
        let d = details();
        // (text, what the public sees)
        let rows = [
            ("电话15055200006。", "电话［不予公开］。"),
            ("电话150 5520 0006。", "电话［不予公开］。"),
            ("电话150-5520-0006。", "电话［不予公开］。"),
            ("电话１５０５５２００００６。", "电话［不予公开］。"),
            ("电话１５０－５５２０－０００６。", "电话［不予公开］。"),
            ("电话+86 150 5520 0006。", "电话［不予公开］。"),
            ("电话+8615055200006。", "电话［不予公开］。"),
            ("电话0086-150-5520-0006。", "电话［不予公开］。"),
            ("座机0554-6678417。", "座机［不予公开］。"),
            ("座机(0554)6678417。", "座机［不予公开］。"),
            ("座机（０５５４）６６７８４１７。", "座机［不予公开］。"),
            ("座机0554 667 8417。", "座机［不予公开］。"),
            ("座机+86 554 6678417。", "座机［不予公开］。"),
            ("座机6678417。", "座机［不予公开］。"),
            (
                "两个号码15055200006、6678417。",
                "两个号码［不予公开］、［不予公开］。",
            ),
            // Not the number: other numbers, dates, and the local number inside another.
            ("电话13800000000。", "电话13800000000。"),
            (
                "2022年9月16日，编号66784170。",
                "2022年9月16日，编号66784170。",
            ),
            ("文号淮府办函〔2022〕12号", "文号淮府办函〔2022〕12号"),
        ];
        for (text, public) in rows {
            assert_eq!(d.withhold(text, MARK), public, "{text}");
        }
    }

    #[test]
    fn addresses_are_withheld_with_minor_variations() {
        let d = details();
        let rows = [
            (
                "住址安徽省淮南市田家庵区洞山中路15号。",
                "住址［不予公开］。",
            ),
            (
                "住址：安徽省 淮南市 田家庵区 洞山中路 15 号。",
                "住址：［不予公开］。",
            ),
            ("住址淮南市田家庵区洞山中路１５号。", "住址［不予公开］。"),
            ("住址田家庵区洞山中路15号。", "住址［不予公开］。"),
            ("住址田家庵區洞山中路15號。", "住址［不予公开］。"),
            // A district alone is an ordinary word.
            ("田家庵区的干部培训", "田家庵区的干部培训"),
        ];
        for (text, public) in rows {
            assert_eq!(d.withhold(text, MARK), public, "{text}");
        }
    }

    #[test]
    fn nothing_to_withhold_changes_nothing() {
        let d = PrivateDetails::default();
        assert!(d.is_empty());
        assert_eq!(d.withhold("电话15055200006", MARK), "电话15055200006");
        let mut short = PrivateDetails::default();
        short.phone("12345");
        short.address("  ");
        assert!(short.is_empty());
    }
}
