//! The made-up schemas: every name a generated module must not trip over.
//! Shared by `build.rs` (which generates and compiles them) and nothing else.

/// One made-up schema.
pub struct MadeUpSchema {
    /// The module (and file) name of its generated code.
    pub module: String,
    pub source: String,
}

/// Names in Rust's preludes (2015 to 2024) and other std names generated
/// code could mean by a bare path.
pub const STD_NAMES: &[&str] = &[
    "Copy",
    "Send",
    "Sized",
    "Sync",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Box",
    "ToOwned",
    "Clone",
    "PartialEq",
    "PartialOrd",
    "Eq",
    "Ord",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "Default",
    "Iterator",
    "Extend",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "ToString",
    "Vec",
    "TryFrom",
    "TryInto",
    "FromIterator",
    "Future",
    "IntoFuture",
    "Debug",
    "Display",
    "Hash",
    "Hasher",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "VecDeque",
    "Cow",
    "Rc",
    "Arc",
    "Pin",
    "PhantomData",
    "Formatter",
    "Ordering",
    "Any",
    "Deref",
    "Borrow",
    "Infallible",
    "Duration",
    "Char",
    "Str",
    "Bool",
    "I32",
    "I64",
    "I128",
    "U32",
    "U64",
    "F64",
    "Usize",
    "Std",
    "Core",
    "Alloc",
    "super",
    "crate",
];

/// Names the runtime exports or generated code mentions from its
/// dependencies.
pub const RUNTIME_NAMES: &[&str] = &[
    "Item",
    "Error",
    "Entity",
    "FromItem",
    "PrimaryKey",
    "Maintained",
    "Query",
    "QuerySpec",
    "Page",
    "Cursor",
    "Member",
    "Scan",
    "Table",
    "TableDef",
    "IndexDef",
    "IndexKind",
    "Projection",
    "Casing",
    "Attr",
    "Condition",
    "Nested",
    "BatchGet",
    "BatchWrite",
    "BatchWriteOutcome",
    "GetResult",
    "Leftover",
    "Ticket",
    "Unversioned",
    "RetryPolicy",
    "CancelReason",
    "CanceledAction",
    "TransactGet",
    "TransactWrite",
    "Bytes",
    "Put",
    "Delete",
    "Current",
    "DecodeError",
    "ValueError",
    "Operation",
    "EntityClient",
    "AttributeValue",
    "DateTime",
    "Utc",
    "Decimal",
    "Chrono",
    "DyngenRuntime",
    "AwsSdkDynamodb",
    "UnknownItem",
    "Applied",
];

/// What generated items are named after (`UserKey`, `UserUpdate`, ...),
/// used alone.
pub const GENERATED_NAMES: &[&str] = &[
    "Key",
    "Update",
    "Client",
    "Partition",
    "Collection",
    "Attributes",
    "Fields",
    "Stage",
    "Unknown",
    "Spec",
];

/// Every keyword that can be a raw identifier (`r#type`).
pub const KEYWORDS: &[&str] = &[
    "abstract",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "pub",
    "ref",
    "return",
    "static",
    "struct",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
    "union",
    "auto",
    "default",
    "macro_rules",
    "raw",
    "safe",
];

/// Lower-case names a generated function body might use for its own
/// variables or parameters.
pub const VALUE_NAMES: &[&str] = &[
    "item",
    "key",
    "value",
    "values",
    "items",
    "table",
    "client",
    "spec",
    "partition",
    "cursor",
    "query",
    "page",
    "now",
    "error",
    "err",
    "e",
    "v",
    "t",
    "s",
    "f",
    "c",
    "w",
    "x",
    "n",
    "i",
    "tag",
    "field",
    "name",
    "names",
    "low",
    "high",
    "prefix",
    "grouped",
    "other",
    "result",
    "option",
    "string",
    "vec",
    "some",
    "none",
    "ok",
    "std",
    "core",
    "alloc",
    "dyngen_runtime",
    "version",
    "expected_version",
    "update",
    "condition",
    "build",
    "attributes",
    "to_item",
    "from_item",
    "to_key",
    "primary_key",
    "touch",
    "deref",
    "into_future",
    "send",
];

fn all_type_names() -> impl Iterator<Item = &'static str> {
    STD_NAMES.iter().chain(RUNTIME_NAMES).chain(GENERATED_NAMES).copied()
}

/// The schemas: entities named after every type name; structs and enums
/// named after them; attributes, indexes and collections named after every
/// keyword and value name; names that differ only in case.
pub fn schemas() -> Vec<MadeUpSchema> {
    let (plain, derived) = split_generated_lookalikes();
    vec![
        entity_names("entity_names", &plain),
        entity_names("entity_names_derived", &derived),
        type_names(),
        value_names(),
        case_names(),
        method_names(),
        parameter_names(),
        operator_names(),
    ]
}

