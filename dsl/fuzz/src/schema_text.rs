//! Schema text from fuzzer bytes, for the `generate_structured` target.
//!
//! Random bytes almost never make a valid schema, and the generator only
//! runs on valid ones. This module reads the bytes as a list of choices
//! (through `arbitrary::Unstructured`) and writes a schema from a small
//! grammar that keeps most of the checker's rules by construction, so that
//! most inputs reach the generator:
//!
//! - one `service`, one `table` (with or without a sort key, a `ttl:`, an
//!   `entity_tag:`), up to four global and two local indexes, each with a
//!   projection (`all`, or an `include` list of everything the entities
//!   using it store);
//! - enums and structs named after std, runtime and generated type names;
//!   struct fields of every type (structs nest without cycles, or through
//!   `list`/`map`);
//! - a per-schema catalogue of attributes (name, type, optionality, stored
//!   name) that every entity takes its attributes from, so that collection
//!   members always agree on shared attributes; names include keywords and
//!   names generated code uses for its own variables;
//! - entities with defaults, `readonly`, `@field`, a `version` attribute or
//!   marker, `timestamps`, a `ttl` attribute; a primary key and access
//!   patterns on the table's indexes built from scalar attributes, some in
//!   collections (members of one collection share the index and the
//!   partition composites);
//! - doc comments with quotes, backslashes, braces and other text that must
//!   be escaped when it lands in generated code.
//!
//! Some rules are left to chance on purpose (Rust-name collisions,
//! reserved names, key-prefix overlaps, `keys_only` projections): a share of
//! the schemas is refused, which exercises the checker too. Every choice has
//! a fallback when the bytes run out, so every input gives a schema.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use arbitrary::Unstructured;

/// Type names: entities, enums and structs are drawn from these.
const TYPE_NAMES: &[&str] = &[
    "User",
    "Order",
    "Issue",
    "Item",
    "Result",
    "Option",
    "Vec",
    "String",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "Debug",
    "Send",
    "Iterator",
    "HashMap",
    "Ordering",
    "Entity",
    "Table",
    "Error",
    "Key",
    "Update",
    "Client",
    "Attributes",
    "Query",
    "Page",
    "Cursor",
    "Attr",
    "Condition",
    "AttributeValue",
    "Decimal",
    "DateTime",
    "Utc",
    "Bytes",
    "Partition",
    "Collection",
    "Unknown",
    "Type",
    "Match",
    "Async",
    "UserKey",
    "OrderUpdate",
    "IssueClient",
    "ItemAttributes",
];

/// Table names.
const TABLE_NAMES: &[&str] = &["Db", "T", "Option", "Table", "Tables", "DyngenRuntime", "Vcs"];

/// Service names (the key namespace).
const SERVICE_NAMES: &[&str] = &["app", "vcs", "shop", "r", "type", "Result", "a_b"];

/// Enum variants.
const VARIANTS: &[&str] = &[
    "Open", "Closed", "Some", "None", "Ok", "Err", "Default", "String", "Type", "Match", "Unknown", "A", "B", "Value",
];

/// Stored values of enum variants (`= "..."`).
const VARIANT_VALUES: &[&str] = &[
    "\"open\"",
    "\"a b\"",
    "\"\\\"q\\\"\"",
    "\"\\\\\"",
    "\"{}\"",
    "\"\\u{1F600}\"",
    "\"#\"",
    "\"self\"",
];

/// Attribute and struct field names.
const ATTR_NAMES: &[&str] = &[
    "id",
    "name",
    "status",
    "count",
    "tags",
    "at",
    "repoOwner",
    "type",
    "fn",
    "match",
    "async",
    "await",
    "box",
    "dyn",
    "gen",
    "try",
    "union",
    "default",
    "item",
    "items",
    "key",
    "value",
    "values",
    "table",
    "client",
    "cursor",
    "query",
    "error",
    "result",
    "option",
    "string",
    "vec",
    "some",
    "none",
    "std",
    "core",
    "dyngen_runtime",
    "update",
    "condition",
    "build",
    "to_item",
    "from_item",
    "primary_key",
    "expected_version",
    "e",
    "v",
    "x",
];

