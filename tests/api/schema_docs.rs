//! Every type, field, argument, input field and enum value of the schema has a description
//! (what front-end developers read in GraphiQL and their generated clients). The places that
//! had none when this test was written are listed in `tests/api/undocumented.txt`; the list
//! only shrinks: a new place without a description fails, and so does a listed place that
//! has one now (take it off the list). `BANLI_UPDATE_UNDOCUMENTED=1 cargo test schema_docs`
//! rewrites the list, for removals only (it lists everything only when there is no list).

use std::collections::BTreeSet;
use std::path::PathBuf;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// The coordinates of the schema without a description.
fn undocumented(sdl: &str) -> BTreeSet<String> {
    let document = parse_schema(sdl).expect("an SDL");
    let mut missing = BTreeSet::new();
    let mut note = |coordinate: String, description: bool| {
        if !description {
            missing.insert(coordinate);
        }
    };
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = definition.node;
        let name = definition.name.node.to_string();
        note(name.clone(), definition.description.is_some());
        let fields = match &definition.kind {
            TypeKind::Object(object) => Some(&object.fields),
            TypeKind::Interface(interface) => Some(&interface.fields),
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    let value = &value.node;
                    note(
                        format!("{name}.{}", value.value.node),
                        value.description.is_some(),
                    );
                }
                None
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    let field = &field.node;
                    note(
                        format!("{name}.{}", field.name.node),
                        field.description.is_some(),
                    );
                }
                None
            }
            TypeKind::Scalar | TypeKind::Union(_) => None,
        };
        for field in fields.into_iter().flatten() {
            let field = &field.node;
            let coordinate = format!("{name}.{}", field.name.node);
            for argument in &field.arguments {
                let argument = &argument.node;
                note(
                    format!("{coordinate}({})", argument.name.node),
                    argument.description.is_some(),
                );
            }
            note(coordinate, field.description.is_some());
        }
    }
    missing
}

fn list_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/undocumented.txt")
}

#[test]
fn every_new_part_of_the_schema_has_a_description() {
    let now = undocumented(&banli::graphql::sdl());
    let listed: BTreeSet<String> = std::fs::read_to_string(list_path())
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if std::env::var_os("BANLI_UPDATE_UNDOCUMENTED").is_some() {
        let kept: Vec<&String> = if listed.is_empty() {
            now.iter().collect()
        } else {
            now.intersection(&listed).collect()
        };
        let mut text = String::from(
            "# Places of the schema that still lack a description (tests/api/schema_docs.rs).\n\
             # This list only shrinks: describe one, then take it off.\n",
        );
        for coordinate in kept {
            text.push_str(coordinate);
            text.push('\n');
        }
        std::fs::write(list_path(), text).expect("write the list");
    }
    let new: Vec<&String> = now.difference(&listed).collect();
    assert!(
        new.is_empty(),
        "describe these (a /// doc comment, in Chinese and English): {new:#?}"
    );
    let described: Vec<&String> = listed.difference(&now).collect();
    assert!(
        described.is_empty(),
        "described now: take these off tests/api/undocumented.txt: {described:#?}"
    );
}

#[test]
fn the_check_sees_types_fields_arguments_and_values() {
    let sdl = r#"
        "documented" type Query { "yes" a(x: Int, "yes" y: Int): Int b: Int }
        enum E { "yes" ONE TWO }
        input I { "yes" p: Int q: Int }
        schema { query: Query }"#;
    let missing: Vec<String> = undocumented(sdl).into_iter().collect();
    assert_eq!(missing, ["E", "E.TWO", "I", "I.q", "Query.a(x)", "Query.b"]);
}
