//! `schema.graphql` is what front-end teams generate clients from: it must be the SDL of
//! the schema this build serves.

#[test]
fn committed_schema_matches_the_built_schema() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let committed = std::fs::read_to_string(&path).expect("schema.graphql at the top level");
    let built = banli::graphql::sdl();
    assert!(
        committed == built,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and commit it"
    );
}