/// Access pattern names.
const INDEX_NAMES: &[&str] = &[
    "byStatus",
    "type",
    "fn",
    "match",
    "batch",
    "key",
    "items",
    "partition",
    "all",
    "item",
    "cursor",
    "page",
];

/// Collection names.
const COLLECTION_NAMES: &[&str] = &["owned", "activity", "match", "type", "Result", "item", "Option"];

/// `@field("...")` stored names, line breaks and BiDi controls included
/// (they once made the generator write invalid Rust:
/// `compile-checks/fuzzed/bug_newline_in_field_name.dyn`).
const FIELD_NAMES: &[&str] = &[
    "a\\nb",
    "a\\rb",
    "a\u{202E}b",
    "data",
    "cc",
    "a-b",
    "type",
    "self",
    "a b",
    "\\\"",
    "\\\\",
    "{}",
    "\\u{E9}t\\u{E9}",
    "#x",
];

/// Doc comment texts, a bare carriage return and BiDi controls included
/// (they once made the generated code invalid:
/// `compile-checks/fuzzed/bug_bare_cr_in_doc.dyn`, `bug_bidi_in_doc.dyn`).
const DOCS: &[&str] = &[
    " bare\rreturn",
    "A doc.",
    " Quote \" and backslash \\ and `code`.",
    " */ /* {{ }} {} %s",
    " <b>html</b> & &amp;",
    " \u{202E}rtl\u{202C} \u{1F600}",
    " #[doc = \"x\"]",
    " [link](x) [`Option`]",
    "",
];

/// Scalar types: key composites may have them.
const SCALARS: &[&str] = &["string", "bool", "i32", "i64", "u32", "u64", "decimal", "timestamp"];

/// Set element types.
const SET_ELEMENTS: &[&str] = &["string", "i32", "i64", "u32", "u64", "decimal", "bytes"];

/// The choices, with a fallback when the bytes run out.
struct Choices<'a, 'b> {
    u: &'b mut Unstructured<'a>,
}

impl Choices<'_, '_> {
    /// A number in `0..=max`.
    fn upto(&mut self, max: usize) -> usize {
        self.u.int_in_range(0..=max).unwrap_or(0)
    }

    /// True with probability `num / den`.
    fn chance(&mut self, num: u8, den: u8) -> bool {
        self.u.ratio(num, den).unwrap_or(false)
    }

    fn pick<'s>(&mut self, pool: &[&'s str]) -> &'s str {
        pool[self.upto(pool.len() - 1)]
    }

    /// Up to `max` distinct indices into a pool of `len`, in the order drawn.
    fn distinct(&mut self, len: usize, max: usize) -> Vec<usize> {
        let mut left: Vec<usize> = (0..len).collect();
        let n = self.upto(max.min(len));
        (0..n).map(|_| left.remove(self.upto(left.len() - 1))).collect()
    }

    fn docs(&mut self, indent: &str, out: &mut String) {
        if self.chance(1, 4) {
            let doc = self.pick(DOCS);
            writeln!(out, "{indent}///{doc}").unwrap();
        }
    }
}

/// An attribute or field type.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Scalar(&'static str),
    F64,
    Bytes,
    Enum(usize),
    Struct(usize),
    List(Box<Ty>),
    Map(Box<Ty>),
    Set(&'static str),
}

impl Ty {
    fn is_scalar(&self) -> bool {
        matches!(self, Ty::Scalar(_) | Ty::Enum(_))
    }
}

struct EnumDef {
    name: &'static str,
    variants: Vec<&'static str>,
}

/// One attribute of the catalogue (or a struct field).
#[derive(Clone)]
struct Attr {
    name: &'static str,
    ty: Ty,
    optional: bool,
    /// The `@field("...")` literal's text, if any.
    field: Option<String>,
}

