//! The repository documents itself: every relative link in its Markdown pages reaches a
//! file of the repository, and every `docs/domain.md §N` that the code cites names a
//! section that page has.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown pages a reader of the repository opens.
fn pages() -> Vec<PathBuf> {
    let root = root();
    let mut pages: Vec<PathBuf> = [
        "README.md",
        "ARCHITECTURE.md",
        "BENCHMARKS.md",
        "SECURITY.md",
        "CHANGELOG.md",
    ]
    .iter()
    .map(|name| root.join(name))
    .collect();
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let path = entry.expect("an entry of docs/").path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    pages
}

/// The targets of `[text](target)` links in `markdown`, without their `#fragment`.
fn link_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split('#').next().unwrap_or_default().trim();
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            targets.push(target.to_owned());
        }
        rest = &rest[end..];
    }
    targets
}

#[test]
fn link_targets_are_read_from_markdown() {
    let page = "See [the rules](docs/domain.md#4), [a site](https://example.cn) and \
                [`x`](src/lib.rs). [anchor](#set-up)";
    assert_eq!(link_targets(page), ["docs/domain.md", "src/lib.rs"]);
}

#[test]
fn every_relative_link_of_the_documentation_reaches_a_file() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("a readable page");
        let dir = page.parent().expect("a page's directory");
        for target in link_targets(&text) {
            if !dir.join(&target).exists() {
                broken.push(format!("{}: {target}", page.display()));
            }
        }
    }
    assert!(broken.is_empty(), "links to nothing: {broken:#?}");
}

/// The sections `docs/domain.md` has: "§4" for `## 4. …`, and "§2.3" for the third item
/// of section 2's numbered list.
fn domain_sections() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("docs/domain.md")).expect("docs/domain.md");
    let mut sections = Vec::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            current = heading.split('.').next().map(str::to_owned);
            sections.extend(current.clone());
        } else if let (Some(section), Some((item, _))) = (&current, line.split_once(". ")) {
            if !item.is_empty() && item.trim_start().chars().all(|c| c.is_ascii_digit()) {
                sections.push(format!("{section}.{}", item.trim_start()));
            }
        }
    }
    sections
}

fn cited_sections(dir: &Path, into: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            cited_sections(&path, into);
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (at, _) in text.match_indices("docs/domain.md §") {
            let cite = &text[at + "docs/domain.md §".len()..];
            let section: String = cite
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let section = section.trim_end_matches('.');
            if !section.is_empty() {
                into.push((path.clone(), section.to_owned()));
            }
        }
    }
}

#[test]
fn every_section_the_code_cites_is_in_docs_domain_md() {
    let sections = domain_sections();
    assert!(sections.contains(&"4".to_owned()) && sections.contains(&"2.13".to_owned()));
    let mut cited = Vec::new();
    for dir in ["src", "entity/src", "migration/src", "tests"] {
        cited_sections(&root().join(dir), &mut cited);
    }
    assert!(cited.len() > 30, "the code cites the page: {}", cited.len());
    let missing: Vec<_> = cited
        .iter()
        .filter(|(_, section)| !sections.contains(section))
        .collect();
    assert!(
        missing.is_empty(),
        "cited sections not in docs/domain.md: {missing:#?}"
    );
}

#[test]
fn the_readme_lists_every_setting() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
    let missing: Vec<String> = banli::config::Settings::keys()
        .into_iter()
        .filter(|key| {
            let cell = format!("`{key}`");
            !rows.iter().any(|row| row.contains(&cell))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "settings missing from the README's table: {missing:?}"
    );
}
