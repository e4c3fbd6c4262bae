//! The code's shape, as ARCHITECTURE.md promises it to the next engineer: no source file over
//! 600 lines and no function over 80 (tests and the frozen migrations aside), and layers that
//! import only downwards (http → graphql → service → domain; `db.rs` a leaf).

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

/// The Rust sources the limits apply to. Migrations are frozen once applied, so their
/// long `up` functions stay as they were written; tests are not counted.
const SOURCE_DIRS: [&str; 3] = ["src", "entity/src", "bench/src"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let root = root();
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (name, text)
        })
        .collect()
}

/// The text with the contents of comments, strings and character literals blanked (newlines
/// kept), so braces and words inside them do not count as code.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                out.push(blank(chars[i]));
                i += 1;
            }
            out.push_str("  ");
            i += 2;
        } else if c == 'r' && !ident_before && matches!(next, Some('#') | Some('"')) {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('"');
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    Some(&other) => out.push(blank(other)),
                }
                j += 1;
            }
            out.push('"');
            i = j;
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if let Some(&escaped) = chars.get(i) {
                    out.push(blank(escaped));
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('{', '\n', '\u{..}'); a lifetime has no closing quote.
            let mut j = if next == Some('\\') { i + 3 } else { i + 2 };
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            out.push_str("' '");
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The lines before the file's test module.
fn without_tests(code: &str) -> Vec<&str> {
    let lines: Vec<&str> = code.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

/// The name of the function a line declares, if it does.
fn declared_fn(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace().peekable();
    while let Some(word) = words.next() {
        match word {
            "fn" => {
                let name = words.next()?;
                let end = name
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                return Some(&name[..end]);
            }
            "pub" | "async" | "const" | "unsafe" => {}
            w if w.starts_with("pub(") => {}
            _ => return None,
        }
    }
    None
}

/// Functions longer than the limit: (name, first line, lines).
fn long_functions(lines: &[&str]) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = declared_fn(line) else {
            continue;
        };
        let mut depth = 0i64;
        let mut opened = false;
        for (offset, body_line) in lines[start..].iter().enumerate() {
            for c in body_line.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if !opened && body_line.trim_end().ends_with(';') {
                break; // a declaration without a body
            }
            if opened && depth <= 0 {
                if offset + 1 > MAX_FN_LINES {
                    found.push((name.to_owned(), start + 1, offset + 1));
                }
                break;
            }
        }
    }
    found
}