impl Attr {
    fn stored(&self) -> String {
        match &self.field {
            Some(f) => unescape(f),
            None => self.name.to_owned(),
        }
    }
}

/// The stored name a `@field("...")` literal means (the pool's escapes).
fn unescape(literal: &str) -> String {
    literal
        .replace("\\u{E9}", "\u{E9}")
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
}

struct Index {
    name: String,
    pk: String,
    sk: Option<String>,
    local: bool,
    projection: Projection,
    /// What the entities using it store (for an `include` list).
    projected: BTreeSet<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Projection {
    /// None written (all).
    Default,
    /// `projection: all`.
    All,
    /// `projection: include [..]` of everything the entities using the
    /// index store, and the entity tag.
    Include,
    /// `projection: keys_only`: refused (`E0311`) if an entity uses it.
    KeysOnly,
}

/// A collection: its table index (`None` for the table itself) and the
/// partition composites every member uses.
struct CollectionDef {
    name: &'static str,
    index: Option<usize>,
    pk: Vec<usize>,
    casing: &'static str,
}

/// Writes a schema from the choices in `u`.
pub fn schema(u: &mut Unstructured<'_>) -> String {
    let mut c = Choices { u };
    let mut out = String::new();

    let service = c.pick(SERVICE_NAMES);
    let table_name = c.pick(TABLE_NAMES);

    // Names of types, drawn without repeats.
    let mut type_names: Vec<&'static str> = TYPE_NAMES.iter().copied().filter(|n| *n != table_name).collect();
    let mut take_type_name = |c: &mut Choices<'_, '_>| -> &'static str {
        if type_names.is_empty() {
            "Fallback"
        } else {
            type_names.remove(c.upto(type_names.len() - 1))
        }
    };

    // Table.
    let table_pk = c.pick(&["pk", "pk", "PK", "\"p k\"", "hk"]);
    let table_sk = if c.chance(4, 5) {
        Some(c.pick(&["sk", "sk", "SK", "\"s-k\""]))
    } else {
        None
    };
    let ttl = if c.chance(1, 3) {
        Some(c.pick(&["expiresAt", "ttl", "\"exp\""]))
    } else {
        None
    };
    let entity_tag = if c.chance(1, 4) {
        Some(c.pick(&["kind", "_type", "\"et\""]))
    } else {
        None
    };
    let mut indexes: Vec<Index> = Vec::new();
    for i in 1..=c.upto(4) {
        let sk = if c.chance(3, 4) {
            Some(format!("gsi{i}sk"))
        } else {
            None
        };
        indexes.push(Index {
            name: format!("gsi{i}"),
            pk: format!("gsi{i}pk"),
            sk,
            local: false,
            projection: Projection::Default,
            projected: BTreeSet::new(),
        });
    }
    if table_sk.is_some() {
        for i in 1..=c.upto(2) {
            indexes.push(Index {
                name: format!("lsi{i}"),
                pk: table_pk.to_owned(),
                sk: Some(format!("lsi{i}sk")),
                local: true,
                projection: Projection::Default,
                projected: BTreeSet::new(),
            });
        }
    }
    for index in &mut indexes {
        index.projection = match c.upto(5) {
            0 => Projection::All,
            1 | 2 => Projection::Include,
            3 if c.chance(1, 8) => Projection::KeysOnly,
            _ => Projection::Default,
        };
    }

    // Enums.
    let mut enums: Vec<EnumDef> = Vec::new();
    for _ in 0..c.upto(3) {
        let name = take_type_name(&mut c);
        let mut variants: Vec<&'static str> = c.distinct(VARIANTS.len(), 4).into_iter().map(|i| VARIANTS[i]).collect();
        if variants.is_empty() {
            variants.push("A");
        }
        enums.push(EnumDef { name, variants });
    }

