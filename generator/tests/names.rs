//! Names that truly cannot work are refused by `dyngen check` with a code;
//! every other name generates code that compiles (`compile-checks/`, whose
//! build is that test). Each case here is a schema a user could write.

/// A table and a small entity, with `extra` spliced into the schema.
fn schema_with(extra: &str) -> String {
    format!("service names\ntable T {{\n  pk: pk\n  sk: sk\n  index gsi1 {{ pk: gsi1pk  sk: gsi1sk }}\n}}\n{extra}\n")
}

/// The codes `dyngen check` reports for `source`, with the message of each.
fn refusals(source: &str) -> Vec<(String, String)> {
    let compiled = dyngen::dsl::compile(source);
    compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.as_str().to_owned(), d.message.clone()))
        .collect()
}

#[track_caller]
fn assert_refused(source: &str, code: &str, message_part: &str) {
    let found = refusals(source);
    assert!(
        found.iter().any(|(c, m)| c == code && m.contains(message_part)),
        "expected {code} mentioning {message_part:?}, got {found:#?}\n--- schema ---\n{source}"
    );
}

#[track_caller]
fn assert_accepted(source: &str) {
    let found = refusals(source);
    assert!(
        found.is_empty(),
        "expected no errors, got {found:#?}\n--- schema ---\n{source}"
    );
}

#[test]
fn keywords_that_cannot_be_raw_identifiers_are_refused_everywhere() {
    for name in ["self", "Self"] {
        let entity = format!("entity {name} {{ id: string  primary {{ pk: [id]  sk: [] }} }}");
        assert_refused(&schema_with(&entity), "E0601", name);
    }
    // Type names are UpperCamelCase: `Super` and `Crate` are fine.
    for name in ["super", "crate"] {
        assert_accepted(&schema_with(&format!(
            "entity {name} {{ id: string  primary {{ pk: [id]  sk: [] }} }}"
        )));
    }
    for name in ["self", "Self", "super", "crate"] {
        let attribute = format!("entity E {{ id: string  {name}: string  primary {{ pk: [id]  sk: [] }} }}");
        assert_refused(&schema_with(&attribute), "E0601", name);
        // A collection is a type (`SelfItem`) and a method (`db.super(..)`).
        let collection = format!(
            "entity E {{ id: string  primary {{ pk: [id]  sk: [] }}  index byId on gsi1 collection {name} {{ pk: [id]  sk: [] }} }}"
        );
        assert_refused(&schema_with(&collection), "E0601", name);
        let index = format!(
            "entity E {{ id: string  primary {{ pk: [id]  sk: [] }}  index {name} on gsi1 {{ pk: [id]  sk: [] }} }}"
        );
        assert_refused(&schema_with(&index), "E0601", name);
    }
    for name in ["self", "Self"] {
        let variant =
            format!("enum K {{ A, {name} }}\nentity E {{ id: string  k: K  primary {{ pk: [id]  sk: [] }} }}");
        assert_refused(&schema_with(&variant), "E0601", name);
    }
}

#[test]
fn names_that_differ_only_in_case_but_meet_in_rust_are_refused() {
    let entities = "entity Order { id: string  primary { pk: [id]  sk: [] } }\n\
                    entity order { id: string  primary { pk: [id]  sk: [] } }";
    assert_refused(&schema_with(entities), "E0602", "`Order`");
    let attributes = "entity E { id: string  userId: string  user_id: string  primary { pk: [id]  sk: [] } }";
    assert_refused(&schema_with(attributes), "E0602", "user_id");
    let types = "enum Kind { A }\nstruct kind { a: string }\nentity E { id: string  primary { pk: [id]  sk: [] } }";
    assert_refused(&schema_with(types), "E0602", "Kind");
    // Apart in Rust: accepted (and compiled in `compile-checks/`).
    assert_accepted(&schema_with(
        "entity aB { id: string  primary { pk: [id]  sk: [] } }\nentity ab { id: string  primary { pk: [id]  sk: [] } }",
    ));
}