#[test]
fn no_source_file_or_function_is_too_long() {
    let mut problems = Vec::new();
    for (name, text) in sources() {
        let code = code_only(&text);
        let lines = without_tests(&code);
        if lines.len() > MAX_FILE_LINES {
            problems.push(format!(
                "{name}: {} lines (at most {MAX_FILE_LINES})",
                lines.len()
            ));
        }
        for (function, line, length) in long_functions(&lines) {
            problems.push(format!(
                "{name}:{line}: fn {function} has {length} lines (at most {MAX_FN_LINES})"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "split these up (see ARCHITECTURE.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_measure_sees_long_functions_and_ignores_strings() {
    let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
    let long = format!("pub async fn long() {{\n{body}}}\nfn short() {{ }}\n");
    let found = long_functions(&code_only(&long).lines().collect::<Vec<_>>());
    assert_eq!(found, vec![("long".to_owned(), 1, MAX_FN_LINES + 2)]);
    let tricky = "fn f() {\n    let s = \"}}}\";\n    let c = '}';\n    // }\n    let r = r#\"}\"#;\n}\nfn g() { }\n";
    let code = code_only(tricky);
    assert!(!code.contains("}}}"), "{code}");
    let lines: Vec<&str> = code.lines().collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[5], "}", "the body closes on its own line: {code}");
}

#[test]
fn layers_import_only_downwards() {
    let mut problems = Vec::new();
    for (name, text) in sources() {
        let code = code_only(&text);
        let forbidden: &[&str] = if name.starts_with("src/graphql/") {
            &["crate::http"]
        } else if name.starts_with("src/service/") {
            &["crate::http", "crate::graphql"]
        } else if name.starts_with("src/domain/") {
            &[
                "crate::http",
                "crate::graphql",
                "crate::service",
                "crate::db",
            ]
        } else if name == "src/db.rs" {
            &[
                "crate::http",
                "crate::graphql",
                "crate::service",
                "crate::domain",
            ]
        } else if name.starts_with("entity/") {
            &["banli::", "crate::service", "crate::graphql"]
        } else {
            &[]
        };
        for word in forbidden {
            if code.contains(word) {
                problems.push(format!("{name} uses {word}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "a layer reaches up (see ARCHITECTURE.md):\n{}",
        problems.join("\n")
    );
}

/// The module a source file under `src/` defines, as path segments (`src/service/workflow/mod.rs`
/// is `["service", "workflow"]`; `src/lib.rs` is the crate root, `[]`).
fn module_of(name: &str) -> Vec<String> {
    let path = name.trim_start_matches("src/").trim_end_matches(".rs");
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

/// The paths a `use` tree or a path expression names, starting at `chars[*at]`:
/// `a::{b, c::d}` gives `[a, b]` and `[a, c, d]`; `a::B::new(` gives `[a, B, new]`.
fn use_tree(chars: &[char], at: &mut usize) -> Vec<Vec<String>> {
    let skip_space = |at: &mut usize| {
        while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
            *at += 1;
        }
    };
    skip_space(at);
    if chars.get(*at) == Some(&'{') {
        *at += 1;
        let mut paths = Vec::new();
        loop {
            skip_space(at);
            match chars.get(*at) {
                None => return paths,
                Some('}') => {
                    *at += 1;
                    return paths;
                }
                _ => {}
            }
            paths.extend(use_tree(chars, at));
            // Skip a rename (`as x`) up to the next item.
            while chars.get(*at).is_some_and(|c| *c != ',' && *c != '}') {
                *at += 1;
            }
            if chars.get(*at) == Some(&',') {
                *at += 1;
            }
        }
    }
    let start = *at;
    while chars
        .get(*at)
        .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '*')
    {
        *at += 1;
    }
    let word: String = chars[start..*at].iter().collect();
    if word.is_empty() {
        return vec![Vec::new()];
    }
    let word = if word == "self" {
        Vec::new()
    } else {
        vec![word]
    };
    skip_space(at);
    if chars.get(*at) == Some(&':') && chars.get(*at + 1) == Some(&':') {
        *at += 2;
        return use_tree(chars, at)
            .into_iter()
            .map(|rest| word.iter().cloned().chain(rest).collect())
            .collect();
    }
    vec![word]
}

/// Every absolute path a module's code names through `crate::` or `super::`, and whether it
/// was named by a `pub use` (a re-export).
fn named_paths(module: &[String], code: &str) -> Vec<(Vec<String>, bool)> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let rest: String = chars[i..chars.len().min(i + 7)].iter().collect();
        let mut base: Option<Vec<String>> = None;
        let mut at = i;
        if !ident_before && rest == "crate::" {
            base = Some(Vec::new());
            at = i + 7;
        } else if !ident_before && rest.starts_with("super::") {
            let mut up = module.to_vec();
            while chars[at..].iter().take(7).collect::<String>() == "super::" {
                up.pop();
                at += 7;
            }
            base = Some(up);
        }
        let Some(base) = base else {
            i += 1;
            continue;
        };
        let line_start = chars[..i]
            .iter()
            .rposition(|c| *c == '\n' || *c == ';')
            .map_or(0, |p| p + 1);
        let before: String = chars[line_start..i].iter().collect();
        let re_export = before.trim_start().starts_with("pub use");
        for path in use_tree(&chars, &mut at) {
            found.push((base.iter().cloned().chain(path).collect(), re_export));
        }
        i = at.max(i + 1);
    }
    found
}

/// The import circles among `src/`'s modules, each a sorted list of module names, and for
/// each edge inside a circle the file and path that make it (`a → b: src/a.rs names b::x`).
/// Modules are compared two levels deep (`service::workflow`, `graphql::ops`, `http::sheets`):
/// a module's own files may use one another, and a child may use what its parent declares.
fn import_circles(files: &[(String, String)]) -> (Vec<Vec<String>>, Vec<String>) {
    use std::collections::{BTreeMap, BTreeSet};
    const DEPTH: usize = 2;
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(name, _)| module_of(name)).collect();
    let mut named = BTreeMap::new();
    let mut re_exports: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (name, text) in files {
        let module = module_of(name);
        let code = without_tests(&code_only(text)).join("\n");
        let paths = named_paths(&module, &code);
        for (path, re_export) in &paths {
            if *re_export {
                if let Some(item) = path.last() {
                    let mut alias = module.clone();
                    alias.push(item.clone());
                    re_exports.insert(alias, path.clone());
                }
            }
        }
        // Relative re-exports (`pub use loaders::Loaders;`) name a child module.
        for line in code
            .lines()
            .filter(|l| l.trim_start().starts_with("pub use "))
        {
            let chars: Vec<char> = line.trim_start()["pub use ".len()..].chars().collect();
            for path in use_tree(&chars, &mut 0) {
                if path.first().is_some_and(|p| p != "crate" && p != "super") {
                    let mut alias = module.clone();
                    alias.push(path.last().cloned().unwrap_or_default());
                    re_exports.insert(alias, module.iter().cloned().chain(path).collect());
                }
            }
        }
        named.insert(module, (name.clone(), paths));
    }
    let owner = |path: &[String]| -> Vec<String> {
        let path = re_exports.get(path).map_or(path, Vec::as_slice);
        let mut len = path.len();
        while len > 0 && !modules.contains(&path[..len]) {
            len -= 1;
        }
        path[..len.min(DEPTH)].to_vec()
    };
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut evidence: BTreeMap<(Vec<String>, Vec<String>), String> = BTreeMap::new();
    for (module, (name, paths)) in &named {
        let from: Vec<String> = module.iter().take(DEPTH).cloned().collect();
        for (path, _) in paths {
            let to = owner(path);
            let ancestor = from.starts_with(&to);
            if !ancestor && !to.is_empty() {
                edges.entry(from.clone()).or_default().insert(to.clone());
                evidence
                    .entry((from.clone(), to))
                    .or_insert_with(|| format!("{name} names {}", path.join("::")));
            }
        }
    }
    let reach = |start: &Vec<String>| -> BTreeSet<Vec<String>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.clone()];
        while let Some(node) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = edges
        .keys()
        .map(|node| (node.clone(), reach(node)))
        .collect();
    let mut circles = BTreeSet::new();
    for (node, seen) in &reachable {
        if !seen.contains(node) {
            continue;
        }
        let circle: Vec<String> = seen
            .iter()
            .filter(|other| {
                reachable
                    .get(*other)
                    .is_some_and(|back| back.contains(node))
            })
            .map(|m| m.join("::"))
            .collect();
        circles.insert(circle);
    }
    let inside: BTreeSet<String> = circles.iter().flatten().cloned().collect();
    let how = evidence
        .iter()
        .filter(|((from, to), _)| {
            inside.contains(&from.join("::")) && inside.contains(&to.join("::"))
        })
        .filter(|((from, to), _)| reachable.get(to).is_some_and(|back| back.contains(from)))
        .map(|((from, to), why)| format!("{} → {}: {why}", from.join("::"), to.join("::")))
        .collect();
    (circles.into_iter().collect(), how)
}

#[test]
fn no_import_circles_between_modules() {
    let files: Vec<(String, String)> = sources()
        .into_iter()
        .filter(|(name, _)| name.starts_with("src/"))
        .collect();
    let (circles, how) = import_circles(&files);
    let shown: Vec<String> = circles.iter().map(|c| c.join(" ↔ ")).collect();
    assert!(
        circles.is_empty(),
        "modules that import one another (see ARCHITECTURE.md):\n{}\nthrough:\n{}",
        shown.join("\n"),
        how.join("\n")
    );
}

#[test]
fn the_circle_check_sees_a_circle_through_groups_super_and_re_exports() {
    let file = |name: &str, text: &str| (name.to_owned(), text.to_owned());
    let circle = [
        file("src/lib.rs", "pub mod a;\npub mod b;\n"),
        file("src/a/mod.rs", "pub mod x;\npub use x::Thing;\n"),
        file(
            "src/a/x.rs",
            "use crate::{b::{self, y::Other}};\npub struct Thing;\n",
        ),
        file("src/b/mod.rs", "pub mod y;\n"),
        file("src/b/y.rs", "fn f() { super::super::a::Thing; }\n"),
    ];
    let (circles, how) = import_circles(&circle);
    assert_eq!(circles, vec![vec!["a::x".to_owned(), "b::y".to_owned()]]);
    assert_eq!(
        how,
        vec![
            "a::x → b::y: src/a/x.rs names b::y::Other".to_owned(),
            "b::y → a::x: src/b/y.rs names a::Thing".to_owned(),
        ]
    );
    let upward_only = [
        file("src/lib.rs", "pub mod a;\n"),
        file("src/a/mod.rs", "pub mod x;\npub struct Shared;\n"),
        file("src/a/x.rs", "use super::Shared;\n"),
    ];
    assert!(import_circles(&upward_only).0.is_empty());
}