/// The type names, split into those that are another one's generated name
/// (`EntityClient` is the client of `Entity`; both in one schema is a
/// collision `dyngen check` refuses) and the others.
fn split_generated_lookalikes() -> (Vec<&'static str>, Vec<&'static str>) {
    const SUFFIXES: &[&str] = &[
        "Key",
        "Client",
        "Attributes",
        "Update",
        "Partition",
        "Query",
        "Collection",
        "Item",
        "Fields",
    ];
    let names: Vec<&str> = all_type_names().collect();
    names.iter().partition(|name| {
        !SUFFIXES.iter().any(|suffix| {
            name.strip_suffix(suffix)
                .is_some_and(|stem| !stem.is_empty() && names.contains(&stem))
        })
    })
}

/// One entity per name, every one with a secondary access pattern and in
/// one of two collections.
fn entity_names(module: &str, names: &[&str]) -> MadeUpSchema {
    let mut s = String::from(
        "service adversarial\n\
         table Db {\n  pk: pk\n  sk: sk\n  index gsi1 { pk: gsi1pk  sk: gsi1sk }\n  ttl: expires\n}\n\n",
    );
    for (i, name) in names.iter().enumerate() {
        let collection = if i % 2 == 0 { "Result" } else { "Option" };
        // A member named `Unknown` meets the item enum's `Unknown` variant
        // (refused); alone it is fine.
        let collection = if *name == "Unknown" {
            String::new()
        } else {
            format!("collection {collection} ")
        };
        s.push_str(&format!(
            "/// Entity `{name}`.\nentity {name} {{\n  id: string\n  at: timestamp\n  status: string?\n  count: i64 = 0\n  \
             tags: set<string>\n  expires: timestamp? ttl\n\n  primary {{ pk: [id]  sk: [at] }}\n  \
             index byStatus on gsi1 {collection}{{ pk: [id]  sk: [status, at] }}\n  version\n}}\n\n"
        ));
    }
    MadeUpSchema {
        module: module.into(),
        source: s,
    }
}

/// Structs and enums named after every type name, held by one entity in
/// every way an attribute can hold them (and enums in keys).
fn type_names() -> MadeUpSchema {
    let mut s = String::from("service adversarial\ntable DyngenRuntimeTable {\n  pk: pk\n  sk: sk\n}\n\n");
    let mut attributes = String::new();
    for (i, name) in all_type_names().enumerate() {
        if i % 2 == 0 {
            s.push_str(&format!(
                "/// Enum `{name}`.\nenum {name} {{ Some, None, Ok, Err, Default, String, SelfValue = \"self\" }}\n\n"
            ));
        } else {
            s.push_str(&format!(
                "/// Struct `{name}`.\nstruct {name} {{\n  string: string\n  option: i64?\n  vec: list<string>\n}}\n\n"
            ));
        }
        attributes.push_str(&format!(
            "  a{i}: {name}\n  b{i}: {name}?\n  c{i}: list<{name}>\n  d{i}: map<{name}>\n"
        ));
    }
    s.push_str(&format!(
        "entity Holder {{\n  id: string\n{attributes}\n  primary {{ pk: [id]  sk: [a0, a2] }}\n}}\n"
    ));
    MadeUpSchema {
        module: "type_names".into(),
        source: s,
    }
}

/// Attributes, indexes and a collection named after every keyword and every
/// name a function body might use.
fn value_names() -> MadeUpSchema {
    let mut s = String::from(
        "service adversarial\n\
         table Option {\n  pk: pk\n  sk: sk\n  index gsi1 { pk: gsi1pk  sk: gsi1sk }\n  index gsi2 { pk: gsi2pk  sk: gsi2sk }\n}\n\n",
    );
    let mut attributes = String::new();
    for name in KEYWORDS.iter().chain(VALUE_NAMES) {
        attributes.push_str(&format!("  {name}: string?\n"));
    }
    for (entity, other) in [("Vec", "String"), ("String", "Vec")] {
        s.push_str(&format!(
            "entity {entity} {{\n  selfId: string\n  superN: i64\n  crateName: string\n{attributes}\n  \
             primary {{ pk: [selfId]  sk: [superN] }}\n  \
             index type on gsi1 collection match {{ pk: [crateName]  sk: [superN] }}\n  \
             index fn on gsi2 collection item {{ pk: [selfId]  sk: [crateName, superN] }}\n  \
             /// `{other}` shares the collections.\n  timestamps\n}}\n\n"
        ));
    }
    MadeUpSchema {
        module: "value_names".into(),
        source: s,
    }
}

/// Names that differ only in case but stay apart in Rust.
fn case_names() -> MadeUpSchema {
    let s = "service adversarial\n\
             table Key {\n  pk: pk\n  sk: sk\n}\n\n\
             entity aB {\n  id: string\n  aB: string\n  ab: string\n  primary { pk: [id]  sk: [aB, ab] }\n}\n\n\
             entity ab {\n  id: string\n  xY: i64\n  xy: i64\n  primary { pk: [id]  sk: [xY] }\n}\n"
        .to_string();
    MadeUpSchema {
        module: "case_names".into(),
        source: s,
    }
}