    // Structs: a struct holds another directly only if that one comes
    // later, so there are no cycles outside lists and maps.
    let n_structs = c.upto(3);
    let struct_names: Vec<&'static str> = (0..n_structs).map(|_| take_type_name(&mut c)).collect();
    let mut struct_fields: Vec<Vec<(Attr, Option<String>)>> = Vec::new();
    for s in 0..n_structs {
        let mut fields = Vec::new();
        let mut stored = BTreeSet::new();
        for i in c.distinct(ATTR_NAMES.len(), 4) {
            let ty = ty(&mut c, enums.len(), s + 1..n_structs, n_structs, 0);
            let attr = attribute(&mut c, ATTR_NAMES[i], ty, &mut stored, &BTreeSet::new());
            let default = if attr.optional {
                None
            } else {
                default(&mut c, &attr.ty, &enums)
            };
            fields.push((attr, default));
        }
        struct_fields.push(fields);
    }

    // Stored names no attribute may take.
    let mut reserved: BTreeSet<String> = BTreeSet::new();
    reserved.insert(unescape(table_pk.trim_matches('"')));
    if let Some(sk) = table_sk {
        reserved.insert(unescape(sk.trim_matches('"')));
    }
    for index in &indexes {
        reserved.insert(index.pk.clone());
        reserved.extend(index.sk.clone());
    }
    let tag = entity_tag.map_or("_et".to_owned(), |t| t.trim_matches('"').to_owned());
    reserved.insert(tag.clone());
    let ttl_stored = ttl.map_or("expiresAt".to_owned(), |t| t.trim_matches('"').to_owned());
    reserved.insert(ttl_stored.clone());
    for name in ["createdAt", "updatedAt", "version", "rev"] {
        reserved.insert(name.to_owned());
    }

    // The attribute catalogue.
    let mut catalogue: Vec<(Attr, Option<String>)> = Vec::new();
    let mut catalogue_stored = BTreeSet::new();
    for i in c.distinct(ATTR_NAMES.len(), 12) {
        let ty = ty(&mut c, enums.len(), 0..n_structs, n_structs, 0);
        let attr = attribute(&mut c, ATTR_NAMES[i], ty, &mut catalogue_stored, &reserved);
        let default = if attr.optional {
            None
        } else {
            default(&mut c, &attr.ty, &enums)
        };
        catalogue.push((attr, default));
    }
    if !catalogue.iter().any(|(a, _)| a.ty.is_scalar() && !a.optional) {
        catalogue.push((
            Attr {
                name: "ident",
                ty: Ty::Scalar("string"),
                optional: false,
                field: None,
            },
            None,
        ));
    }
    let ttl_ty = c.pick(&["i64", "u64", "timestamp"]);
    let ttl_optional = c.chance(1, 2);

    // Entities.
    let mut collections: Vec<CollectionDef> = Vec::new();
    let mut entities = String::new();
    for _ in 0..=c.upto(3) {
        let name = take_type_name(&mut c);
        // Attributes: catalogue indices, plus what collections need.
        let mut attrs: Vec<usize> = c.distinct(catalogue.len(), 6);
        let timestamps = c.chance(1, 3);
        let version = c.upto(3); // 0: none, 1: marker, 2: `rev: u64 version`
        let has_ttl = c.chance(1, 4);
        let required_scalar = |i: &usize| catalogue[*i].0.ty.is_scalar() && !catalogue[*i].0.optional;
        if !attrs.iter().any(required_scalar) {
            let first = (0..catalogue.len())
                .find(required_scalar)
                .expect("the catalogue has one");
            attrs.push(first);
        }

        let mut keys = String::new();
        let mut used_index_names = BTreeSet::new();
        let mut used: Vec<usize> = Vec::new();
        // Composites: catalogue attributes (by index) or marker attributes.
        let composites = |c: &mut Choices<'_, '_>, attrs: &[usize], primary: bool, max: usize| {
            let mut pool: Vec<String> = attrs
                .iter()
                .filter(|i| catalogue[**i].0.ty.is_scalar() && !(primary && catalogue[**i].0.optional))
                .map(|i| catalogue[*i].0.name.to_owned())
                .collect();
            // `createdAt` is never a composite, `updatedAt` only of a
            // secondary access pattern.
            if timestamps && !primary {
                pool.push("updatedAt".into());
            }
            c.distinct(pool.len(), max)
                .into_iter()
                .map(|i| pool[i].clone())
                .collect::<Vec<_>>()
        };
        let casing = |c: &mut Choices<'_, '_>| -> &'static str {
            if c.chance(1, 4) {
                c.pick(&[" casing lower", " casing upper", " casing none"])
            } else {
                ""
            }
        };

