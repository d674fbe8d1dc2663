//! Syntax tree to IR: resolves every name and checks what can be checked
//! one item at a time. Cross-item rules (collections, stored fields, key
//! prefixes, Rust names) live in `validate`.
//!
//! Lowering never stops at the first problem. A broken piece (an attribute
//! of unknown type, a key naming a missing attribute) is left out of the IR
//! and remembered, so later checks neither crash on it nor repeat the error.

use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::*;
use crate::names;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Default attribute holding the entity name (dynamodb-toolbox's choice: short).
pub const DEFAULT_ENTITY_TAG_FIELD: &str = "_et";
pub const CREATED_AT: &str = "createdAt";
pub const UPDATED_AT: &str = "updatedAt";
pub const VERSION: &str = "version";
/// DynamoDB's limit on the length of a key attribute's name, in bytes.
pub const MAX_KEY_ATTRIBUTE_NAME: usize = 255;

const BUILTIN_TYPES: &[&str] = &[
    "string",
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "f64",
    "decimal",
    "bytes",
    "timestamp",
    "list",
    "map",
    "set",
];

pub struct Lowered {
    pub schema: Option<Schema>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn lower(file: &ast::File) -> Lowered {
    let mut lowerer = Lowerer::default();
    let schema = lowerer.file(file);
    Lowered {
        schema,
        diagnostics: lowerer.diagnostics,
    }
}

#[derive(Default)]
struct Lowerer {
    diagnostics: Vec<Diagnostic>,
    /// Type namespace: name → (kind, span of the name).
    types: BTreeMap<String, (TypeKind, Span)>,
    /// Enum name → variant names, for checking enum defaults.
    enum_variants: BTreeMap<String, Vec<String>>,
    /// The service name: the first label of segmented partition keys.
    service: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TypeKind {
    Enum,
    Struct,
    Entity,
}

impl TypeKind {
    fn word(self) -> &'static str {
        match self {
            TypeKind::Enum => "enum",
            TypeKind::Struct => "struct",
            TypeKind::Entity => "entity",
        }
    }
}

impl Lowerer {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn file(&mut self, file: &ast::File) -> Option<Schema> {
        let mut services = Vec::new();
        let mut tables = Vec::new();
        let mut enums = Vec::new();
        let mut structs = Vec::new();
        let mut entities = Vec::new();
        for item in &file.items {
            match item {
                ast::Item::Service(s) => services.push(s),
                ast::Item::Table(t) => tables.push(t),
                ast::Item::Enum(e) => enums.push(e),
                ast::Item::Struct(s) => structs.push(s),
                ast::Item::Entity(e) => entities.push(e),
            }
        }

        let service = self.exactly_one(
            &services,
            |s| (s.name.span, s.span),
            Code::ServiceDeclaration,
            "service",
            "add `service <name>` at the top of the file; the name is the first segment of every key",
        );
        let table = self.exactly_one(
            &tables,
            |t| (t.name.span, t.span),
            Code::TableDeclaration,
            "table",
            "add `table <Name> { pk: pk  sk: sk }`; a schema describes one DynamoDB table",
        );

        // The type namespace first, so that any type can refer to any other.
        let named: Vec<(&ast::Ident, TypeKind)> = enums
            .iter()
            .map(|e| (&e.name, TypeKind::Enum))
            .chain(structs.iter().map(|s| (&s.name, TypeKind::Struct)))
            .chain(entities.iter().map(|e| (&e.name, TypeKind::Entity)))
            .collect();
        let mut ordered = named.clone();
        ordered.sort_by_key(|(n, _)| n.span.start);
        for (name, kind) in ordered {
            if BUILTIN_TYPES.contains(&name.text.as_str()) {
                self.push(
                    Diagnostic::new(Code::DuplicateType, format!("`{}` is a built-in type", name.text))
                        .primary(name.span, format!("this {} would hide the built-in type", kind.word()))
                        .help("choose another name"),
                );
                continue;
            }
            if let Some((first_kind, first_span)) = self.types.get(&name.text).copied() {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateType,
                        format!("the name `{}` is defined more than once", name.text),
                    )
                    .primary(name.span, format!("{} `{}` redefined here", kind.word(), name.text))
                    .secondary(
                        first_span,
                        format!("{} `{}` first defined here", first_kind.word(), name.text),
                    )
                    .help("entities, enums and structs share one namespace; rename one of them"),
                );
                continue;
            }
            self.types.insert(name.text.clone(), (kind, name.span));
        }

        for e in &enums {
            if self.is_first_definition(&e.name, TypeKind::Enum) {
                let variants = e.variants.iter().map(|v| v.name.text.clone()).collect();
                self.enum_variants.insert(e.name.text.clone(), variants);
            }
        }
        if let Some(s) = service {
            self.service = s.name.text.clone();
        }
        let table = table.map(|t| self.table(t));
        let enums: Vec<&ast::Enum> = enums
            .into_iter()
            .filter(|e| self.is_first_definition(&e.name, TypeKind::Enum))
            .collect();
        let enums: Vec<Enum> = enums.into_iter().map(|e| self.enum_decl(e)).collect();
        let structs: Vec<&ast::Struct> = structs
            .into_iter()
            .filter(|s| self.is_first_definition(&s.name, TypeKind::Struct))
            .collect();
        let structs: Vec<Struct> = structs.into_iter().map(|s| self.struct_decl(s)).collect();
        let entities: Vec<&ast::Entity> = entities
            .into_iter()
            .filter(|e| self.is_first_definition(&e.name, TypeKind::Entity))
            .collect();
        let entities: Vec<Entity> = entities
            .into_iter()
            .filter_map(|e| self.entity(e, table.as_ref()))
            .collect();

        let (service, mut table) = (service?, table?);
        if table.ttl_field.is_none() {
            // Without `ttl:` in the table, the entities' ttl attributes decide
            // (validate checks that they agree).
            table.ttl_field = entities
                .iter()
                .find_map(|e| e.ttl.as_deref().and_then(|n| e.attribute(n)).map(|a| a.field.clone()));
        }
        let collections = collect_collections(&entities);
        Some(Schema {
            service: service.name.text.clone(),
            docs: service.docs.clone(),
            table,
            enums,
            structs,
            entities,
            collections,
        })
    }

    fn is_first_definition(&self, name: &ast::Ident, kind: TypeKind) -> bool {
        // Spans compare equal by design, so compare offsets.
        self.types
            .get(&name.text)
            .is_some_and(|(k, span)| *k == kind && span.start == name.span.start)
    }

    fn exactly_one<'a, T>(
        &mut self,
        items: &[&'a T],
        spans: impl Fn(&T) -> (Span, Span),
        code: Code,
        what: &str,
        help: &str,
    ) -> Option<&'a T> {
        match items {
            [] => {
                self.push(
                    Diagnostic::new(code, format!("the schema has no `{what}` declaration"))
                        .primary(Span::new(0, 0), format!("expected a `{what}` declaration in this file"))
                        .help(help),
                );
                None
            }
            [one] => Some(*one),
            [first, rest @ ..] => {
                for item in rest {
                    self.push(
                        Diagnostic::new(code, format!("the schema declares `{what}` more than once"))
                            .primary(spans(item).0, format!("another `{what}` here"))
                            .secondary(spans(first).0, format!("first `{what}` here"))
                            .help(format!(
                                "a schema has exactly one `{what}`; remove this one or move it to its own file"
                            )),
                    );
                }
                Some(*first)
            }
        }
    }

    // ---- table -----------------------------------------------------------

    fn table(&mut self, t: &ast::Table) -> Table {
        let mut settings: BTreeMap<&str, &ast::TableSetting> = BTreeMap::new();
        for s in &t.settings {
            if let Some(first) = settings.get(s.key.text.as_str()) {
                self.push(
                    Diagnostic::new(
                        Code::TableKeyDeclaration,
                        format!("`{}` is set twice in table `{}`", s.key.text, t.name.text),
                    )
                    .primary(s.span, "set again here")
                    .secondary(first.span, "first set here")
                    .help("keep one of them"),
                );
                continue;
            }
            settings.insert(s.key.text.as_str(), s);
        }
        for s in &t.settings {
            if s.value.text.is_empty() {
                self.empty_field_name(s.value.span);
            }
        }
        let pk = match settings.get("pk") {
            Some(s) => s.value.text.clone(),
            None => {
                self.push(
                    Diagnostic::new(
                        Code::TableKeyDeclaration,
                        format!("table `{}` has no partition key", t.name.text),
                    )
                    .primary(t.name.span, "no `pk:` in this table")
                    .help("name the partition key attribute, e.g. `pk: pk`"),
                );
                "pk".to_string()
            }
        };
        let sk = settings.get("sk").map(|s| s.value.text.clone());
        if let (Some(sk_setting), Some(pk_setting)) = (settings.get("sk"), settings.get("pk")) {
            if sk_setting.value.text == pk_setting.value.text {
                self.push(
                    Diagnostic::new(
                        Code::KeyAttributeName,
                        format!("the table's partition and sort key are both `{pk}`"),
                    )
                    .primary(sk_setting.value.span, "sort key attribute")
                    .secondary(pk_setting.value.span, "partition key attribute")
                    .help("give the sort key its own attribute, e.g. `sk: sk`"),
                );
            }
        }
        for s in [settings.get("pk"), settings.get("sk")].into_iter().flatten() {
            self.check_key_attribute_length(&s.value);
        }

        let mut indexes: Vec<TableIndex> = Vec::new();
        let mut index_spans: BTreeMap<String, Span> = BTreeMap::new();
        for index in &t.indexes {
            if let Some(first) = index_spans.get(&index.name.text) {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateIndex,
                        format!("table index `{}` is declared twice", index.name.text),
                    )
                    .primary(index.name.span, "redefined here")
                    .secondary(*first, "first defined here")
                    .help("rename one of the indexes"),
                );
                continue;
            }
            index_spans.insert(index.name.text.clone(), index.name.span);
            let table_pk_type = settings.get("pk").map_or(KeyType::S, |s| key_type_of(s));
            indexes.push(self.table_index(index, &pk, table_pk_type, sk.as_deref()));
        }

        // One attribute, one type: DynamoDB's AttributeDefinitions hold each
        // key attribute once.
        {
            let sk_type = settings.get("sk").map_or(KeyType::S, |s| key_type_of(s));
            let pk_type = settings.get("pk").map_or(KeyType::S, |s| key_type_of(s));
            let mut declared: Vec<(&str, KeyType, Span)> = Vec::new();
            let table_keys = [
                settings.get("pk").map(|s| (*s, pk_type)),
                settings.get("sk").map(|s| (*s, sk_type)),
            ];
            let index_keys = t
                .indexes
                .iter()
                .flat_map(|i| i.keys.iter().map(|k| (k, key_type_of(k))));
            for (setting, ty) in table_keys.into_iter().flatten().chain(index_keys) {
                let name = setting.value.text.as_str();
                match declared.iter().find(|(n, _, _)| *n == name) {
                    Some((_, first, span)) if *first != ty => {
                        let d = Diagnostic::new(
                            Code::KeyTypeMismatch,
                            format!(
                                "key attribute `{name}` is declared `{}` and `{}`",
                                first.word(),
                                ty.word()
                            ),
                        )
                        .primary(setting.span, format!("`{}` here", ty.word()))
                        .secondary(*span, format!("`{}` here", first.word()))
                        .help("a key attribute has one type in the table and all its indexes");
                        self.diagnostics.push(d);
                    }
                    Some(_) => {}
                    None => declared.push((name, ty, setting.span)),
                }
            }
            // After the error, the first declaration counts (one error, not
            // one per key built on the attribute).
            let first =
                |name: &str, ty: KeyType| declared.iter().find(|(n, _, _)| *n == name).map_or(ty, |(_, t, _)| *t);
            for index in &mut indexes {
                index.pk_type = first(&index.pk, index.pk_type);
                if let Some(sk) = &index.sk {
                    index.sk_type = first(sk, index.sk_type);
                }
            }
        }
        // DynamoDB names: unique among the table's indexes.
        let mut physical: BTreeMap<&str, &TableIndex> = BTreeMap::new();
        for index in &indexes {
            if let Some(first) = physical.get(index.physical_name.as_str()) {
                let d = Diagnostic::new(
                    Code::PhysicalIndexName,
                    format!(
                        "indexes `{}` and `{}` have the same DynamoDB name `{}`",
                        first.name, index.name, index.physical_name
                    ),
                )
                .primary(index.span, "second index with this name")
                .secondary(first.span, "first index with this name")
                .help("give each index its own `name:`");
                self.diagnostics.push(d);
            } else {
                physical.insert(&index.physical_name, index);
            }
        }
        let globals = indexes.iter().filter(|i| i.kind == IndexKind::Global).count();
        let locals: Vec<&ast::TableIndex> = t
            .indexes
            .iter()
            .filter(|i| i.kind == ast::TableIndexKind::Local)
            .collect();
        if globals > 20 {
            let twenty_first = t
                .indexes
                .iter()
                .filter(|i| i.kind == ast::TableIndexKind::Global)
                .nth(20);
            self.push(
                Diagnostic::new(
                    Code::TooManyGlobalIndexes,
                    format!("table `{}` has {globals} global secondary indexes", t.name.text),
                )
                .primary(twenty_first.map_or(t.name.span, |i| i.name.span), "the 21st is here")
                .note("DynamoDB's default quota is 20 global secondary indexes per table")
                .help("request a quota increase before deploying, or overload fewer indexes"),
            );
        }
        if locals.len() > 5 {
            self.push(
                Diagnostic::new(
                    Code::TooManyLocalIndexes,
                    format!("table `{}` has {} local secondary indexes", t.name.text, locals.len()),
                )
                .primary(locals[5].name.span, "the 6th is here")
                .note("DynamoDB allows at most 5 local secondary indexes per table, and no quota raises it")
                .help("use a global secondary index instead"),
            );
        }
        if !locals.is_empty() && sk.is_none() {
            self.push(
                Diagnostic::new(
                    Code::TableKeyDeclaration,
                    format!("table `{}` has local indexes but no sort key", t.name.text),
                )
                .primary(locals[0].name.span, "local index declared here")
                .help("a local secondary index needs a table with a sort key: add `sk: sk` to the table"),
            );
        }

        let format = match settings.get("format") {
            None => KeyFormat::Dyngen,
            Some(s) => match KeyFormat::ALL.iter().find(|(w, _)| *w == s.value.text) {
                Some((_, format)) => *format,
                None => {
                    self.push(
                        Diagnostic::new(Code::KeyFormat, format!("`{}` is no key format", s.value.text))
                            .primary(s.value.span, "unknown format")
                            .help("write `format: electrodb` for tables ElectroDB laid out, or leave `format` out (dyngen's own)"),
                    );
                    KeyFormat::Dyngen
                }
            },
        };
        // `entity_tag: none` (unquoted): the table's items carry no tag.
        let entity_tag_field = match (settings.get("entity_tag"), format) {
            (Some(s), KeyFormat::ElectroDb) => {
                self.push(
                    Diagnostic::new(Code::KeyFormat, "an ElectroDB table's entity tag is `__edb_e__`")
                        .primary(s.span, "a tag of its own")
                        .note("ElectroDB reads an item only when `__edb_e__` and `__edb_v__` name its model")
                        .help("remove `entity_tag` (`format: electrodb` tags every item as ElectroDB does)"),
                );
                Some(ELECTRODB_ENTITY_FIELD.to_string())
            }
            (None, KeyFormat::ElectroDb) => Some(ELECTRODB_ENTITY_FIELD.to_string()),
            (Some(s), _) if !s.quoted && s.value.text == "none" => None,
            (Some(s), _) => Some(s.value.text.clone()),
            (None, _) => Some(DEFAULT_ENTITY_TAG_FIELD.to_string()),
        };
        for s in ["ttl", "entity_tag", "format"]
            .into_iter()
            .filter_map(|k| settings.get(k))
        {
            if let Some(ty) = &s.key_type {
                self.push(
                    Diagnostic::new(
                        Code::KeyTypeMismatch,
                        format!("`{}` is no key attribute and takes no key type", s.key.text),
                    )
                    .primary(ty.span, "a key type here")
                    .help(format!("remove `{}`", ty.text)),
                );
            }
        }
        let pk_type = settings.get("pk").map_or(KeyType::S, |s| key_type_of(s));
        let sk_type = settings.get("sk").map_or(KeyType::S, |s| key_type_of(s));
        // The entity tag and the TTL attribute hold values of their own: they
        // cannot double as a key attribute or as each other.
        let mut key_attributes: Vec<&str> = vec![pk.as_str()];
        key_attributes.extend(sk.as_deref());
        for index in &indexes {
            key_attributes.push(&index.pk);
            key_attributes.extend(index.sk.as_deref());
        }
        for setting in ["entity_tag", "ttl"].into_iter().filter_map(|k| settings.get(k)) {
            let value = setting.value.text.as_str();
            if setting.key.text == "entity_tag" && entity_tag_field.is_none() {
                continue;
            }
            let clash = if key_attributes.contains(&value) {
                Some("a key attribute".to_string())
            } else if setting.key.text == "ttl" && Some(value) == entity_tag_field.as_deref() {
                Some("the entity tag".to_string())
            } else {
                None
            };
            if let Some(what) = clash {
                self.push(
                    Diagnostic::new(
                        Code::KeyAttributeName,
                        format!("the table's `{}` attribute `{value}` is also {what}", setting.key.text),
                    )
                    .primary(setting.value.span, format!("already {what}"))
                    .help("give it an attribute name of its own"),
                );
            }
        }
        let rust_name = self.type_rust_name(&t.name, "table");
        Table {
            name: t.name.text.clone(),
            rust_name,
            docs: t.docs.clone(),
            pk,
            pk_type,
            sk,
            sk_type,
            indexes,
            ttl_field: settings.get("ttl").map(|s| s.value.text.clone()),
            entity_tag_field,
            format,
            span: t.name.span,
        }
    }

    fn check_key_attribute_length(&mut self, name: &ast::Ident) {
        if name.text.len() > MAX_KEY_ATTRIBUTE_NAME {
            self.push(
                Diagnostic::new(
                    Code::KeyAttributeName,
                    format!("key attribute name is {} bytes long", name.text.len()),
                )
                .primary(name.span, "too long")
                .note("DynamoDB limits key attribute names to 255 bytes")
                .help("use a shorter attribute name"),
            );
        }
    }

    fn empty_field_name(&mut self, span: Span) {
        self.push(
            Diagnostic::new(Code::InvalidFieldName, "empty attribute name")
                .primary(span, "DynamoDB attribute names cannot be empty")
                .help("write a name of at least one character"),
        );
    }

    fn table_index(
        &mut self,
        index: &ast::TableIndex,
        table_pk: &str,
        table_pk_type: KeyType,
        table_sk: Option<&str>,
    ) -> TableIndex {
        let mut pk: Option<&ast::TableSetting> = None;
        let mut sk: Option<&ast::TableSetting> = None;
        for key in &index.keys {
            let slot = if key.key.text == "pk" { &mut pk } else { &mut sk };
            if let Some(first) = slot {
                let d = Diagnostic::new(
                    Code::TableKeyDeclaration,
                    format!("`{}` is set twice in index `{}`", key.key.text, index.name.text),
                )
                .primary(key.span, "set again here")
                .secondary(first.span, "first set here")
                .help("keep one of them");
                self.push(d);
                continue;
            }
            *slot = Some(key);
            if key.value.text.is_empty() {
                self.empty_field_name(key.value.span);
            }
            self.check_key_attribute_length(&key.value);
        }
        let kind = match index.kind {
            ast::TableIndexKind::Global => IndexKind::Global,
            ast::TableIndexKind::Local => IndexKind::Local,
        };
        let pk_name = match (kind, pk) {
            (IndexKind::Global, Some(pk)) => pk.value.text.clone(),
            (IndexKind::Global, None) => {
                self.push(
                    Diagnostic::new(
                        Code::TableKeyDeclaration,
                        format!("global index `{}` has no partition key", index.name.text),
                    )
                    .primary(index.name.span, "no `pk:` in this index")
                    .help(format!(
                        "name its partition key attribute, e.g. `pk: {}pk`",
                        index.name.text
                    )),
                );
                format!("{}pk", index.name.text)
            }
            (IndexKind::Local, Some(pk)) if pk.value.text != table_pk => {
                self.push(
                    Diagnostic::new(
                        Code::LocalIndexPartition,
                        format!(
                            "local index `{}` must use the table's partition key `{table_pk}`",
                            index.name.text
                        ),
                    )
                    .primary(
                        pk.value.span,
                        format!("`{}` is not the table's partition key", pk.value.text),
                    )
                    .note("a local secondary index shares the table's partition key and only adds a sort key")
                    .help(format!(
                        "remove `pk:` (or write `pk: {table_pk}`), or make this a global index"
                    )),
                );
                table_pk.to_string()
            }
            (IndexKind::Local, _) => table_pk.to_string(),
        };
        if kind == IndexKind::Local && sk.is_none() {
            self.push(
                Diagnostic::new(
                    Code::TableKeyDeclaration,
                    format!("local index `{}` has no sort key", index.name.text),
                )
                .primary(index.name.span, "no `sk:` in this index")
                .help(format!(
                    "a local index exists to add a sort key: `sk: {}sk`",
                    index.name.text
                )),
            );
        }
        if let (Some(pk), Some(sk)) = (pk, sk) {
            if pk.value.text == sk.value.text {
                self.push(
                    Diagnostic::new(
                        Code::KeyAttributeName,
                        format!("index `{}` uses `{}` as both keys", index.name.text, sk.value.text),
                    )
                    .primary(sk.value.span, "sort key attribute")
                    .secondary(pk.value.span, "partition key attribute")
                    .help("give the sort key its own attribute"),
                );
            }
        }
        if let (IndexKind::Local, Some(sk)) = (kind, sk) {
            if Some(sk.value.text.as_str()) == table_sk || sk.value.text == table_pk {
                self.push(
                    Diagnostic::new(
                        Code::KeyAttributeName,
                        format!(
                            "local index `{}` reuses the table's key attribute `{}`",
                            index.name.text, sk.value.text
                        ),
                    )
                    .primary(sk.value.span, "already a key of the table")
                    .help("a local index needs a sort key attribute of its own"),
                );
            }
        }
        let projection = match index.projections.as_slice() {
            [] => Projection::All,
            [first, rest @ ..] => {
                for extra in rest {
                    self.push(
                        Diagnostic::new(
                            Code::Projection,
                            format!("index `{}` has more than one projection", index.name.text),
                        )
                        .primary(extra.span, "another projection here")
                        .secondary(first.span, "first projection here")
                        .help("keep one `projection:`"),
                    );
                }
                self.projection(first)
            }
        };
        let physical_name = match index.physical_names.as_slice() {
            [] => index.name.text.clone(),
            [first, rest @ ..] => {
                for extra in rest {
                    self.push(
                        Diagnostic::new(
                            Code::PhysicalIndexName,
                            format!("index `{}` is given its DynamoDB name twice", index.name.text),
                        )
                        .primary(extra.span, "again here")
                        .secondary(first.span, "first here")
                        .help("keep one `name:`"),
                    );
                }
                let valid = (3..=255).contains(&first.value.len())
                    && first
                        .value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                if !valid {
                    self.push(
                        Diagnostic::new(
                            Code::PhysicalIndexName,
                            format!("`{}` is not a valid DynamoDB index name", first.value),
                        )
                        .primary(first.span, "invalid index name")
                        .note("DynamoDB index names are 3 to 255 characters of `a-z`, `A-Z`, `0-9`, `_`, `-` and `.`")
                        .help("write the index's name exactly as DynamoDB shows it"),
                    );
                }
                first.value.clone()
            }
        };
        let pk_type = match (kind, pk) {
            (IndexKind::Global, Some(pk)) => key_type_of(pk),
            _ => table_pk_type,
        };
        if let (IndexKind::Local, Some(pk)) = (kind, pk) {
            if pk.key_type.is_some() && key_type_of(pk) != table_pk_type {
                self.push(
                    Diagnostic::new(
                        Code::KeyTypeMismatch,
                        format!(
                            "local index `{}` declares another type for the table's partition key",
                            index.name.text
                        ),
                    )
                    .primary(pk.span, "differs from the table's")
                    .help("a local index shares the table's partition key: leave its type out"),
                );
            }
        }
        TableIndex {
            name: index.name.text.clone(),
            physical_name,
            kind,
            docs: index.docs.clone(),
            pk: pk_name,
            pk_type,
            sk: sk.map(|s| s.value.text.clone()),
            sk_type: sk.map_or(KeyType::S, key_type_of),
            projection,
            span: index.name.span,
        }
    }

    fn projection(&mut self, p: &ast::Projection) -> Projection {
        match &p.kind {
            ast::ProjectionKind::All => Projection::All,
            ast::ProjectionKind::KeysOnly => Projection::KeysOnly,
            ast::ProjectionKind::Include(names) => {
                if names.is_empty() {
                    self.push(
                        Diagnostic::new(Code::Projection, "`include` projects no attributes")
                            .primary(p.span, "empty list")
                            .help("list the stored attribute names to project, or use `keys_only`"),
                    );
                }
                let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                let mut projected = Vec::new();
                for n in names {
                    if n.text.is_empty() {
                        self.empty_field_name(n.span);
                    }
                    if let Some(first) = seen.get(n.text.as_str()) {
                        self.push(
                            Diagnostic::new(Code::Projection, format!("`{}` is projected twice", n.text))
                                .primary(n.span, "listed again here")
                                .secondary(*first, "first listed here")
                                .help("list each attribute once"),
                        );
                    }
                    if seen.insert(&n.text, n.span).is_none() {
                        projected.push(n.text.clone());
                    }
                }
                Projection::Include(projected)
            }
        }
    }

    // ---- names -----------------------------------------------------------

    fn type_rust_name(&mut self, name: &ast::Ident, what: &str) -> String {
        match names::type_name(&name.text) {
            Ok(n) => n,
            Err(e) => {
                self.reserved_rust_name(name, what, &e.converted);
                name.text.clone()
            }
        }
    }

    fn value_rust_name(&mut self, name: &ast::Ident, what: &str) -> String {
        match names::value_name(&name.text) {
            Ok(n) => n,
            Err(e) => {
                self.reserved_rust_name(name, what, &e.converted);
                name.text.clone()
            }
        }
    }

    fn reserved_rust_name(&mut self, name: &ast::Ident, what: &str, converted: &str) {
        let shown = if converted.is_empty() {
            "an empty name".to_string()
        } else {
            format!("`{converted}`")
        };
        let help = match what {
            "attribute" => "rename it; the attribute can keep its stored name with `@field(\"...\")`",
            "variant" => "rename it; the variant can keep its stored string with `= \"...\"`",
            _ => "rename it",
        };
        self.push(
            Diagnostic::new(
                Code::ReservedRustName,
                format!("{what} `{}` cannot be named in Rust", name.text),
            )
            .primary(
                name.span,
                format!("becomes {shown} in Rust, which cannot be an identifier"),
            )
            .note("`self`, `Self`, `super` and `crate` cannot be raw identifiers, and identifiers need a letter")
            .help(help),
        );
    }

    // ---- enums and structs -----------------------------------------------

    fn enum_decl(&mut self, e: &ast::Enum) -> Enum {
        if e.variants.is_empty() {
            self.push(
                Diagnostic::new(Code::EmptyEnum, format!("enum `{}` has no variants", e.name.text))
                    .primary(e.name.span, "declared here")
                    .help("list its values: `enum Status { Open, Closed }`"),
            );
        }
        let rust_name = self.type_rust_name(&e.name, "enum");
        let mut names: BTreeMap<&str, Span> = BTreeMap::new();
        let mut values: BTreeMap<String, Span> = BTreeMap::new();
        let mut rust_names: BTreeMap<String, &ast::Ident> = BTreeMap::new();
        let mut variants = Vec::new();
        for v in &e.variants {
            if let Some(first) = names.get(v.name.text.as_str()) {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateVariant,
                        format!("variant `{}` is declared twice in enum `{}`", v.name.text, e.name.text),
                    )
                    .primary(v.name.span, "redefined here")
                    .secondary(*first, "first defined here")
                    .help("remove one of them"),
                );
                continue;
            }
            names.insert(&v.name.text, v.name.span);
            let value = v
                .value
                .as_ref()
                .map_or_else(|| v.name.text.clone(), |s| s.value.clone());
            let value_span = v.value.as_ref().map_or(v.name.span, |s| s.span);
            if value.is_empty() {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateVariant,
                        format!("variant `{}` stores an empty string", v.name.text),
                    )
                    .primary(value_span, "empty")
                    .help("store a non-empty string: DynamoDB key values cannot be empty"),
                );
            }
            if let Some(first) = values.get(&value) {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateVariant,
                        format!("two variants of `{}` are stored as \"{value}\"", e.name.text),
                    )
                    .primary(value_span, "stored as the same string here")
                    .secondary(*first, format!("already stored as \"{value}\" here"))
                    .help("give each variant its own stored value, or it could not be read back"),
                );
            }
            values.insert(value.clone(), value_span);
            let rust_name = self.type_rust_name(&v.name, "variant");
            if let Some(first) = rust_names.get(&rust_name) {
                self.push(
                    Diagnostic::new(
                        Code::RustNameCollision,
                        format!(
                            "variants `{}` and `{}` are both `{rust_name}` in Rust",
                            first.text, v.name.text
                        ),
                    )
                    .primary(v.name.span, format!("becomes `{rust_name}`"))
                    .secondary(first.span, format!("also becomes `{rust_name}`"))
                    .help("rename one; a variant can keep its stored string with `= \"...\"`"),
                );
            }
            rust_names.insert(rust_name.clone(), &v.name);
            variants.push(Variant {
                name: v.name.text.clone(),
                rust_name,
                value,
                docs: v.docs.clone(),
                span: v.name.span,
            });
        }
        Enum {
            name: e.name.text.clone(),
            rust_name,
            docs: e.docs.clone(),
            variants,
            span: e.name.span,
        }
    }

    fn struct_decl(&mut self, s: &ast::Struct) -> Struct {
        let rust_name = self.type_rust_name(&s.name, "struct");
        let mut fields = Vec::new();
        let mut seen = AttributeNames::default();
        for f in &s.fields {
            if !seen.insert(self, f, &s.name.text) {
                continue;
            }
            for suffix in &f.suffixes {
                let word = match suffix.kind {
                    ast::AttrSuffixKind::Readonly => "readonly",
                    ast::AttrSuffixKind::Version => "version",
                    ast::AttrSuffixKind::Ttl => "ttl",
                    _ => continue,
                };
                self.push(
                    Diagnostic::new(Code::StructFieldModifier, format!("struct fields cannot be `{word}`"))
                        .primary(suffix.span, format!("`{word}` on a field of struct `{}`", s.name.text))
                        .help(format!(
                            "`{word}` applies to a whole item: put it on an entity attribute"
                        )),
                );
            }
            if let Some(a) = self.attribute(f) {
                fields.push(a);
            }
        }
        Struct {
            name: s.name.text.clone(),
            rust_name,
            docs: s.docs.clone(),
            fields,
            span: s.name.span,
        }
    }

    // ---- attributes ------------------------------------------------------

    /// Lowers one attribute; `None` when its type does not resolve.
    fn attribute(&mut self, a: &ast::Attribute) -> Option<Attribute> {
        let ty = self.type_expr(&a.ty, true);
        let rust_name = self.value_rust_name(&a.name, "attribute");
        let mut default: Option<&ast::Literal> = None;
        let mut field: Option<&ast::StringLit> = None;
        let mut format: Option<&ast::StringLit> = None;
        let mut readonly = false;
        let mut role = AttributeRole::Data;
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        for suffix in &a.suffixes {
            let word = match &suffix.kind {
                ast::AttrSuffixKind::Default(lit) => {
                    default = Some(lit);
                    "a default"
                }
                ast::AttrSuffixKind::Field(s) => {
                    field = Some(s);
                    "@field"
                }
                ast::AttrSuffixKind::Readonly => {
                    readonly = true;
                    "readonly"
                }
                ast::AttrSuffixKind::Version => {
                    role = AttributeRole::Version;
                    "version"
                }
                ast::AttrSuffixKind::Ttl => {
                    role = AttributeRole::Ttl;
                    "ttl"
                }
                ast::AttrSuffixKind::Format(s) => {
                    format = Some(s);
                    "@format"
                }
            };
            if let Some(first) = seen.get(word) {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateModifier,
                        format!("attribute `{}` has {word} twice", a.name.text),
                    )
                    .primary(suffix.span, "repeated here")
                    .secondary(*first, "first here")
                    .help("keep one of them"),
                );
            }
            seen.insert(word, suffix.span);
        }
        if seen.contains_key("version") && seen.contains_key("ttl") {
            self.push(
                Diagnostic::new(
                    Code::RepeatedMarker,
                    format!("attribute `{}` is both `version` and `ttl`", a.name.text),
                )
                .primary(a.name.span, "one attribute cannot be both")
                .help("the version counts writes; the ttl is an expiry time: use two attributes"),
            );
        }
        let ty = ty?;
        let optional = a.ty.optional.is_some();
        if let Some(f) = field {
            if f.value.is_empty() {
                self.empty_field_name(f.span);
            }
        }
        let default = match default {
            Some(lit) if optional => {
                self.push(
                    Diagnostic::new(
                        Code::OptionalWithDefault,
                        format!("optional attribute `{}` has a default", a.name.text),
                    )
                    .primary(lit.span, "default here")
                    .secondary(a.ty.optional.unwrap_or(a.ty.span), "optional here")
                    .help("a default means the attribute always has a value: remove the `?`, or remove the default"),
                );
                None
            }
            Some(lit) => self.default_value(lit, &ty, &a.name),
            None => None,
        };
        match role {
            AttributeRole::Version if !ty.is_integer() => {
                self.push(
                    Diagnostic::new(
                        Code::VersionType,
                        format!("version attribute `{}` is a `{}`", a.name.text, ty.describe()),
                    )
                    .primary(a.ty.span, "not an integer")
                    .help("optimistic locking counts writes: use `u64` (or another integer type)"),
                );
            }
            AttributeRole::Version if optional => {
                self.push(
                    Diagnostic::new(
                        Code::VersionType,
                        format!("version attribute `{}` is optional", a.name.text),
                    )
                    .primary(a.ty.optional.unwrap_or(a.ty.span), "remove this `?`")
                    .help("every item has a version; dyngen sets it to 1 on create"),
                );
            }
            AttributeRole::Ttl if !matches!(ty, Type::I64 | Type::U64 | Type::Timestamp) => {
                self.push(
                    Diagnostic::new(Code::TtlType, format!("ttl attribute `{}` is a `{}`", a.name.text, ty.describe()))
                        .primary(a.ty.span, "not an epoch-seconds number")
                        .note("DynamoDB's TTL reads a Number holding seconds since the Unix epoch; 32-bit types end in 2038 or 2106")
                        .help("use `i64`, `u64` or `timestamp` (stored as epoch seconds)"),
                );
            }
            _ => {}
        }
        let time_format = self.time_format(a, &ty, role, format);
        Some(Attribute {
            name: a.name.text.clone(),
            rust_name,
            field: field.map_or_else(|| a.name.text.clone(), |f| f.value.clone()),
            time_format,
            docs: a.docs.clone(),
            ty,
            optional,
            default,
            readonly,
            role,
            implicit: false,
            span: a.name.span,
        })
    }

    /// How a timestamp is stored: `@format(..)`, epoch seconds for `ttl`.
    fn time_format(
        &mut self,
        a: &ast::Attribute,
        ty: &Type,
        role: AttributeRole,
        format: Option<&ast::StringLit>,
    ) -> Option<TimeFormat> {
        let is_timestamp = *ty == Type::Timestamp;
        let ttl_default = (role == AttributeRole::Ttl && is_timestamp).then_some(TimeFormat::EpochSeconds);
        let Some(written) = format else {
            return ttl_default;
        };
        let words: Vec<&str> = TimeFormat::ALL.iter().map(|(w, _)| *w).collect();
        let Some((_, chosen)) = TimeFormat::ALL.iter().find(|(w, _)| *w == written.value) else {
            self.push(
                Diagnostic::new(Code::TimeFormat, format!("`{}` is no timestamp format", written.value))
                    .primary(written.span, "unknown format")
                    .help(format!(
                        "use one of {}",
                        words
                            .iter()
                            .map(|w| format!("`\"{w}\"`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
            );
            return ttl_default;
        };
        if !is_timestamp {
            self.push(
                Diagnostic::new(
                    Code::TimeFormat,
                    format!("`@format` on `{}`, which is a `{}`", a.name.text, ty.describe()),
                )
                .primary(written.span, "only timestamps have formats")
                .help("remove `@format`, or make the attribute a `timestamp`"),
            );
            return None;
        }
        if role == AttributeRole::Ttl && *chosen != TimeFormat::EpochSeconds {
            self.push(
                Diagnostic::new(
                    Code::TimeFormat,
                    format!("ttl attribute `{}` is stored as `{}`", a.name.text, written.value),
                )
                .primary(written.span, "DynamoDB's TTL reads epoch seconds")
                .help("remove `@format` (a ttl timestamp is stored as epoch seconds)"),
            );
            return ttl_default;
        }
        (*chosen != TimeFormat::Rfc3339Nanos || role == AttributeRole::Ttl).then_some(*chosen)
    }

    /// Resolves a type; `None` (with a diagnostic) when it does not resolve.
    fn type_expr(&mut self, t: &ast::TypeExpr, top_level: bool) -> Option<Type> {
        if !top_level {
            if let Some(q) = t.optional {
                self.push(
                    Diagnostic::new(Code::NestedOptional, "`?` can only mark a whole attribute as optional")
                        .primary(q, "optional inside a type argument")
                        .help("DynamoDB lists, maps and sets hold values, not absences: remove this `?`"),
                );
            }
        }
        let name = t.name.text.as_str();
        let arity = match name {
            "list" | "map" | "set" => 1,
            _ => 0,
        };
        if t.args.len() != arity {
            let message = if arity == 0 {
                format!("`{name}` takes no type arguments")
            } else {
                format!("`{name}` takes exactly one type argument, got {}", t.args.len())
            };
            let help = match name {
                "map" => "maps have string keys; write the value type only: `map<i64>`".to_string(),
                "list" | "set" => format!("write `{name}<T>`, e.g. `{name}<string>`"),
                _ => format!("write `{name}` without `<..>`"),
            };
            self.push(
                Diagnostic::new(Code::TypeArguments, message)
                    .primary(t.span, "here")
                    .help(help),
            );
            return None;
        }
        let ty = match name {
            "string" => Type::String,
            "bool" => Type::Bool,
            "i32" => Type::I32,
            "i64" => Type::I64,
            "u32" => Type::U32,
            "u64" => Type::U64,
            "f64" => Type::F64,
            "decimal" => Type::Decimal,
            "bytes" => Type::Bytes,
            "timestamp" => Type::Timestamp,
            "list" => Type::List(Box::new(self.type_expr(&t.args[0], false)?)),
            "map" => Type::Map(Box::new(self.type_expr(&t.args[0], false)?)),
            "set" => {
                let element = self.type_expr(&t.args[0], false)?;
                if element == Type::F64 {
                    self.push(
                        Diagnostic::new(Code::InvalidSetElement, "a set cannot hold `f64`")
                            .primary(t.args[0].span, "floating-point set")
                            .note("set elements must compare exactly, and floats do not (NaN, 0.1 + 0.2)")
                            .help("use `set<decimal>` for exact numbers, or `list<f64>`"),
                    );
                    return None;
                }
                if !(element == Type::String || element == Type::Bytes || element.is_number()) {
                    self.push(
                        Diagnostic::new(
                            Code::InvalidSetElement,
                            format!("a set cannot hold `{}`", element.describe()),
                        )
                        .primary(t.args[0].span, "not a string, number or bytes type")
                        .note("DynamoDB has string sets, number sets and binary sets only")
                        .help("use `list<..>` for other element types"),
                    );
                    return None;
                }
                Type::Set(Box::new(element))
            }
            _ => match self.types.get(name).copied() {
                Some((TypeKind::Enum, _)) => Type::Enum(name.to_string()),
                Some((TypeKind::Struct, _)) => Type::Struct(name.to_string()),
                Some((TypeKind::Entity, span)) => {
                    self.push(
                        Diagnostic::new(Code::UnknownType, format!("`{name}` is an entity, not a type"))
                            .primary(t.name.span, "used as a type here")
                            .secondary(span, "entity defined here")
                            .help("entities are items of their own; to nest a record, declare a `struct`"),
                    );
                    return None;
                }
                None => {
                    let mut d = Diagnostic::new(Code::UnknownType, format!("unknown type `{name}`"))
                        .primary(t.name.span, "not a built-in type, enum or struct");
                    let suggestion = suggest(
                        name,
                        BUILTIN_TYPES
                            .iter()
                            .copied()
                            .chain(self.types.keys().map(String::as_str)),
                    );
                    d = match suggestion {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help("declare it with `enum` or `struct`, or use a built-in type"),
                    };
                    self.push(d);
                    return None;
                }
            },
        };
        Some(ty)
    }

    fn default_value(&mut self, lit: &ast::Literal, ty: &Type, attr: &ast::Ident) -> Option<Value> {
        match self.value(lit, ty) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.push(
                    Diagnostic::new(
                        Code::DefaultMismatch,
                        format!("default of `{}` does not fit `{}`", attr.text, ty.describe()),
                    )
                    .primary(lit.span, reason.label)
                    .help(reason.help),
                );
                None
            }
        }
    }

    fn value(&self, lit: &ast::Literal, ty: &Type) -> Result<Value, Mismatch> {
        use ast::LiteralKind as L;
        let mismatch = |label: &str, help: String| {
            Err(Mismatch {
                label: label.to_string(),
                help,
            })
        };
        match (ty, &lit.kind) {
            (Type::String, L::String(s)) => Ok(Value::String(s.clone())),
            (Type::Bool, L::Bool(b)) => Ok(Value::Bool(*b)),
            (t, L::Integer(text)) if t.is_integer() => {
                let (min, max): (i128, i128) = match t {
                    Type::I32 => (i32::MIN.into(), i32::MAX.into()),
                    Type::I64 => (i64::MIN.into(), i64::MAX.into()),
                    Type::U32 => (0, u32::MAX.into()),
                    _ => (0, u64::MAX.into()),
                };
                match text.parse::<i128>() {
                    Ok(v) if (min..=max).contains(&v) => Ok(Value::Integer(v)),
                    _ => mismatch(
                        "out of range",
                        format!("`{}` holds values from {min} to {max}", t.describe()),
                    ),
                }
            }
            (Type::F64 | Type::Decimal, L::Integer(text) | L::Float(text)) => {
                // Significant digits of the mantissa, as DynamoDB counts them.
                let mantissa = text
                    .split(['e', 'E'])
                    .next()
                    .unwrap_or_default()
                    .replace(['-', '.'], "");
                let digits = mantissa.trim_start_matches('0').trim_end_matches('0').len();
                let finite = text.parse::<f64>().is_ok_and(f64::is_finite);
                if *ty == Type::Decimal && !fits_decimal(text) {
                    mismatch(
                        "not representable as a `decimal`",
                        "a `decimal` (rust_decimal) holds at most 28 significant digits, 28 decimal places \
                         and 28 integer digits"
                            .into(),
                    )
                } else if *ty == Type::Decimal && digits > 38 {
                    mismatch(
                        "more than 38 digits",
                        "DynamoDB numbers keep at most 38 significant digits".into(),
                    )
                } else if !finite {
                    mismatch("not a finite number", "write a number DynamoDB can store".into())
                } else {
                    Ok(Value::Number(text.clone()))
                }
            }
            (Type::Enum(name), L::Name(variant)) => {
                let Some(e) = self.enum_variants(name) else {
                    return mismatch("unknown enum", String::new());
                };
                if e.contains(variant) {
                    Ok(Value::Enum(variant.clone()))
                } else {
                    mismatch(
                        &format!("`{name}` has no variant `{variant}`"),
                        format!(
                            "use one of: {}",
                            e.iter()
                                .collect::<BTreeSet<_>>()
                                .into_iter()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                }
            }
            (Type::List(element), L::List(items)) | (Type::Set(element), L::List(items)) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.value(item, element)?);
                }
                if matches!(ty, Type::Set(_)) {
                    let mut seen = BTreeSet::new();
                    for value in &values {
                        if !seen.insert(format!("{value:?}")) {
                            return mismatch(
                                "a set cannot hold the same value twice",
                                "remove the repeated element".into(),
                            );
                        }
                    }
                }
                Ok(Value::List(values))
            }
            (Type::Map(_), L::EmptyMap) => Ok(Value::EmptyMap),
            (Type::Bytes, _) => mismatch("bytes have no literal default", "remove the default".into()),
            (Type::Timestamp, _) => mismatch(
                "timestamps have no literal default",
                "remove the default; `timestamps` maintains createdAt and updatedAt".into(),
            ),
            (Type::Struct(name), _) => mismatch(
                &format!("struct `{name}` has no literal default"),
                "make the attribute optional, or give its fields defaults".into(),
            ),
            (ty, _) => mismatch(
                &format!("not a `{}` value", ty.describe()),
                format!("write {}", example_literal(ty)),
            ),
        }
    }

    fn enum_variants(&self, name: &str) -> Option<&Vec<String>> {
        self.enum_variants.get(name)
    }

    // ---- entities --------------------------------------------------------

    fn entity(&mut self, e: &ast::Entity, table: Option<&Table>) -> Option<Entity> {
        let rust_name = self.type_rust_name(&e.name, "entity");
        let mut attributes: Vec<Attribute> = Vec::new();
        // Attributes left out of the IR because they did not resolve: keys
        // naming them are skipped quietly (the cause is already reported).
        let mut broken: BTreeSet<String> = BTreeSet::new();
        let mut seen = AttributeNames::default();
        for a in &e.attributes {
            if !seen.insert(self, a, &e.name.text) {
                continue;
            }
            match self.attribute(a) {
                Some(attr) => attributes.push(attr),
                None => {
                    broken.insert(a.name.text.clone());
                }
            }
        }

        // Markers.
        let mut markers: BTreeMap<&str, Span> = BTreeMap::new();
        let mut marker_docs: BTreeMap<&str, &[String]> = BTreeMap::new();
        for marker in &e.markers {
            let m = &marker.name;
            if !marker.docs.is_empty() {
                marker_docs.insert(&m.text, &marker.docs);
            }
            if let Some(first) = markers.get(m.text.as_str()) {
                self.push(
                    Diagnostic::new(
                        Code::RepeatedMarker,
                        format!("`{}` is written twice in entity `{}`", m.text, e.name.text),
                    )
                    .primary(m.span, "repeated here")
                    .secondary(*first, "first here")
                    .help("write it once"),
                );
                continue;
            }
            markers.insert(&m.text, m.span);
        }
        let timestamps = markers.contains_key("timestamps");
        if let Some(&span) = markers.get("timestamps") {
            let format = e
                .markers
                .iter()
                .find(|m| m.name.text == "timestamps")
                .and_then(|m| m.format.as_ref())
                .and_then(|written| self.timestamps_format(written));
            for (name, role) in [
                (CREATED_AT, AttributeRole::CreatedAt),
                (UPDATED_AT, AttributeRole::UpdatedAt),
            ] {
                let before = attributes.len();
                self.add_implicit(
                    &mut attributes,
                    &e.name.text,
                    name,
                    Type::Timestamp,
                    role,
                    span,
                    ("timestamps", marker_docs.get("timestamps").copied().unwrap_or_default()),
                );
                if let Some(added) = attributes.get_mut(before) {
                    added.time_format = format;
                }
            }
        }
        for marker in e.markers.iter().filter(|m| m.name.text != "timestamps") {
            if let Some(format) = &marker.format {
                self.push(
                    Diagnostic::new(
                        Code::TimeFormat,
                        format!("`@format` on the `{}` marker", marker.name.text),
                    )
                    .primary(format.span, "only timestamps have formats")
                    .help("remove `@format`"),
                );
            }
        }
        let model = table.map(|t| self.model(e, t.format)).unwrap_or_default();
        let declared_versions: Vec<&Attribute> =
            attributes.iter().filter(|a| a.role == AttributeRole::Version).collect();
        if let Some(&span) = markers.get("version") {
            if let Some(declared) = declared_versions.first() {
                self.push(
                    Diagnostic::new(
                        Code::RepeatedMarker,
                        format!("entity `{}` has two version attributes", e.name.text),
                    )
                    .primary(span, "the `version` marker adds a `version: u64` attribute")
                    .secondary(
                        declared.span,
                        format!("but `{}` is already marked `version`", declared.name),
                    )
                    .help("remove the marker, or the `version` modifier"),
                );
            } else {
                self.add_implicit(
                    &mut attributes,
                    &e.name.text,
                    VERSION,
                    Type::U64,
                    AttributeRole::Version,
                    span,
                    ("version", marker_docs.get("version").copied().unwrap_or_default()),
                );
            }
        }
        for role in [AttributeRole::Version, AttributeRole::Ttl] {
            let marked: Vec<&Attribute> = attributes.iter().filter(|a| a.role == role && !a.implicit).collect();
            if let [first, rest @ ..] = marked.as_slice() {
                let word = if role == AttributeRole::Version {
                    "version"
                } else {
                    "ttl"
                };
                for extra in rest {
                    self.push(
                        Diagnostic::new(
                            Code::RepeatedMarker,
                            format!("entity `{}` has more than one `{word}` attribute", e.name.text),
                        )
                        .primary(extra.span, format!("`{word}` again here"))
                        .secondary(first.span, format!("first `{word}` attribute"))
                        .help(format!("an entity has at most one `{word}` attribute")),
                    );
                }
            }
        }
        let version = attributes
            .iter()
            .find(|a| a.role == AttributeRole::Version)
            .map(|a| a.name.clone());
        let ttl = attributes
            .iter()
            .find(|a| a.role == AttributeRole::Ttl)
            .map(|a| a.name.clone());

        // Keys.
        let mut primary: Option<EntityIndex> = None;
        let mut primary_span: Option<Span> = None;
        let mut indexes: Vec<EntityIndex> = Vec::new();
        let mut index_names: BTreeMap<String, Span> = BTreeMap::new();
        let mut used_table_indexes: BTreeMap<TableIndexRef, Span> = BTreeMap::new();
        // A local index shares the table partition, so its partition key is
        // built exactly like the primary one: same composites, same casing.
        let primary_pk: Option<&ast::KeyDef> = e
            .keys
            .iter()
            .find(|k| k.name.is_none())
            .and_then(|k| k.keys.iter().find(|d| d.role == ast::KeyRole::Pk));
        for key in &e.keys {
            let is_primary = key.name.is_none();
            if is_primary {
                if let Some(first) = primary_span {
                    self.push(
                        Diagnostic::new(
                            Code::PrimaryKeyDeclaration,
                            format!("entity `{}` declares `primary` twice", e.name.text),
                        )
                        .primary(key.keyword_span, "second primary key")
                        .secondary(first, "first primary key")
                        .help("an entity has one primary key; declare other access patterns with `index`"),
                    );
                    continue;
                }
                primary_span = Some(key.keyword_span);
            } else if let Some(name) = &key.name {
                if name.text == "primary" {
                    self.push(
                        Diagnostic::new(Code::DuplicateIndex, "an index cannot be named `primary`")
                            .primary(name.span, "reserved for the entity's primary key")
                            .help("choose another name"),
                    );
                    continue;
                }
                if let Some(first) = index_names.get(&name.text) {
                    self.push(
                        Diagnostic::new(
                            Code::DuplicateIndex,
                            format!("entity `{}` declares index `{}` twice", e.name.text, name.text),
                        )
                        .primary(name.span, "redefined here")
                        .secondary(*first, "first defined here")
                        .help("rename one of them"),
                    );
                    continue;
                }
                index_names.insert(name.text.clone(), name.span);
            }
            let Some(table) = table else { continue };
            let owner = IndexOwner {
                entity: e,
                attributes: &attributes,
                broken: &broken,
                primary_pk,
                version: version.as_deref(),
                model: &model,
            };
            let Some(index) = self.entity_index(&owner, key, table) else {
                continue;
            };
            let ref_span = key.table_index.as_ref().map_or(key.keyword_span, |t| t.span);
            if let Some(first) = used_table_indexes.get(&index.table_index) {
                self.push(
                    Diagnostic::new(
                        Code::TableIndexReused,
                        format!("entity `{}` uses {} twice", e.name.text, index.table_index.describe()),
                    )
                    .primary(ref_span, "used again here")
                    .secondary(*first, "first used here")
                    .note(
                        "each item writes one key per table index, so one entity can have one access pattern per index",
                    )
                    .help("move one access pattern to another index (or fold both into one key)"),
                );
                continue;
            }
            used_table_indexes.insert(index.table_index.clone(), ref_span);
            if is_primary {
                primary = Some(index);
            } else {
                indexes.push(index);
            }
        }
        if primary_span.is_none() {
            self.push(
                Diagnostic::new(
                    Code::PrimaryKeyDeclaration,
                    format!("entity `{}` has no primary key", e.name.text),
                )
                .primary(e.name.span, "no `primary { .. }` in this entity")
                .help("add e.g. `primary { pk: [id]  sk: [] }`"),
            );
        }
        // A broken primary key is already reported; keep the entity (with an
        // empty stand-in key) so the cross-item checks still see its attributes.
        let primary = primary.unwrap_or_else(|| EntityIndex {
            name: "primary".to_string(),
            rust_name: "primary".to_string(),
            docs: Vec::new(),
            table_index: TableIndexRef::Primary,
            collection: None,
            pk: KeyTemplate {
                field: table.map_or_else(String::new, |t| t.pk.clone()),
                composites: Vec::new(),
                casing: Casing::Preserve,
                layout: segmented(KeyType::S, Vec::new()),
                span: e.name.span,
            },
            sk: None,
            sparse: false,
            fetch: false,
            span: e.name.span,
        });
        Some(Entity {
            name: e.name.text.clone(),
            rust_name,
            docs: e.docs.clone(),
            attributes,
            primary,
            indexes,
            timestamps,
            version,
            ttl,
            tag_value: model.name.unwrap_or_else(|| e.name.text.clone()),
            fixed: model.fixed,
            span: e.name.span,
        })
    }

    /// `shard(attr, count)`: a string or integer attribute, 2 to 1000 shards.
    fn shard(
        &mut self,
        f: &ast::Ident,
        count: Option<&ast::Ident>,
        c: &ast::Ident,
        attr: &Attribute,
        span: Span,
    ) -> Option<Derive> {
        let Some(written) = count else {
            self.push(
                Diagnostic::new(Code::DerivedPart, format!("`shard({})` has no shard count", c.text))
                    .primary(span, "how many shards?")
                    .help(format!("write the count: `shard({}, 16)`", c.text)),
            );
            return None;
        };
        let max = 1000;
        let parsed = written.text.parse::<u16>().ok().filter(|n| (2..=max).contains(n));
        let Some(n) = parsed else {
            self.push(
                Diagnostic::new(
                    Code::DerivedPart,
                    format!("`shard({}, {})` asks for {} shards", c.text, written.text, written.text),
                )
                .primary(written.span, "out of range")
                .help(format!("a shard count is 2 to {max}")),
            );
            return None;
        };
        if !(attr.ty == Type::String || attr.ty.is_integer()) {
            self.push(
                Diagnostic::new(
                    Code::DerivedPart,
                    format!("`{}({}, {n})` of a `{}`", f.text, c.text, attr.ty.describe()),
                )
                .primary(span, "a shard of a value that is no string or integer")
                .secondary(attr.span, "declared here")
                .help("shard a string or integer attribute (an id): its text is hashed"),
            );
            return None;
        }
        Some(Derive::Shard(n))
    }

    /// The format of `timestamps @format("..")`.
    fn timestamps_format(&mut self, written: &ast::StringLit) -> Option<TimeFormat> {
        match TimeFormat::ALL.iter().find(|(w, _)| *w == written.value) {
            Some((_, TimeFormat::Rfc3339Nanos)) => None,
            Some((_, format)) => Some(*format),
            None => {
                let words: Vec<String> = TimeFormat::ALL.iter().map(|(w, _)| format!("`\"{w}\"`")).collect();
                self.push(
                    Diagnostic::new(Code::TimeFormat, format!("`{}` is no timestamp format", written.value))
                        .primary(written.span, "unknown format")
                        .help(format!("use one of {}", words.join(", "))),
                );
                None
            }
        }
    }

    /// The entity's ElectroDB model (`model_name:`, `model_version:`), which
    /// only an ElectroDB table has.
    fn model(&mut self, e: &ast::Entity, format: KeyFormat) -> Model {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        let mut name = None;
        let mut version = None;
        for setting in &e.model {
            if format != KeyFormat::ElectroDb {
                self.push(
                    Diagnostic::new(
                        Code::KeyFormat,
                        format!("`{}` in a table of dyngen's own format", setting.key.text),
                    )
                    .primary(setting.key.span, "an ElectroDB model setting")
                    .help("add `format: electrodb` to the table, or remove this line"),
                );
                continue;
            }
            if let Some(first) = seen.get(setting.key.text.as_str()) {
                self.push(
                    Diagnostic::new(Code::DuplicateModifier, format!("`{}` is set twice", setting.key.text))
                        .primary(setting.span, "set again here")
                        .secondary(*first, "first set here")
                        .help("keep one of them"),
                );
                continue;
            }
            seen.insert(&setting.key.text, setting.span);
            if setting.value.value.is_empty() {
                self.push(
                    Diagnostic::new(Code::KeyFormat, format!("an empty `{}`", setting.key.text))
                        .primary(setting.value.span, "empty")
                        .help("write the name or version the ElectroDB model declares"),
                );
                continue;
            }
            match setting.key.text.as_str() {
                "model_name" => name = Some(setting.value.value.clone()),
                _ => version = Some(setting.value.value.clone()),
            }
        }
        if format != KeyFormat::ElectroDb {
            return Model::default();
        }
        let version = version.unwrap_or_else(|| "1".to_string());
        Model {
            name,
            fixed: vec![FixedAttribute {
                field: ELECTRODB_VERSION_FIELD.to_string(),
                value: version.clone(),
            }],
            version: Some(version),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_implicit(
        &mut self,
        attributes: &mut Vec<Attribute>,
        entity: &str,
        name: &str,
        ty: Type,
        role: AttributeRole,
        span: Span,
        (marker, marker_docs): (&str, &[String]),
    ) {
        if let Some(existing) = attributes.iter().find(|a| a.name == name) {
            self.push(
                Diagnostic::new(
                    Code::FieldIsReserved,
                    format!("entity `{entity}` declares `{name}`, which `{marker}` adds"),
                )
                .primary(existing.span, "declared here")
                .secondary(span, format!("`{marker}` adds `{name}`"))
                .help(format!(
                    "remove the declaration (dyngen maintains `{name}`), or rename the attribute"
                )),
            );
            return;
        }
        attributes.push(Attribute {
            name: name.to_string(),
            rust_name: names::value_name(name).unwrap_or_else(|_| name.to_string()),
            field: name.to_string(),
            docs: if marker_docs.is_empty() {
                vec![match role {
                    AttributeRole::CreatedAt => "When the item was created; set by dyngen.".to_string(),
                    AttributeRole::UpdatedAt => "When the item was last written; set by dyngen.".to_string(),
                    _ => "Optimistic-locking version: 1 on create, incremented by every write.".to_string(),
                }]
            } else {
                marker_docs.to_vec()
            },
            ty,
            optional: false,
            default: None,
            readonly: role == AttributeRole::CreatedAt,
            role,
            implicit: true,
            time_format: None,
            span,
        });
    }

    fn entity_index(&mut self, owner: &IndexOwner<'_>, key: &ast::EntityIndex, table: &Table) -> Option<EntityIndex> {
        let (e, primary_pk) = (owner.entity, owner.primary_pk);
        let is_primary = key.name.is_none();
        let (table_index, table_pk, table_sk) = match &key.table_index {
            None => (TableIndexRef::Primary, table.pk.clone(), table.sk.clone()),
            Some(name) => match table.index_named(&name.text) {
                Some(index) => {
                    let r = match index.kind {
                        IndexKind::Global => TableIndexRef::Global(index.name.clone()),
                        IndexKind::Local => TableIndexRef::Local(index.name.clone()),
                    };
                    (r, index.pk.clone(), index.sk.clone())
                }
                None => {
                    let mut d = Diagnostic::new(
                        Code::UnknownTableIndex,
                        format!("table `{}` has no index `{}`", table.name, name.text),
                    )
                    .primary(name.span, "no such table index")
                    .secondary(table.span, "indexes are declared in the table");
                    d = match suggest(&name.text, table.indexes.iter().map(|i| i.name.as_str())) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!(
                            "declare it in the table: `index {} {{ pk: {0}pk  sk: {0}sk }}`",
                            name.text
                        )),
                    };
                    self.push(d);
                    return None;
                }
            },
        };
        let index_label = match &key.name {
            None => "the primary key".to_string(),
            Some(n) => format!("index `{}`", n.text),
        };
        let mut pk_def: Option<&ast::KeyDef> = None;
        let mut sk_def: Option<&ast::KeyDef> = None;
        for def in &key.keys {
            let slot = if def.role == ast::KeyRole::Pk {
                &mut pk_def
            } else {
                &mut sk_def
            };
            if let Some(first) = slot {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateModifier,
                        format!(
                            "{index_label} of `{}` defines `{}` twice",
                            e.name.text,
                            role_word(def.role)
                        ),
                    )
                    .primary(def.role_span, "defined again here")
                    .secondary(first.role_span, "first defined here")
                    .help("keep one of them"),
                );
                continue;
            }
            *slot = Some(def);
        }
        let is_local = matches!(table_index, TableIndexRef::Local(_));
        let (pk_type, sk_type) = table.key_types(&table_index);
        let mut ok = true;
        // The labels of dyngen's own layout (docs/key-format.md): the
        // service, then the entity when the index has no sort key; the sort
        // key starts with the collection, then the entity.
        let pk_labels = {
            let mut labels = vec![self.service.clone()];
            if table_sk.is_none() {
                labels.push(e.name.text.clone());
            }
            labels
        };
        let sk_labels: Vec<String> = key
            .collection
            .iter()
            .map(|c| c.text.clone())
            .chain(std::iter::once(e.name.text.clone()))
            .collect();
        // ElectroDB's: `$service` starts the partition key; the sort key
        // starts with `$collection#entity_version` or `$entity_version`,
        // which an index without a sort key appends to the partition key.
        let (pk_electrodb, sk_electrodb) = match (&owner.model.version, table.format) {
            (Some(version), KeyFormat::ElectroDb) => {
                let entity = owner.model.name.as_deref().unwrap_or(&e.name.text);
                let entity_part = match &key.collection {
                    Some(c) => format!("${}#{entity}_{version}", c.text),
                    None => format!("${entity}_{version}"),
                };
                let service = format!("${}", self.service);
                match table_sk {
                    Some(_) => (Some(service), Some(entity_part)),
                    None => (Some(format!("{service}{entity_part}")), None),
                }
            }
            _ => (None, None),
        };
        let pk = match pk_def {
            Some(def) => {
                if is_local && primary_pk.is_some_and(|p| !same_key_def(p, def)) {
                    self.push(
                        Diagnostic::new(
                            Code::LocalIndexPartition,
                            format!(
                                "{index_label} of `{}` is on a local index but changes the partition key",
                                e.name.text
                            ),
                        )
                        .primary(def.span, "differs from the primary key's `pk`")
                        .note("items of a local index stay in their table partition")
                        .help(format!(
                            "write `pk: {}` or leave `pk` out",
                            primary_pk.map(describe_key_def).unwrap_or_default()
                        )),
                    );
                    ok = false;
                }
                let site = KeySite {
                    field: &table_pk,
                    attr_type: pk_type,
                    labels: pk_labels,
                    electrodb_prefix: pk_electrodb.clone(),
                    is_primary,
                    role: "partition key",
                };
                self.key_template(def, site, owner)
            }
            None if is_local => match primary_pk {
                Some(def) => {
                    let site = KeySite {
                        field: &table_pk,
                        attr_type: pk_type,
                        labels: pk_labels,
                        electrodb_prefix: pk_electrodb.clone(),
                        is_primary: false,
                        role: "partition key",
                    };
                    // Reported once, on the primary key.
                    let before = self.diagnostics.len();
                    let template = self.key_template(def, site, owner);
                    self.diagnostics.truncate(before);
                    template.map(|mut t| {
                        t.span = key.span;
                        t
                    })
                }
                None => {
                    let (layout, casing) = fixed_key(pk_type, pk_labels, pk_electrodb.clone());
                    Some(KeyTemplate {
                        field: table_pk.clone(),
                        composites: Vec::new(),
                        casing,
                        layout,
                        span: key.span,
                    })
                }
            },
            None => {
                self.push(
                    Diagnostic::new(
                        Code::KeyShape,
                        format!("{index_label} of `{}` has no partition key", e.name.text),
                    )
                    .primary(key.keyword_span, "no `pk: [..]` here")
                    .help("add `pk: [..]` with the attributes that identify the partition"),
                );
                None
            }
        };
        let sk = match (sk_def, &table_sk) {
            (Some(def), Some(field)) => {
                let site = KeySite {
                    field,
                    attr_type: sk_type,
                    labels: sk_labels,
                    electrodb_prefix: sk_electrodb.clone(),
                    is_primary,
                    role: "sort key",
                };
                self.key_template(def, site, owner).map(Some)
            }
            (None, Some(field)) => {
                if sk_type != KeyType::S {
                    self.push(
                        Diagnostic::new(
                            Code::KeyTypeMismatch,
                            format!(
                                "{index_label} of `{}` has no sort key, but {} keeps an `{}` sort key",
                                e.name.text,
                                table_index.describe(),
                                sk_type.word()
                            ),
                        )
                        .primary(key.keyword_span, "no `sk:` here")
                        .help("an `N` or `B` key holds one attribute's value: add `sk: [attribute]`"),
                    );
                    None
                } else {
                    let (layout, casing) = fixed_key(sk_type, sk_labels, sk_electrodb.clone());
                    Some(Some(KeyTemplate {
                        field: field.clone(),
                        composites: Vec::new(),
                        casing,
                        layout,
                        span: key.span,
                    }))
                }
            }
            (Some(def), None) => {
                self.push(
                    Diagnostic::new(
                        Code::KeyShape,
                        format!(
                            "{index_label} of `{}` has a sort key, but {} has none",
                            e.name.text,
                            table_index.describe()
                        ),
                    )
                    .primary(def.role_span, "no sort key attribute to write this to")
                    .help(if table_index == TableIndexRef::Primary {
                        "remove `sk: [..]`, or give the table a sort key attribute (`sk: sk`)"
                    } else {
                        "remove `sk: [..]`, or give the table index a sort key attribute"
                    }),
                );
                None
            }
            (None, None) => Some(None),
        };
        let (pk, sk) = (pk?, sk?);
        if !ok {
            return None;
        }
        let sparse = pk
            .composites
            .iter()
            .chain(sk.iter().flat_map(|s| &s.composites))
            .any(|c| owner.attributes.iter().any(|a| &a.name == c && a.optional));
        let name = key
            .name
            .as_ref()
            .map_or_else(|| "primary".to_string(), |n| n.text.clone());
        let rust_name = match &key.name {
            Some(n) => self.value_rust_name(n, "index"),
            None => "primary".to_string(),
        };
        Some(EntityIndex {
            name,
            rust_name,
            docs: key.docs.clone(),
            table_index,
            collection: key.collection.as_ref().map(|c| c.text.clone()),
            pk,
            sk,
            sparse,
            fetch: key.fetch.is_some(),
            span: key.name.as_ref().map_or(key.keyword_span, |n| n.span),
        })
    }

    /// Lowers one key: its composites (checked), and its layout.
    fn key_template(&mut self, def: &ast::KeyDef, site: KeySite<'_>, owner: &IndexOwner<'_>) -> Option<KeyTemplate> {
        let (e, attributes, broken, version) = (owner.entity, owner.attributes, owner.broken, owner.version);
        // An `N` or `B` key holds its one value natively, in ElectroDB too
        // (its `cast: "number"` keys).
        let electrodb_prefix = site.electrodb_prefix.clone().filter(|_| site.attr_type == KeyType::S);
        let mut ok = true;
        // The parts as written: literal text and composites.
        let written: Vec<WrittenPart> = match &def.template {
            Some(template) => match parse_template(template) {
                Ok(parts) => parts,
                Err((message, span, help)) => {
                    self.push(
                        Diagnostic::new(Code::KeyTemplate, message)
                            .primary(span, "in this template")
                            .help(help),
                    );
                    return None;
                }
            },
            None => {
                let mut parts: Vec<WrittenPart> = electrodb_prefix.iter().cloned().map(WrittenPart::Literal).collect();
                for c in &def.composites {
                    // ElectroDB labels each value: `$vcs#repoowner_octocat#reponame_hello-world`.
                    if electrodb_prefix.is_some() {
                        parts.push(WrittenPart::Literal(format!("#{}_", c.attribute.text)));
                    }
                    parts.push(WrittenPart::Composite {
                        attribute: c.attribute.clone(),
                        derive: c.derive.clone(),
                        count: c.count.clone(),
                        span: c.span,
                    });
                }
                parts
            }
        };
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        let mut composites = Vec::new();
        let mut parts = Vec::new();
        for part in &written {
            let (c, derive_ident, count, span) = match part {
                WrittenPart::Literal(text) => {
                    parts.push(KeyPart::Literal(text.clone()));
                    continue;
                }
                WrittenPart::Composite {
                    attribute,
                    derive,
                    count,
                    span,
                } => (attribute, derive, count, *span),
            };
            // A part derived from an attribute may sit beside the attribute
            // itself (`{month(created)}#{created}`); the same part twice is
            // a mistake.
            let written = match (derive_ident, count) {
                (Some(f), Some(n)) => format!("{}({}, {})", f.text, c.text, n.text),
                (Some(f), None) => format!("{}({})", f.text, c.text),
                (None, _) => c.text.clone(),
            };
            if let Some(first) = seen.get(written.as_str()) {
                self.push(
                    Diagnostic::new(Code::RepeatedComposite, format!("`{written}` appears twice in one key"))
                        .primary(c.span, "repeated here")
                        .secondary(*first, "first here")
                        .help("list each attribute once per key"),
                );
                ok = false;
                continue;
            }
            seen.insert(written, c.span);
            if broken.contains(&c.text) {
                ok = false;
                continue;
            }
            let Some(attr) = attributes.iter().find(|a| a.name == c.text) else {
                let mut d = Diagnostic::new(
                    Code::UnknownAttribute,
                    format!("entity `{}` has no attribute `{}`", e.name.text, c.text),
                )
                .primary(c.span, "not an attribute of this entity");
                d = match suggest(&c.text, attributes.iter().map(|a| a.name.as_str())) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("declare it, e.g. `{}: string`", c.text)),
                };
                self.push(d);
                ok = false;
                continue;
            };
            let derive = match derive_ident {
                None => None,
                Some(f) if f.text == "shard" => self.shard(f, count.as_ref(), c, attr, span),
                Some(f) if count.is_some() => {
                    let n = count.as_ref().map_or(span, |n| n.span);
                    self.push(
                        Diagnostic::new(Code::DerivedPart, format!("`{}(..)` takes no count", f.text))
                            .primary(n, "a count here")
                            .help(format!(
                                "write `{}({})`; only `shard(attribute, count)` takes a count",
                                f.text, c.text
                            )),
                    );
                    None
                }
                Some(f) => {
                    match Derive::ALL.iter().find(|(w, _)| *w == f.text) {
                        Some((_, d)) if attr.ty == Type::Timestamp => Some(*d),
                        Some(_) => {
                            self.push(
                            Diagnostic::new(
                                Code::DerivedPart,
                                format!("`{}({})` of a `{}`", f.text, c.text, attr.ty.describe()),
                            )
                            .primary(span, "derived from a value that is no timestamp")
                            .secondary(attr.span, "declared here")
                            .help("time buckets (`year`, `month`, `day`, `hour`) are derived from `timestamp` attributes"),
                        );
                            ok = false;
                            None
                        }
                        None => {
                            self.push(
                                Diagnostic::new(Code::DerivedPart, format!("`{}` is no derived key part", f.text))
                                    .primary(f.span, "unknown function")
                                    .help("derive `year(..)`, `month(..)`, `day(..)` or `hour(..)` of a timestamp, or `shard(attribute, count)` of a string or integer"),
                            );
                            ok = false;
                            None
                        }
                    }
                }
            };
            if derive_ident.is_some() && derive.is_none() {
                ok = false;
            }
            let binary_key = site.attr_type == KeyType::B && attr.ty == Type::Bytes;
            if !attr.ty.is_key_scalar() && !binary_key {
                self.push(
                    Diagnostic::new(
                        Code::NonScalarComposite,
                        format!("`{}` is a `{}` and cannot be part of a key", c.text, attr.ty.describe()),
                    )
                    .primary(c.span, "used as a key composite here")
                    .secondary(attr.span, "declared here")
                    .note("key composites need one canonical, order-preserving text form")
                    .help(
                        "use a string, integer, decimal, bool, enum or timestamp attribute (or `bytes` in a `B` key)",
                    ),
                );
                ok = false;
            }
            if Some(c.text.as_str()) == version {
                self.push(
                    Diagnostic::new(
                        Code::VersionInKey,
                        format!("the version attribute `{}` cannot be part of a key", c.text),
                    )
                    .primary(c.span, "used as a key composite here")
                    .note("the version changes on every write, so the item's keys would change with it")
                    .help("key on another attribute"),
                );
                ok = false;
            }
            if site.is_primary && attr.role == AttributeRole::UpdatedAt {
                self.push(
                    Diagnostic::new(
                        Code::VersionInKey,
                        format!("`{}` cannot be part of the primary key", c.text),
                    )
                    .primary(c.span, "used as a primary key composite here")
                    .note("`timestamps` sets updatedAt on every write, and a primary key can never change")
                    .help("use updatedAt in a secondary index (where dyngen rewrites the key), or key on an attribute you set"),
                );
                ok = false;
            }
            if attr.role == AttributeRole::CreatedAt {
                self.push(
                    Diagnostic::new(Code::VersionInKey, format!("`{}` cannot be part of a key", c.text))
                        .primary(c.span, "used as a key composite here")
                        .note(
                            "`put` starts an item's life again (createdAt = now) and `upsert` keeps the stored \
                             createdAt, which it cannot read to rebuild a key",
                        )
                        .help(
                            "declare your own timestamp, e.g. `openedAt: timestamp readonly`, set it when \
                             creating the item, and key on that",
                        ),
                );
                ok = false;
            }
            if site.is_primary && attr.optional {
                self.push(
                    Diagnostic::new(
                        Code::OptionalPrimaryComposite,
                        format!("primary key composite `{}` is optional", c.text),
                    )
                    .primary(c.span, "part of the primary key")
                    .secondary(attr.span, "declared optional here")
                    .note("every item needs a primary key; optional composites are only for sparse secondary indexes")
                    .help(format!("make `{}` required (remove the `?`)", c.text)),
                );
                ok = false;
            }
            if site.attr_type != KeyType::S {
                let fits = match site.attr_type {
                    KeyType::N => {
                        derive.is_none()
                            && (matches!(attr.ty, Type::I32 | Type::I64 | Type::U32 | Type::U64 | Type::Decimal)
                                || attr.time_format.is_some_and(TimeFormat::is_number))
                    }
                    _ => binary_key,
                };
                if !fits {
                    self.push(
                        Diagnostic::new(
                            Code::KeyTypeMismatch,
                            format!(
                                "the {} `{}` is `{}`, but `{}` is a `{}`",
                                site.role,
                                site.field,
                                site.attr_type.word(),
                                c.text,
                                attr.ty.describe()
                            ),
                        )
                        .primary(span, "does not fit the key's type")
                        .help(match site.attr_type {
                            KeyType::N => "an `N` key holds one integer or decimal attribute (or an epoch timestamp)",
                            _ => "a `B` key holds one `bytes` attribute",
                        }),
                    );
                    ok = false;
                }
            }
            if !composites.contains(&c.text) {
                composites.push(c.text.clone());
            }
            parts.push(KeyPart::Value(KeyComposite {
                attribute: c.text.clone(),
                derive,
            }));
        }
        if let [first, rest @ ..] = def.casing.as_slice() {
            for extra in rest {
                self.push(
                    Diagnostic::new(Code::DuplicateModifier, "`casing` is given twice for one key")
                        .primary(extra.span, "again here")
                        .secondary(first.span, "first here")
                        .help("keep one"),
                );
            }
        }
        // ElectroDB cases the whole key, lowercase unless the key says otherwise.
        let casing = match (def.casing.is_empty(), &electrodb_prefix) {
            (true, Some(_)) => Casing::Lower,
            _ => casing_of(def),
        };
        let codec = if site.attr_type != KeyType::S {
            let values = parts.iter().filter(|p| matches!(p, KeyPart::Value(_))).count();
            if ok && (values != 1 || parts.len() != 1) {
                self.push(
                    Diagnostic::new(
                        Code::KeyTypeMismatch,
                        format!(
                            "the {} `{}` is `{}`, so it holds exactly one value",
                            site.role,
                            site.field,
                            site.attr_type.word()
                        ),
                    )
                    .primary(
                        def.span,
                        if values > 1 {
                            format!("{values} values")
                        } else if values == 0 {
                            "no value".to_string()
                        } else {
                            "a value with literal text".to_string()
                        },
                    )
                    .note("DynamoDB stores an `N` or `B` key natively: there is no text to put labels or several values in")
                    .help("write one attribute, e.g. `sk: [version]`, or make the key attribute `S`"),
                );
                ok = false;
            }
            if let Some(c) = def.casing.first() {
                self.push(
                    Diagnostic::new(
                        Code::KeyTypeMismatch,
                        format!("`casing` on the `{}` key `{}`", site.attr_type.word(), site.field),
                    )
                    .primary(c.span, "no text to case")
                    .help("remove `casing`"),
                );
                ok = false;
            }
            KeyCodec::Native
        } else if def.template.is_some() || electrodb_prefix.is_some() {
            KeyCodec::Text
        } else {
            KeyCodec::Segmented
        };
        if codec == KeyCodec::Text {
            // A value must end where literal text starts, or the key cannot
            // be read back (nor its prefixes queried).
            for pair in parts.windows(2) {
                if let [KeyPart::Value(a), KeyPart::Value(b)] = pair {
                    self.push(
                        Diagnostic::new(
                            Code::KeyTemplate,
                            format!(
                                "`{}` and `{}` follow each other with nothing between them",
                                a.name(),
                                b.name()
                            ),
                        )
                        .primary(def.span, "ambiguous template")
                        .note("`{a}{b}` gives `xy` for both a = `x`, b = `y` and a = `xy`, b = ``")
                        .help(format!(
                            "put a delimiter between them: `{{{}}}#{{{}}}`",
                            a.name(),
                            b.name()
                        )),
                    );
                    ok = false;
                }
            }
            if parts.is_empty() {
                self.push(
                    Diagnostic::new(Code::KeyTemplate, "an empty key template")
                        .primary(def.span, "empty")
                        .note("DynamoDB rejects empty key values")
                        .help("write literal text or `{attribute}`"),
                );
                ok = false;
            }
        }
        if codec == KeyCodec::Segmented {
            let labels = site.labels.into_iter().map(KeyPart::Literal);
            parts = labels.chain(parts).collect();
        }
        if electrodb_prefix.is_some() {
            parts = case_literals(parts, casing);
        }
        ok.then(|| KeyTemplate {
            field: site.field.to_string(),
            composites,
            casing,
            layout: KeyLayout {
                attr_type: site.attr_type,
                codec,
                parts,
            },
            span: def.span,
        })
    }
}

