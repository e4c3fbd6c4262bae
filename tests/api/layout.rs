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