/// Method names of the runtime's builders and generated clients, used as
/// key composites, access patterns and collections, where they become
/// methods of their own. Those that would meet an existing method are
/// refused by `dyngen check` (see `generator/tests/names.rs`); these are the
/// ones that must work.
fn method_names() -> MadeUpSchema {
    let mut s = "service adversarial\n\
             table Stage {\n  pk: pk\n  sk: sk\n  index gsi1 { pk: gsi1pk  sk: gsi1sk }\n}\n\n\
             entity Page {\n  id: string\n  count: i64\n  next: string\n  items: string\n  cursor: string\n  \
             primary { pk: [id]  sk: [count, next] }\n  \
             index items on gsi1 collection pages { pk: [cursor]  sk: [items, count] }\n}\n\n\
             entity Cursor {\n  cursor: string\n  page: string\n  key: string\n  \
             primary { pk: [cursor]  sk: [key] }\n  \
             index cursor on gsi1 collection pages { pk: [cursor]  sk: [key] }\n}\n"
        .to_string();
    // Collections named like the table handle's methods get `<name>_collection`.
    for (i, method) in dyngen::dsl::names::TABLE_METHODS.iter().enumerate() {
        s.push_str(&format!(
            "\nentity Member{i} {{\n  id: string\n  primary {{ pk: [id]  sk: [] }}\n  \
             index byId on gsi1 collection {method} {{ pk: [id]  sk: [] }}\n}}\n"
        ));
    }
    MadeUpSchema {
        module: "method_names".into(),
        source: s,
    }
}

/// Attributes named like the parameters, locals and fields of generated
/// update builders (`key`, `update`, `value`, `expected_version`, ...), as
/// key composites whose setters and constructors take them as parameters.
fn parameter_names() -> MadeUpSchema {
    let mut s = String::from(
        "service adversarial\n\
         table Params {\n  pk: pk\n  sk: sk\n  index gsi1 { pk: gsi1pk  sk: gsi1sk }\n  index gsi2 { pk: gsi2pk  sk: gsi2sk }\n}\n\n",
    );
    let names = [
        "key",
        "update",
        "value",
        "expectedVersion",
        "now",
        "low",
        "high",
        "prefix",
        "item",
        "table",
        "partition",
        "spec",
        "condition",
        "build",
        "elements",
        "element",
        "change",
        "selfId",
        "e",
        "a",
    ];
    // Each name once in either place: the constructor's parameter (`first`,
    // beside `updatedAt`) and a setter's second parameter (`second`).
    let pairs = names
        .chunks(2)
        .map(|p| (p[0], p[1]))
        .chain(names.chunks(2).map(|p| (p[1], p[0])));
    for (i, (first, second)) in pairs.enumerate() {
        // `first` and `second` share a secondary key, so setting one needs
        // the other; the version makes `update` take `expected_version`;
        // `updatedAt` in a key makes the constructor take both.
        s.push_str(&format!(
            "entity Params{i} {{\n  id: string\n  {first}: string\n  {second}: string\n  n: i64\n\n  \
             primary {{ pk: [id]  sk: [] }}\n  \
             index bySecond on gsi1 {{ pk: [{first}]  sk: [{second}] }}\n  \
             index byTime on gsi2 {{ pk: [id]  sk: [{first}, updatedAt] }}\n  \
             timestamps\n  version\n}}\n\n"
        ));
    }
    MadeUpSchema {
        module: "parameter_names".into(),
        source: s,
    }
}

/// Sort-key composites and access patterns named like the methods of std's
/// operator and comparison traits (`add`, `next`, `cmp`, ...): the stage
/// methods named after them must not look like trait methods to clippy.
fn operator_names() -> MadeUpSchema {
    let composites = [
        "add",
        "sub",
        "mul",
        "div",
        "rem",
        "shl",
        "shr",
        "bitand",
        "bitor",
        "bitxor",
        "neg",
        "not",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "cmp",
        "hash",
        "next",
        "into_iter",
        "from_str",
        "as_ref",
        "borrow",
        "deref",
        "drop",
        "clone",
        "default",
        "index",
        "from",
        "into",
    ];
    let mut s = String::from(
        "service adversarial\n\
         table Ops {\n  pk: pk\n  sk: sk\n  index gsi1 { pk: gsi1pk  sk: gsi1sk }\n}\n\n",
    );
    for (i, name) in composites.iter().enumerate() {
        s.push_str(&format!(
            "entity Op{i} {{\n  id: string\n  {name}: i64\n  other: string\n  \
             primary {{ pk: [id]  sk: [{name}, other] }}\n  \
             index {name} on gsi1 {{ pk: [other]  sk: [{name}] }}\n}}\n\n"
        ));
    }
    MadeUpSchema {
        module: "operator_names".into(),
        source: s,
    }
}
