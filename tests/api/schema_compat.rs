//! Schema changes are additive (CHANGELOG.md, "Deprecation policy"): `schema.graphql` is
//! compared with the SDL of the last release (`releases/schema-<version>.graphql`), and every
//! change that would break a client generated from that release must be listed in the
//! changelog's Unreleased section by its coordinate (`Type.field`, `Type.field(argument)`,
//! `Enum.VALUE`), as a removal after a release in which it was deprecated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};

/// One place of a schema a client can depend on, and what it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Surface {
    /// A type, with its kind.
    Type(&'static str),
    /// An output field, with its type (`[Reply!]!`).
    Output(Type),
    /// An argument or input field: its type and whether it has a default value.
    Input(Type, bool),
    /// An enum value or a union member.
    Member,
}

fn inputs(
    into: &mut BTreeMap<String, Surface>,
    prefix: &str,
    values: &[async_graphql::Positioned<InputValueDefinition>],
) {
    for value in values {
        let value = &value.node;
        into.insert(
            format!("{prefix}{}", value.name.node),
            Surface::Input(value.ty.node.clone(), value.default_value.is_some()),
        );
    }
}

/// Every surface of an SDL, by coordinate.
fn surfaces(sdl: &str) -> BTreeMap<String, Surface> {
    let document = parse_schema(sdl).expect("an SDL");
    let mut all = BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = definition.node;
        let name = definition.name.node.to_string();
        let (kind, fields) = match &definition.kind {
            TypeKind::Scalar => ("scalar", None),
            TypeKind::Object(object) => ("type", Some(&object.fields)),
            TypeKind::Interface(interface) => ("interface", Some(&interface.fields)),
            TypeKind::Union(union) => {
                for member in &union.members {
                    all.insert(format!("{name}|{}", member.node), Surface::Member);
                }
                ("union", None)
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    all.insert(format!("{name}.{}", value.node.value.node), Surface::Member);
                }
                ("enum", None)
            }
            TypeKind::InputObject(input) => {
                inputs(&mut all, &format!("{name}."), &input.fields);
                ("input", None)
            }
        };
        all.insert(name.clone(), Surface::Type(kind));
        for field in fields.into_iter().flatten() {
            let field = &field.node;
            let coordinate = format!("{name}.{}", field.name.node);
            inputs(&mut all, &format!("{coordinate}:"), &field.arguments);
            all.insert(coordinate, Surface::Output(field.ty.node.clone()));
        }
    }
    all
}

/// Writes an argument's coordinate as the changelog does: `Type.field(argument)`.
fn written(coordinate: &str) -> String {
    match coordinate.split_once(':') {
        Some((field, argument)) => format!("{field}({argument})"),
        None => coordinate.to_owned(),
    }
}

/// Whether every value of `narrow` is a value of `wide`: the same named types, with no
/// nullable place where `wide` has a non-null one.
fn fits(narrow: &Type, wide: &Type) -> bool {
    if narrow.nullable && !wide.nullable {
        return false;
    }
    match (&narrow.base, &wide.base) {
        (BaseType::Named(a), BaseType::Named(b)) => a == b,
        (BaseType::List(a), BaseType::List(b)) => fits(a, b),
        _ => false,
    }
}

/// The changes from `old` to `new` that break a client of `old`, each with the reason.
fn breaking(old: &str, new: &str) -> Vec<(String, String)> {
    let (old, new) = (surfaces(old), surfaces(new));
    let mut broken = Vec::new();
    for (coordinate, was) in &old {
        let reason = match (was, new.get(coordinate)) {
            (_, None) => Some("removed".to_owned()),
            (was, Some(now)) if was == now => None,
            // An output may only narrow (become non-null); an argument or input field may
            // only widen (become nullable) or gain a default.
            (Surface::Output(was), Some(Surface::Output(now))) if fits(now, was) => None,
            (Surface::Input(was, default), Some(Surface::Input(now, now_default)))
                if fits(was, now) && now_default >= default =>
            {
                None
            }
            (was, Some(now)) => Some(format!("{was:?} became {now:?}")),
        };
        if let Some(reason) = reason {
            broken.push((written(coordinate), reason));
        }
    }
    for (coordinate, now) in &new {
        let required = matches!(now, Surface::Input(ty, false) if !ty.nullable);
        if required && !old.contains_key(coordinate) {
            // A new required argument of an existing field, or a new required field of an
            // existing input type; a new field's or a new type's own inputs break nothing.
            let owner = match coordinate.rsplit_once(':') {
                Some((field, _)) => field,
                None => coordinate.split('.').next().unwrap_or_default(),
            };
            if old.contains_key(owner) {
                broken.push((written(coordinate), "a new required input".to_owned()));
            }
        }
    }
    broken
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The SDL of the newest release in `releases/`, with its version.
fn last_release() -> (String, String) {
    let mut releases: Vec<(Vec<u64>, PathBuf)> = std::fs::read_dir(root().join("releases"))
        .expect("releases/")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?;
            let version = name.strip_prefix("schema-")?.strip_suffix(".graphql")?;
            let parts = version.split('.').map(str::parse).collect::<Result<_, _>>();
            Some((parts.ok()?, path))
        })
        .collect();
    releases.sort();
    let (version, path) = releases.pop().expect("a released schema in releases/");
    let version = version
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".");
    (version, read(&path))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The changelog's Unreleased section.
fn unreleased() -> String {
    let changelog = read(&root().join("CHANGELOG.md"));
    let start = changelog
        .find("## [Unreleased]")
        .expect("an Unreleased section");
    let rest = &changelog[start + 3..];
    let end = rest.find("\n## [").unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[test]
fn breaking_changes_since_the_last_release_are_in_the_changelog() {
    let (version, released) = last_release();
    let current = read(&root().join("schema.graphql"));
    let changelog = unreleased();
    let unlisted: Vec<String> = breaking(&released, &current)
        .into_iter()
        .filter(|(coordinate, _)| !changelog.contains(&format!("`{coordinate}`")))
        .map(|(coordinate, reason)| format!("{coordinate}: {reason}"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "changes since {version} that break its clients, not in CHANGELOG.md's Unreleased \
         section (deprecate for a release first, then list the removal): {unlisted:#?}"
    );
}

#[test]
fn the_comparison_tells_additive_changes_from_breaking_ones() {
    let old = r#"
        type Query { a: Int b(x: Int!): String c: [Int] list(first: Int): String }
        input In { p: Int! q: String }
        enum E { ONE TWO }
        union U = Query | Other
        type Other { d: Int }
        schema { query: Query }"#;
    let additive = r#"
        type Query { a: Int! b(x: Int, y: Int): String c: [Int] list(first: Int = 20): String new(n: Int!): Int }
        input In { p: Int q: String r: Int s: Int! = 3 }
        enum E { ONE TWO THREE }
        union U = Query | Other | Third
        type Other { d: Int }
        type Third { e: Int }
        input Fresh { f: Int! }
        schema { query: Query }"#;
    assert_eq!(breaking(old, additive), Vec::<(String, String)>::new());
    let breaks = r#"
        type Query { a: String b(x: Int!, z: Int!): String c: [Int!] }
        input In { q: String t: Int! }
        enum E { ONE }
        union U = Query
        type Other { d: Int }
        schema { query: Query }"#;
    let found: Vec<String> = breaking(old, breaks).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        found,
        [
            "E.TWO",
            "In.p",
            "Query.a",
            "Query.list",
            "Query.list(first)",
            "U|Other",
            "In.t",
            "Query.b(z)",
        ]
    );
}