/// The entity an access pattern belongs to, as far as lowering its keys
/// needs it.
struct IndexOwner<'a> {
    entity: &'a ast::Entity,
    /// Its attributes, resolved.
    attributes: &'a [Attribute],
    /// Attributes that did not resolve (already reported).
    broken: &'a BTreeSet<String>,
    /// The primary key's `pk`, which a local index shares.
    primary_pk: Option<&'a ast::KeyDef>,
    /// The optimistic-locking attribute.
    version: Option<&'a str>,
    model: &'a Model,
}

/// An entity's ElectroDB model; empty in a table of dyngen's format.
#[derive(Default)]
struct Model {
    /// `model_name:`: the entity's name in keys and in `__edb_e__`.
    name: Option<String>,
    /// `model_version:` (`1` when left out).
    version: Option<String>,
    fixed: Vec<FixedAttribute>,
}

/// Where a key is written: what `key_template` needs beyond the definition.
struct KeySite<'a> {
    field: &'a str,
    attr_type: KeyType,
    /// The labels of dyngen's own layout, used when the key is a list.
    labels: Vec<String>,
    /// In an ElectroDB table: the text a list-form key starts with, before
    /// its `#attribute_value` parts (and before casing).
    electrodb_prefix: Option<String>,
    is_primary: bool,
    /// `partition key` or `sort key`, for messages.
    role: &'static str,
}

