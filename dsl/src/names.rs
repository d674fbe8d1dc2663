//! Rust names, derived in this one place for validation and generation alike.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Keywords that can be used as raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const UNESCAPABLE: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Why a name cannot become a Rust identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRustName {
    /// What the name would have become.
    pub converted: String,
}

/// `repository`, `pull_request` → `Repository`, `PullRequest`.
pub fn type_name(name: &str) -> Result<String, InvalidRustName> {
    finish(name.to_upper_camel_case())
}

/// `repoOwner` → `repo_owner`; `type` → `r#type`.
pub fn value_name(name: &str) -> Result<String, InvalidRustName> {
    finish(name.to_snake_case())
}

/// The plural of a value name, for collection fields: `users`,
/// `repositories`, `pull_requests`, `addresses`.
pub fn plural_value_name(name: &str) -> Result<String, InvalidRustName> {
    let snake = name.to_snake_case();
    let plural = if let Some(stem) = snake
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|end| snake.ends_with(end)) {
        format!("{snake}es")
    } else {
        format!("{snake}s")
    };
    finish(plural)
}

// The types the generator emits besides the schema's own, composed from the
// Rust names above. They live here so that validation can reject a schema
// whose generated names would collide (an entity `UserKey` beside `User`).

/// `UserKey`: the primary key of an entity.
pub fn key_type(entity_rust: &str) -> String {
    format!("{entity_rust}Key")
}

/// `UserClient`: the per-entity client.
pub fn client_type(entity_rust: &str) -> String {
    format!("{entity_rust}Client")
}

/// `UserAttributes`: an entity's attributes, for conditions and filters.
pub fn attributes_type(entity_rust: &str) -> String {
    format!("{entity_rust}Attributes")
}

/// `UserUpdate`: the typed update builder of an entity.
pub fn update_type(entity_rust: &str) -> String {
    format!("{entity_rust}Update")
}

/// `AddressFields`: a struct's fields inside an attribute, for conditions.
pub fn fields_type(struct_rust: &str) -> String {
    format!("{struct_rust}Fields")
}

fn index_part(index: Option<&str>) -> String {
    index.and_then(|i| type_name(i).ok()).unwrap_or_default()
}

/// `IssuePartition` (primary key) or `IssueManagedPartition`.
pub fn partition_type(entity_rust: &str, index: Option<&str>) -> String {
    format!("{entity_rust}{}Partition", index_part(index))
}

/// The query stage of an access pattern after `fixed` composites:
/// `IssueManagedQuery`, then `IssueManagedQueryByStatus`.
pub fn query_stage_type(entity_rust: &str, index: Option<&str>, last_fixed: Option<&str>) -> String {
    let by = last_fixed
        .map(|c| format!("By{}", type_name(c).unwrap_or_default()))
        .unwrap_or_default();
    format!("{entity_rust}{}Query{by}", index_part(index))
}

/// `OwnedCollectionKey`, `OwnedItem`, `OwnedCollection`.
pub fn collection_types(collection_rust: &str) -> [String; 3] {
    [
        format!("{collection_rust}CollectionKey"),
        format!("{collection_rust}Item"),
        format!("{collection_rust}Collection"),
    ]
}

fn finish(converted: String) -> Result<String, InvalidRustName> {
    let starts_ok = converted
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_ok || UNESCAPABLE.contains(&converted.as_str()) {
        return Err(InvalidRustName { converted });
    }
    if RAW_KEYWORDS.contains(&converted.as_str()) {
        return Ok(format!("r#{converted}"));
    }
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_escapes() {
        assert_eq!(value_name("repoOwner").unwrap(), "repo_owner");
        assert_eq!(value_name("isPrivate").unwrap(), "is_private");
        assert_eq!(value_name("gsi1pk").unwrap(), "gsi1pk");
        assert_eq!(value_name("type").unwrap(), "r#type");
        assert_eq!(value_name("Match").unwrap(), "r#match");
        assert_eq!(type_name("pullRequest").unwrap(), "PullRequest");
        assert_eq!(type_name("issue_status").unwrap(), "IssueStatus");
        assert_eq!(plural_value_name("User").unwrap(), "users");
        assert_eq!(plural_value_name("Repository").unwrap(), "repositories");
        assert_eq!(plural_value_name("PullRequest").unwrap(), "pull_requests");
        assert_eq!(plural_value_name("Address").unwrap(), "addresses");
        assert_eq!(plural_value_name("Day").unwrap(), "days");
    }

    #[test]
    fn rejects_unescapable_names() {
        assert_eq!(value_name("self").unwrap_err().converted, "self");
        assert_eq!(value_name("Super").unwrap_err().converted, "super");
        assert_eq!(type_name("self").unwrap_err().converted, "Self");
        assert!(value_name("crate").is_err());
        assert!(value_name("_").is_err());
    }
}
