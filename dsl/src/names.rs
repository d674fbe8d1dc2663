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

/// `OrderDraft`: an entity to write with its generated defaults left out.
pub fn draft_type(entity_rust: &str) -> String {
    format!("{entity_rust}Draft")
}

/// `AddressFields`: a struct's fields inside an attribute, for conditions.
pub fn fields_type(struct_rust: &str) -> String {
    format!("{struct_rust}Fields")
}

/// One method of an entity's update builder for one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setter {
    /// `set_x`
    Set,
    /// `remove_x` (optional attributes)
    Remove,
    /// `set_x_if_absent` (optional attributes outside keys)
    SetIfAbsent,
    /// `add_x` (numbers outside keys)
    Add,
    /// `subtract_x`
    Subtract,
    /// `append_x` (lists)
    Append,
    /// `prepend_x`
    Prepend,
    /// `add_to_x` (sets)
    AddTo,
    /// `delete_from_x`
    DeleteFrom,
}

impl Setter {
    /// The method's name for an attribute of Rust name `attr_rust` (maybe `r#type`).
    pub fn method_name(self, attr_rust: &str) -> String {
        let bare = attr_rust.trim_start_matches("r#");
        match self {
            Setter::Set => format!("set_{bare}"),
            Setter::Remove => format!("remove_{bare}"),
            Setter::SetIfAbsent => format!("set_{bare}_if_absent"),
            Setter::Add => format!("add_{bare}"),
            Setter::Subtract => format!("subtract_{bare}"),
            Setter::Append => format!("append_{bare}"),
            Setter::Prepend => format!("prepend_{bare}"),
            Setter::AddTo => format!("add_to_{bare}"),
            Setter::DeleteFrom => format!("delete_from_{bare}"),
        }
    }
}

/// The update-builder methods of `attr`: none for primary-key composites,
/// `readonly` and maintained attributes; only `set` (and `remove`) for
/// composites of secondary keys, whose new value must be known to rebuild
/// the key; every operator of the type otherwise.
pub fn setters(entity: &crate::ir::Entity, attr: &crate::ir::Attribute) -> Vec<Setter> {
    use crate::ir::{AttributeRole, Type};
    let in_primary_key = std::iter::once(&entity.primary.pk)
        .chain(&entity.primary.sk)
        .any(|t| t.composites.contains(&attr.name));
    let writable = matches!(attr.role, AttributeRole::Data | AttributeRole::Ttl) && !attr.readonly && !in_primary_key;
    if !writable {
        return Vec::new();
    }
    let in_secondary_key = entity
        .indexes
        .iter()
        .flat_map(|i| std::iter::once(&i.pk).chain(&i.sk))
        .any(|t| t.composites.contains(&attr.name));
    let mut setters = vec![Setter::Set];
    if attr.optional {
        setters.push(Setter::Remove);
    }
    if in_secondary_key {
        return setters;
    }
    if attr.optional {
        setters.push(Setter::SetIfAbsent);
    }
    match &attr.ty {
        t if t.is_number() && attr.role != AttributeRole::Ttl => setters.extend([Setter::Add, Setter::Subtract]),
        Type::List(_) => setters.extend([Setter::Append, Setter::Prepend]),
        Type::Set(_) => setters.extend([Setter::AddTo, Setter::DeleteFrom]),
        _ => {}
    }
    setters
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

/// A named projection's type: the entity's name and the projection's
/// (`UserSummary`).
pub fn projection_type(entity_rust: &str, projection_rust: &str) -> String {
    format!("{entity_rust}{projection_rust}")
}

/// What an access pattern on an index projecting less than all returns:
/// `UserByEmailProjection`.
pub fn index_projection_type(entity_rust: &str, index: &str) -> String {
    format!("{entity_rust}{}Projection", index_part(Some(index)))
}

/// `OwnedCollectionKey`, `OwnedItem`, `OwnedCollection`.
pub fn collection_types(collection_rust: &str) -> [String; 3] {
    [
        format!("{collection_rust}CollectionKey"),
        format!("{collection_rust}Item"),
        format!("{collection_rust}Collection"),
    ]
}

/// Methods of the generated table handle besides one per entity (its
/// plural) and one per collection.
pub const TABLE_METHODS: &[&str] = &[
    "new",
    "show_expired",
    "batch_get",
    "batch_write",
    "transact_write",
    "transact_get",
    "table",
];

/// Methods every generated entity client has, its own and those of the
/// runtime's `EntityClient` it dereferences to: an access pattern's query
/// method cannot take one of these names (`query` is the primary key's).
pub const ENTITY_CLIENT_METHODS: &[&str] = &[
    "new",
    "table",
    "get",
    "get_consistent",
    "put",
    "create",
    "upsert",
    "delete",
    "delete_existing",
    "scan",
    "query",
    "update",
];

/// Methods every query stage has (`runtime::query_stage!`): a sort-key
/// composite, whose stage methods are named after it, cannot take one of
/// these names.
pub const QUERY_STAGE_METHODS: &[&str] = &[
    "descending",
    "limit",
    "consistent",
    "page",
    "stream",
    "all",
    "filter",
    "into_query",
];

/// The variant of a collection's item enum that holds an item no member
/// claims: no member entity can be named so.
pub const UNKNOWN_MEMBER: &str = "Unknown";

/// The table handle's method for an entity's client: its plural (`issues`).
pub fn client_method(entity: &crate::ir::Entity) -> String {
    plural_value_name(&entity.name).unwrap_or_else(|_| entity.rust_name.to_lowercase())
}

/// The table handle's method for a collection: its name (`activity`), or
/// `<name>_collection` when the handle has a method of that name already
/// (an entity's plural, `new`, `batch_get`, ...).
pub fn collection_method(schema: &crate::ir::Schema, collection: &str) -> String {
    let method = value_name(collection).unwrap_or_else(|_| collection.to_owned());
    let taken = TABLE_METHODS.contains(&method.as_str()) || schema.entities.iter().any(|e| client_method(e) == method);
    if taken {
        format!("{}_collection", method.trim_start_matches("r#"))
    } else {
        method
    }
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

/// Method names clippy's `should_implement_trait` flags (a method named
/// like a std trait's: `add`, `cmp`, `next`, ...): generated impls whose
/// methods, named after the schema, include one allow the lint.
const STD_TRAIT_METHODS: &[&str] = &[
    "add",
    "as_mut",
    "as_ref",
    "bitand",
    "bitor",
    "bitxor",
    "borrow",
    "borrow_mut",
    "clone",
    "cmp",
    "default",
    "deref",
    "deref_mut",
    "div",
    "drop",
    "eq",
    "from_iter",
    "from_str",
    "hash",
    "index",
    "index_mut",
    "into_iter",
    "mul",
    "neg",
    "next",
    "not",
    "rem",
    "shl",
    "shr",
    "sub",
];

/// Whether a generated method named `name` (maybe `r#type`) reads like a
/// std trait's method to clippy (see [`STD_TRAIT_METHODS`]).
pub fn looks_like_std_trait_method(name: &str) -> bool {
    STD_TRAIT_METHODS.contains(&name.trim_start_matches("r#"))
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