/// `parts` with adjacent literals joined and cased as the values are: an
/// ElectroDB key is cased as a whole, its labels too.
fn case_literals(parts: Vec<KeyPart>, casing: Casing) -> Vec<KeyPart> {
    let mut out: Vec<KeyPart> = Vec::new();
    for part in parts {
        match (part, out.last_mut()) {
            (KeyPart::Literal(text), Some(KeyPart::Literal(before))) => before.push_str(&casing.apply(&text)),
            (KeyPart::Literal(text), _) => out.push(KeyPart::Literal(casing.apply(&text))),
            (value, _) => out.push(value),
        }
    }
    out
}

/// A key with no value: dyngen's labels, or ElectroDB's fixed prefix.
fn fixed_key(attr_type: KeyType, labels: Vec<String>, electrodb_prefix: Option<String>) -> (KeyLayout, Casing) {
    match electrodb_prefix {
        Some(prefix) => (
            KeyLayout {
                attr_type,
                codec: KeyCodec::Text,
                parts: case_literals(vec![KeyPart::Literal(prefix)], Casing::Lower),
            },
            Casing::Lower,
        ),
        None => (segmented(attr_type, labels), Casing::Preserve),
    }
}

/// A segmented key of labels only.
fn segmented(attr_type: KeyType, labels: Vec<String>) -> KeyLayout {
    KeyLayout {
        attr_type,
        codec: KeyCodec::Segmented,
        parts: labels.into_iter().map(KeyPart::Literal).collect(),
    }
}