        // Primary key, maybe in a collection on the table itself.
        let mut pk = composites(&mut c, &attrs, true, 2);
        let mut pk_casing = casing(&mut c);
        let mut collection = String::new();
        if table_sk.is_some() && c.chance(1, 4) {
            let (name, members) = join_collection(&mut c, &mut collections, None, |_: &mut Choices<'_, '_>| {
                let indices = pk.iter().map(|p| catalogue_index(&catalogue, p)).collect();
                (indices, pk_casing)
            });
            for i in &members.0 {
                if !attrs.contains(i) {
                    attrs.push(*i);
                }
            }
            pk = members.0.iter().map(|i| catalogue[*i].0.name.to_owned()).collect();
            pk_casing = members.1;
            collection = format!("collection {name} ");
        }
        let mut primary = format!("  primary {collection}{{ pk: [{}]{pk_casing}", pk.join(", "));
        if table_sk.is_some() && c.chance(3, 4) {
            let sk = composites(&mut c, &attrs, true, 2);
            let sk_casing = casing(&mut c);
            write!(primary, "  sk: [{}]{sk_casing}", sk.join(", ")).unwrap();
        }
        primary.push_str(" }\n");
        c.docs("  ", &mut keys);
        keys.push_str(&primary);
        let primary_pk = (pk.join(", "), pk_casing);

        // Access patterns, at most one per table index.
        for ix in c.distinct(indexes.len(), 3) {
            let mut pattern_name = c.pick(INDEX_NAMES);
            if !used_index_names.insert(pattern_name) {
                pattern_name = "other";
                if !used_index_names.insert(pattern_name) {
                    continue;
                }
            }
            let index = &indexes[ix];
            let mut line = String::new();
            let mut collection = String::new();
            let mut pk_text = None;
            if !index.local && index.sk.is_some() && c.chance(1, 3) {
                let pool: Vec<usize> = attrs
                    .iter()
                    .copied()
                    .filter(|i| catalogue[*i].0.ty.is_scalar())
                    .collect();
                let (cname, members) =
                    join_collection(&mut c, &mut collections, Some(ix), |c: &mut Choices<'_, '_>| {
                        let picked = c.distinct(pool.len(), 2).into_iter().map(|i| pool[i]).collect();
                        (picked, casing(c))
                    });
                for i in &members.0 {
                    if !attrs.contains(i) {
                        attrs.push(*i);
                    }
                }
                let names: Vec<&str> = members.0.iter().map(|i| catalogue[*i].0.name).collect();
                pk_text = Some(format!("pk: [{}]{}", names.join(", "), members.1));
                collection = format!("collection {cname} ");
            }
            let pk_text = match pk_text {
                Some(t) => Some(t),
                None if index.local => {
                    if c.chance(1, 4) {
                        Some(format!("pk: [{}]{}", primary_pk.0, primary_pk.1))
                    } else {
                        None
                    }
                }
                None => {
                    let pk = composites(&mut c, &attrs, false, 2);
                    Some(format!("pk: [{}]{}", pk.join(", "), casing(&mut c)))
                }
            };
            c.docs("  ", &mut keys);
            write!(line, "  index {pattern_name} on {} {collection}{{ ", index.name).unwrap();
            if let Some(pk_text) = pk_text {
                line.push_str(&pk_text);
                line.push_str("  ");
            }
            if index.sk.is_some() && (index.local || c.chance(3, 4)) {
                let sk = composites(&mut c, &attrs, false, 2);
                write!(line, "sk: [{}]{}", sk.join(", "), casing(&mut c)).unwrap();
            }
            line.push_str(" }\n");
            keys.push_str(&line);
            used.push(ix);
        }