#[test]
fn names_that_meet_a_generated_type_are_refused() {
    for suffix in ["Key", "Client", "Attributes", "Update", "Partition", "Query"] {
        let source = schema_with(&format!(
            "entity Order {{ id: string  n: string  primary {{ pk: [id]  sk: [n] }} }}\n\
             entity Order{suffix} {{ id: string  primary {{ pk: [id]  sk: [] }} }}"
        ));
        assert_refused(&source, "E0602", &format!("`Order{suffix}`"));
    }
    for suffix in ["Item", "Collection", "CollectionKey"] {
        let source = schema_with(&format!(
            "entity Order {{ id: string  primary {{ pk: [id]  sk: [] }}  index byId on gsi1 collection activity {{ pk: [id]  sk: [] }} }}\n\
             entity Activity{suffix} {{ id: string  primary {{ pk: [id]  sk: [] }} }}"
        ));
        assert_refused(&source, "E0602", &format!("`Activity{suffix}`"));
    }
    let table = "entity T { id: string  primary { pk: [id]  sk: [] } }";
    assert_refused(&schema_with(table), "E0602", "`T`");
    let fields = "struct Address { a: string }\nstruct AddressFields { b: string }\nentity E { id: string  primary { pk: [id]  sk: [] } }";
    assert_refused(&schema_with(fields), "E0602", "`AddressFields`");
}

#[test]
fn access_patterns_named_like_an_entity_client_method_are_refused() {
    for method in dyngen::dsl::names::ENTITY_CLIENT_METHODS {
        let source = schema_with(&format!(
            "entity E {{ id: string  n: string  primary {{ pk: [id]  sk: [n] }}  index {method} on gsi1 {{ pk: [n]  sk: [id] }} }}"
        ));
        assert_refused(&source, "E0602", &format!("method `{method}`"));
    }
    // `getById` is fine.
    assert_accepted(&schema_with(
        "entity E { id: string  n: string  primary { pk: [id]  sk: [n] }  index getById on gsi1 { pk: [n]  sk: [id] } }",
    ));
}

#[test]
fn sort_key_composites_named_like_a_query_method_are_refused() {
    for method in dyngen::dsl::names::QUERY_STAGE_METHODS {
        let primary = schema_with(&format!(
            "entity E {{ id: string  {method}: string  primary {{ pk: [id]  sk: [{method}] }} }}"
        ));
        assert_refused(&primary, "E0602", &format!("method `{method}`"));
        let secondary = schema_with(&format!(
            "entity E {{ id: string  {method}: i64  primary {{ pk: [id]  sk: [] }}  index byId on gsi1 {{ pk: [id]  sk: [{method}] }} }}"
        ));
        assert_refused(&secondary, "E0602", &format!("method `{method}`"));
        // In a partition key it becomes no method: accepted.
        assert_accepted(&schema_with(&format!(
            "entity E {{ {method}: string  id: string  primary {{ pk: [{method}]  sk: [id] }} }}"
        )));
    }
}

#[test]
fn a_collection_member_named_like_the_unknown_variant_is_refused() {
    let source = schema_with(
        "entity Unknown { id: string  primary { pk: [id]  sk: [] }  index byId on gsi1 collection things { pk: [id]  sk: [] } }",
    );
    assert_refused(&source, "E0602", "`Unknown` variant");
    assert_accepted(&schema_with(
        "entity Unknown { id: string  primary { pk: [id]  sk: [] } }",
    ));
}

#[test]
fn collections_named_like_a_table_method_get_a_method_of_their_own() {
    for method in dyngen::dsl::names::TABLE_METHODS {
        let source = schema_with(&format!(
            "entity E {{ id: string  primary {{ pk: [id]  sk: [] }}  index byId on gsi1 collection {method} {{ pk: [id]  sk: [] }} }}"
        ));
        let schema = dyngen::dsl::compile(&source)
            .schema
            .unwrap_or_else(|| panic!("collection `{method}` should be accepted"));
        assert_eq!(
            dyngen::dsl::names::collection_method(&schema, method),
            format!("{method}_collection")
        );
        let file = dyngen::generate(&schema, "names").unwrap();
        assert!(
            file.contents.contains(&format!("pub fn {method}_collection(")),
            "{method}"
        );
    }
}