/// A part of a key as written: literal template text, or a composite.
enum WrittenPart {
    Literal(String),
    Composite {
        attribute: ast::Ident,
        derive: Option<ast::Ident>,
        /// The count of `shard(attr, count)`.
        count: Option<ast::Ident>,
        span: Span,
    },
}

/// Splits `"USER#{userId}"` into literal text and composites. `{{` and `}}`
/// stand for braces. `Err` is (message, span, help).
fn parse_template(template: &ast::StringLit) -> Result<Vec<WrittenPart>, (String, Span, String)> {
    // Offsets into the value map onto the source exactly when the literal
    // has no escapes; otherwise the whole literal is pointed at.
    let body_start = template.span.start + 1;
    let exact = template.span.end.saturating_sub(template.span.start) == template.value.len() + 2;
    let at = |from: usize, to: usize| {
        if exact {
            Span::new(body_start + from, body_start + to)
        } else {
            template.span
        }
    };
    let text = template.value.as_str();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|(_, n)| *n) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '}' => {
                return Err((
                    "a `}` with no `{` before it".into(),
                    at(i, i + 1),
                    "write `}}` for a literal brace".into(),
                ))
            }
            '{' => {
                let Some(close) = text[i..].find('}') else {
                    return Err((
                        "a `{` that is never closed".into(),
                        at(i, text.len()),
                        "close the composite with `}`, or write `{{` for a literal brace".into(),
                    ));
                };
                let inner = &text[i + 1..i + close];
                let inner_start = i + 1;
                while chars.peek().is_some_and(|(j, _)| *j <= i + close) {
                    chars.next();
                }
                if !literal.is_empty() {
                    parts.push(WrittenPart::Literal(std::mem::take(&mut literal)));
                }
                let ident = |name: &str, offset: usize| ast::Ident {
                    text: name.to_string(),
                    span: at(offset, offset + name.len()),
                };
                let is_name = |s: &str| {
                    let mut cs = s.chars();
                    cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
                };
                let span = at(i, i + close + 1);
                // `attr`, `month(attr)` or `shard(attr, 16)`.
                let call = inner.find('(').filter(|_| inner.ends_with(')')).and_then(|open| {
                    let args = &inner[open + 1..inner.len() - 1];
                    let (attribute, count) = match args.split_once(',') {
                        Some((a, n)) => (a, Some(n)),
                        None => (args, None),
                    };
                    let attribute_at = open + 1 + (attribute.len() - attribute.trim_start().len());
                    let attribute = attribute.trim();
                    let count = match count {
                        Some(n) => {
                            let at_n = open + 1 + args.len() - n.len() + (n.len() - n.trim_start().len());
                            let n = n.trim();
                            if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
                                return None;
                            }
                            Some(ident(n, inner_start + at_n))
                        }
                        None => None,
                    };
                    (is_name(&inner[..open]) && is_name(attribute)).then(|| WrittenPart::Composite {
                        attribute: ident(attribute, inner_start + attribute_at),
                        derive: Some(ident(&inner[..open], inner_start)),
                        count,
                        span,
                    })
                });
                let part = match call {
                    Some(part) => part,
                    None if is_name(inner) => WrittenPart::Composite {
                        attribute: ident(inner, inner_start),
                        derive: None,
                        count: None,
                        span,
                    },
                    _ => {
                        return Err((
                            format!("`{{{inner}}}` is no composite"),
                            span,
                            "write an attribute name, `{userId}`, or a derived part, `{month(created)}`".into(),
                        ))
                    }
                };
                parts.push(part);
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(WrittenPart::Literal(literal));
    }
    Ok(parts)
}