        // The entity's text, and what it stores (for `include` lists).
        c.docs("", &mut entities);
        writeln!(entities, "entity {name} {{").unwrap();
        let mut stored: Vec<String> = Vec::new();
        for &i in &attrs {
            let (attr, default) = &catalogue[i];
            c.docs("  ", &mut entities);
            write!(
                entities,
                "  {}: {}",
                attr.name,
                ty_text(&attr.ty, &enums, &struct_names)
            )
            .unwrap();
            if attr.optional {
                entities.push('?');
            }
            if let Some(d) = default {
                write!(entities, " = {d}").unwrap();
            }
            if c.chance(1, 5) {
                entities.push_str(" readonly");
            }
            if let Some(f) = &attr.field {
                write!(entities, " @field(\"{f}\")").unwrap();
            }
            entities.push('\n');
            stored.push(attr.stored());
        }
        if version == 2 {
            entities.push_str("  rev: u64 version\n");
            stored.push("rev".into());
        }
        if has_ttl {
            write!(entities, "  expiresAt: {ttl_ty}").unwrap();
            if ttl_optional {
                entities.push('?');
            }
            entities.push_str(" ttl");
            if ttl_stored != "expiresAt" {
                write!(entities, " @field(\"{ttl_stored}\")").unwrap();
            }
            entities.push('\n');
            stored.push(ttl_stored.clone());
        }
        entities.push('\n');
        entities.push_str(&keys);
        if timestamps {
            entities.push_str("  timestamps\n");
            stored.push("createdAt".into());
            stored.push("updatedAt".into());
        }
        if version == 1 {
            entities.push_str("  version\n");
            stored.push("version".into());
        }
        entities.push_str("}\n\n");
        stored.push(tag.clone());
        for ix in used {
            indexes[ix].projected.extend(stored.iter().cloned());
        }
    }

    // Now the header: service, table, enums, structs; then the entities.
    c.docs("", &mut out);
    writeln!(out, "service {service}\n").unwrap();
    c.docs("", &mut out);
    writeln!(out, "table {table_name} {{\n  pk: {table_pk}").unwrap();
    if let Some(sk) = table_sk {
        writeln!(out, "  sk: {sk}").unwrap();
    }
    if let Some(ttl) = ttl {
        writeln!(out, "  ttl: {ttl}").unwrap();
    }
    if let Some(tag) = entity_tag {
        writeln!(out, "  entity_tag: {tag}").unwrap();
    }
    for index in &indexes {
        c.docs("  ", &mut out);
        let local = if index.local { "local " } else { "" };
        write!(out, "  {local}index {} {{ ", index.name).unwrap();
        if !index.local {
            write!(out, "pk: {}  ", index.pk).unwrap();
        }
        if let Some(sk) = &index.sk {
            write!(out, "sk: {sk}  ").unwrap();
        }
        match index.projection {
            Projection::Default => {}
            Projection::All => out.push_str("projection: all "),
            Projection::KeysOnly => out.push_str("projection: keys_only "),
            Projection::Include => {
                let mut names: Vec<String> = index
                    .projected
                    .iter()
                    .map(|n| format!("\"{}\"", n.replace('\\', "\\\\").replace('"', "\\\"")))
                    .collect();
                if names.is_empty() {
                    names.push("\"x\"".into());
                }
                write!(out, "projection: include [{}] ", names.join(", ")).unwrap();
            }
        }
        out.push_str("}\n");
    }
    out.push_str("}\n\n");
    for e in &enums {
        c.docs("", &mut out);
        write!(out, "enum {} {{", e.name).unwrap();
        let mut values = BTreeSet::new();
        for v in &e.variants {
            out.push_str("\n  ");
            if c.chance(1, 5) {
                out.push_str(&format!("/// Variant {v}.\n  "));
            }
            out.push_str(v);
            if c.chance(1, 3) {
                let value = c.pick(VARIANT_VALUES);
                if values.insert(value) {
                    write!(out, " = {value}").unwrap();
                }
            }
            if c.chance(1, 2) {
                out.push(',');
            }
        }
        out.push_str("\n}\n\n");
    }
    for (name, fields) in struct_names.iter().zip(&struct_fields) {
        c.docs("", &mut out);
        writeln!(out, "struct {name} {{").unwrap();
        for (attr, default) in fields {
            c.docs("  ", &mut out);
            write!(out, "  {}: {}", attr.name, ty_text(&attr.ty, &enums, &struct_names)).unwrap();
            if attr.optional {
                out.push('?');
            }
            if let Some(d) = default {
                write!(out, " = {d}").unwrap();
            }
            if let Some(f) = &attr.field {
                write!(out, " @field(\"{f}\")").unwrap();
            }
            out.push('\n');
        }
        out.push_str("}\n\n");
    }
    out.push_str(&entities);
    out
}