/// Whether two key definitions write the same key (a local index's `pk`
/// against the primary one).
fn same_key_def(a: &ast::KeyDef, b: &ast::KeyDef) -> bool {
    let composites = |d: &ast::KeyDef| -> Vec<String> { d.composites.iter().map(|c| c.written()).collect() };
    composites(a) == composites(b)
        && a.template.as_ref().map(|t| &t.value) == b.template.as_ref().map(|t| &t.value)
        && casing_of(a) == casing_of(b)
}

/// A key definition as written: `[a, b] casing lower`, `"USER#{id}"`.
fn describe_key_def(d: &ast::KeyDef) -> String {
    let body = match &d.template {
        Some(t) => format!("{:?}", t.value),
        None => {
            let names: Vec<String> = d.composites.iter().map(ast::CompositeRef::written).collect();
            format!("[{}]", names.join(", "))
        }
    };
    match casing_of(d) {
        Casing::Lower => format!("{body} casing lower"),
        Casing::Upper => format!("{body} casing upper"),
        Casing::Preserve => body,
    }
}

/// The DynamoDB type written after a key attribute (`S` when none is).
fn key_type_of(setting: &ast::TableSetting) -> KeyType {
    match setting.key_type.as_ref().map(|t| t.text.as_str()) {
        Some("N") => KeyType::N,
        Some("B") => KeyType::B,
        _ => KeyType::S,
    }
}