/// Joins a collection on `index` (`None`: the table itself): an existing
/// one on that index, or a new one whose partition composites (catalogue
/// indices) and casing `fresh` chooses. Returns its name and those.
fn join_collection(
    c: &mut Choices<'_, '_>,
    collections: &mut Vec<CollectionDef>,
    index: Option<usize>,
    fresh: impl FnOnce(&mut Choices<'_, '_>) -> (Vec<usize>, &'static str),
) -> (&'static str, (Vec<usize>, &'static str)) {
    let existing: Vec<usize> = (0..collections.len())
        .filter(|i| collections[*i].index == index)
        .collect();
    if !existing.is_empty() && c.chance(3, 4) {
        let def = &collections[existing[c.upto(existing.len() - 1)]];
        return (def.name, (def.pk.clone(), def.casing));
    }
    let taken: Vec<&str> = collections.iter().map(|d| d.name).collect();
    let free: Vec<&'static str> = COLLECTION_NAMES
        .iter()
        .copied()
        .filter(|n| !taken.contains(n))
        .collect();
    let name = if free.is_empty() {
        "spare"
    } else {
        free[c.upto(free.len() - 1)]
    };
    let (pk, casing) = fresh(c);
    collections.push(CollectionDef {
        name,
        index,
        pk: pk.clone(),
        casing,
    });
    (name, (pk, casing))
}

/// Where the attribute `name` is in the catalogue.
fn catalogue_index(catalogue: &[(Attr, Option<String>)], name: &str) -> usize {
    catalogue
        .iter()
        .position(|(a, _)| a.name == name)
        .expect("composites come from the catalogue")
}

/// A type; structs directly held come from `direct`, any struct may be in a
/// list or map.
fn ty(c: &mut Choices<'_, '_>, n_enums: usize, direct: std::ops::Range<usize>, n_structs: usize, depth: u8) -> Ty {
    match c.upto(if depth > 1 { 6 } else { 9 }) {
        0..=2 => Ty::Scalar(c.pick(SCALARS)),
        3 => Ty::F64,
        4 => Ty::Bytes,
        5 | 6 if n_enums > 0 => Ty::Enum(c.upto(n_enums - 1)),
        5 | 6 if !direct.is_empty() => Ty::Struct(direct.start + c.upto(direct.len() - 1)),
        5 | 6 => Ty::Scalar("string"),
        7 => Ty::List(Box::new(elem(c, n_enums, n_structs, depth))),
        8 => Ty::Map(Box::new(elem(c, n_enums, n_structs, depth))),
        _ => Ty::Set(c.pick(SET_ELEMENTS)),
    }
}

/// A list or map element: anything, any struct.
fn elem(c: &mut Choices<'_, '_>, n_enums: usize, n_structs: usize, depth: u8) -> Ty {
    if n_structs > 0 && c.chance(1, 3) {
        Ty::Struct(c.upto(n_structs - 1))
    } else {
        ty(c, n_enums, 0..0, n_structs, depth + 1)
    }
}

fn ty_text(ty: &Ty, enums: &[EnumDef], structs: &[&str]) -> String {
    match ty {
        Ty::Scalar(s) => (*s).to_owned(),
        Ty::F64 => "f64".into(),
        Ty::Bytes => "bytes".into(),
        Ty::Enum(i) => enums[*i].name.to_owned(),
        Ty::Struct(i) => structs[*i].to_owned(),
        Ty::List(t) => format!("list<{}>", ty_text(t, enums, structs)),
        Ty::Map(t) => format!("map<{}>", ty_text(t, enums, structs)),
        Ty::Set(t) => format!("set<{t}>"),
    }
}

/// An attribute named `name` of type `ty`: maybe optional, maybe stored
/// under a `@field` name; never under a name taken or reserved.
fn attribute(
    c: &mut Choices<'_, '_>,
    name: &'static str,
    ty: Ty,
    stored: &mut BTreeSet<String>,
    reserved: &BTreeSet<String>,
) -> Attr {
    let mut attr = Attr {
        name,
        ty,
        optional: c.chance(1, 3),
        field: c.chance(1, 5).then(|| c.pick(FIELD_NAMES).to_owned()),
    };
    let taken = |a: &Attr| stored.contains(&a.stored()) || reserved.contains(&a.stored());
    if taken(&attr) {
        attr.field = None;
    }
    if taken(&attr) {
        attr.field = Some(format!("{name}_"));
    }
    stored.insert(attr.stored());
    attr
}

/// A default literal for a required attribute of type `ty`, sometimes.
fn default(c: &mut Choices<'_, '_>, ty: &Ty, enums: &[EnumDef]) -> Option<String> {
    if !c.chance(1, 3) {
        return None;
    }
    literal(c, ty, enums)
}

fn literal(c: &mut Choices<'_, '_>, ty: &Ty, enums: &[EnumDef]) -> Option<String> {
    let text = match ty {
        Ty::Scalar("string") => c.pick(&[
            "\"\"",
            "\"main\"",
            "\"a\\\"b\"",
            "\"\\\\\"",
            "\"{}\"",
            "\"\\u{1F600}\"",
            "\"\\n\\t\"",
        ]),
        Ty::Scalar("bool") => c.pick(&["true", "false"]),
        Ty::Scalar("i32") => c.pick(&["0", "-1", "2147483647", "-2147483648", "1_000"]),
        Ty::Scalar("u32") => c.pick(&["0", "4294967295", "7"]),
        Ty::Scalar("i64") => c.pick(&["0", "-9223372036854775808", "9223372036854775807"]),
        Ty::Scalar("u64") => c.pick(&["0", "18446744073709551615"]),
        Ty::Scalar("decimal") => c.pick(&["0.00", "-1.5", "12345678901234567890.12345678", "7"]),
        Ty::F64 => c.pick(&["0.5", "-2.5e-3", "0", "1.0e300", "-0.0"]),
        Ty::Enum(i) => {
            let e = &enums[*i];
            e.variants[c.upto(e.variants.len() - 1)]
        }
        Ty::List(t) => {
            let items: Vec<String> = (0..c.upto(2)).filter_map(|_| literal(c, t, enums)).collect();
            return Some(format!("[{}]", items.join(", ")));
        }
        Ty::Set(t) => {
            let pool: &[&str] = match *t {
                "string" => &["\"a\"", "\"b\"", "\"\""],
                "bytes" => return None,
                "decimal" => &["1.5", "2"],
                _ => &["1", "2", "3"],
            };
            let items: Vec<&str> = c.distinct(pool.len(), 2).into_iter().map(|i| pool[i]).collect();
            return Some(format!("[{}]", items.join(", ")));
        }
        Ty::Map(_) => "{}",
        Ty::Scalar(_) | Ty::Bytes | Ty::Struct(_) => return None,
    };
    Some(text.to_owned())
}