fn casing_of(def: &ast::KeyDef) -> Casing {
    match def.casing.first().map(|c| c.text.as_str()) {
        Some("lower") => Casing::Lower,
        Some("upper") => Casing::Upper,
        _ => Casing::Preserve,
    }
}

fn role_word(role: ast::KeyRole) -> &'static str {
    match role {
        ast::KeyRole::Pk => "pk",
        ast::KeyRole::Sk => "sk",
    }
}

struct Mismatch {
    label: String,
    help: String,
}

/// Whether a number literal fits the generated `decimal` type
/// (rust_decimal: a 96-bit mantissa and a scale of at most 28).
fn fits_decimal(text: &str) -> bool {
    let (number, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().unwrap_or(i64::MAX)),
        None => (text, 0),
    };
    let digits = number.trim_start_matches(['-', '+']);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all: String = format!("{whole}{fraction}");
    let significant = all.trim_start_matches('0');
    if significant.trim_end_matches('0').is_empty() {
        return true; // zero, whatever its exponent
    }
    let Some(scale) = (fraction.len() as i64).checked_sub(exponent) else {
        return false;
    };
    // Digits left of the point once the exponent is applied.
    let integer_digits = significant.len() as i64 - scale;
    let trimmed = significant.trim_end_matches('0').len() as i64;
    let needed_scale = scale - (significant.len() as i64 - trimmed);
    needed_scale <= 28 && integer_digits <= 28 && trimmed <= 28
}

fn example_literal(ty: &Type) -> String {
    match ty {
        Type::String => "a string such as `\"main\"`".into(),
        Type::Bool => "`true` or `false`".into(),
        t if t.is_integer() => "a whole number such as `0`".into(),
        Type::F64 | Type::Decimal => "a number such as `0.5`".into(),
        Type::Enum(_) => "a variant name".into(),
        Type::List(_) | Type::Set(_) => "a list such as `[]`".into(),
        Type::Map(_) => "`{}`".into(),
        _ => "a literal of that type".into(),
    }
}

/// Tracks attribute names within one entity or struct, reporting duplicates.
#[derive(Default)]
struct AttributeNames {
    seen: BTreeMap<String, Span>,
}

impl AttributeNames {
    /// `false` (with a diagnostic) when the name was already declared.
    fn insert(&mut self, l: &mut Lowerer, a: &ast::Attribute, owner: &str) -> bool {
        if let Some(first) = self.seen.get(&a.name.text) {
            l.push(
                Diagnostic::new(
                    Code::DuplicateAttribute,
                    format!("`{owner}` declares `{}` twice", a.name.text),
                )
                .primary(a.name.span, "redefined here")
                .secondary(*first, "first defined here")
                .help("remove or rename one of them"),
            );
            return false;
        }
        self.seen.insert(a.name.text.clone(), a.name.span);
        true
    }
}

/// The closest candidate by edit distance, if it is close enough to be a typo.
pub(crate) fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (levenshtein(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Groups entity indexes by collection name. Consistency is `validate`'s job.
fn collect_collections(entities: &[Entity]) -> Vec<Collection> {
    let mut by_name: BTreeMap<String, Collection> = BTreeMap::new();
    for entity in entities {
        for index in entity.all_indexes() {
            let Some(name) = &index.collection else { continue };
            let collection = by_name.entry(name.clone()).or_insert_with(|| Collection {
                name: name.clone(),
                rust_name: names::type_name(name).unwrap_or_else(|_| name.clone()),
                table_index: index.table_index.clone(),
                partition: index
                    .pk
                    .composites
                    .iter()
                    .filter_map(|c| entity.attribute(c).map(|a| (c.clone(), a.ty.clone())))
                    .collect(),
                members: Vec::new(),
                span: index.span,
            });
            collection.members.push(CollectionMember {
                entity: entity.name.clone(),
                index: index.name.clone(),
            });
        }
    }
    by_name.into_values().collect()
}
