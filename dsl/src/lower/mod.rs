//! Syntax tree to IR: resolves every name and checks what can be checked
//! one item at a time. Cross-item rules (collections, stored fields, key
//! prefixes, Rust names) live in `validate`.
//!
//! Lowering never stops at the first problem. A broken piece (an attribute
//! of unknown type, a key naming a missing attribute) is left out of the IR
//! and remembered, so later checks neither crash on it nor repeat the error.
//!
//! One `Lowerer` carries the state; each item kind adds its methods from
//! its own file: `table` (table settings, indexes, projections), `types`
//! (enums, structs, type expressions, literal values, time formats),
//! `entity` (entities, attributes, markers, models), `keys` (entity indexes
//! and key layouts) and `suggest` (did-you-mean wording).

mod entity;
mod keys;
mod lists;
mod suggest;
mod table;
mod types;

pub(crate) use self::suggest::suggest;

use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::*;
use crate::names;
use crate::span::Span;
use std::collections::BTreeMap;

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
    "json",
    "document",
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

/// What lowering one file shares between items: the diagnostics so far and
/// the names every item may refer to.
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

/// The file's items by kind, in source order.
#[derive(Default)]
struct Items<'a> {
    services: Vec<&'a ast::Service>,
    tables: Vec<&'a ast::Table>,
    enums: Vec<&'a ast::Enum>,
    structs: Vec<&'a ast::Struct>,
    entities: Vec<&'a ast::Entity>,
}

impl<'a> Items<'a> {
    fn of(file: &'a ast::File) -> Self {
        let mut items = Items::default();
        for item in &file.items {
            match item {
                ast::Item::Service(s) => items.services.push(s),
                ast::Item::Table(t) => items.tables.push(t),
                ast::Item::Enum(e) => items.enums.push(e),
                ast::Item::Struct(s) => items.structs.push(s),
                ast::Item::Entity(e) => items.entities.push(e),
            }
        }
        items
    }
}

/// A declaration the schema needs exactly once (`service`, `table`).
struct RequiredItem {
    code: Code,
    /// The keyword, for messages.
    what: &'static str,
    /// How to add the missing declaration.
    help: &'static str,
}

/// The labels of a repeated definition: (the repeat, the first one).
type RepeatLabels = (&'static str, &'static str);
const REDEFINED: RepeatLabels = ("redefined here", "first defined here");
const SET_AGAIN: RepeatLabels = ("set again here", "first set here");
const REPEATED: RepeatLabels = ("repeated here", "first here");
const AGAIN: RepeatLabels = ("again here", "first here");

/// A diagnostic just recorded, still taking its secondary labels, notes and
/// help.
struct Report<'a>(&'a mut Diagnostic);

impl Report<'_> {
    /// Applies one of `Diagnostic`'s builder steps in place.
    fn with(self, step: impl FnOnce(Diagnostic) -> Diagnostic) -> Self {
        let placeholder = Diagnostic::new(self.0.code, String::new());
        let diagnostic = std::mem::replace(&mut *self.0, placeholder);
        *self.0 = step(diagnostic);
        self
    }

    fn secondary(self, span: Span, label: impl Into<String>) -> Self {
        self.with(|d| d.secondary(span, label))
    }

    fn note(self, note: impl Into<String>) -> Self {
        self.with(|d| d.note(note))
    }

    fn help(self, help: impl Into<String>) -> Self {
        self.with(|d| d.help(help))
    }
}

impl Lowerer {
    /// Records `message`, pointing at `span` with `label`.
    fn report(&mut self, code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Report<'_> {
        self.diagnostics
            .push(Diagnostic::new(code, message).primary(span, label));
        let recorded = self.diagnostics.last_mut().expect("just pushed");
        Report(recorded)
    }

    /// Records `message` about something written twice: the primary label
    /// on the repeat, the secondary on the first one.
    fn report_repeat(
        &mut self,
        code: Code,
        message: impl Into<String>,
        (again, first): (Span, Span),
        (again_label, first_label): RepeatLabels,
    ) -> Report<'_> {
        self.report(code, message, again, again_label)
            .secondary(first, first_label)
    }

    fn file(&mut self, file: &ast::File) -> Option<Schema> {
        let items = Items::of(file);
        let service = self.exactly_one(
            &items.services,
            |s| s.name.span,
            RequiredItem {
                code: Code::ServiceDeclaration,
                what: "service",
                help: "add `service <name>` at the top of the file; the name is the first segment of every key",
            },
        );
        let table = self.exactly_one(
            &items.tables,
            |t| t.name.span,
            RequiredItem {
                code: Code::TableDeclaration,
                what: "table",
                help: "add `table <Name> { pk: pk  sk: sk }`; a schema describes one DynamoDB table",
            },
        );

        // The type namespace first, so that any type can refer to any other.
        self.declare_types(&items);
        if let Some(s) = service {
            self.service = s.name.text.clone();
        }
        let table = table.map(|t| self.table(t));
        let enums: Vec<&ast::Enum> = items
            .enums
            .into_iter()
            .filter(|e| self.is_first_definition(&e.name, TypeKind::Enum))
            .collect();
        let enums: Vec<Enum> = enums.into_iter().map(|e| self.enum_decl(e)).collect();
        let structs: Vec<&ast::Struct> = items
            .structs
            .into_iter()
            .filter(|s| self.is_first_definition(&s.name, TypeKind::Struct))
            .collect();
        let structs: Vec<Struct> = structs.into_iter().map(|s| self.struct_decl(s)).collect();
        let entities: Vec<&ast::Entity> = items
            .entities
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

    /// Fills the type namespace (reporting names that clash) and the
    /// variants of each enum.
    fn declare_types(&mut self, items: &Items<'_>) {
        let mut named: Vec<(&ast::Ident, TypeKind)> = items
            .enums
            .iter()
            .map(|e| (&e.name, TypeKind::Enum))
            .chain(items.structs.iter().map(|s| (&s.name, TypeKind::Struct)))
            .chain(items.entities.iter().map(|e| (&e.name, TypeKind::Entity)))
            .collect();
        named.sort_by_key(|(n, _)| n.span.start);
        for (name, kind) in named {
            if BUILTIN_TYPES.contains(&name.text.as_str()) {
                let message = format!("`{}` is a built-in type", name.text);
                let label = format!("this {} would hide the built-in type", kind.word());
                self.report(Code::DuplicateType, message, name.span, label)
                    .help("choose another name");
                continue;
            }
            if let Some((first_kind, first_span)) = self.types.get(&name.text).copied() {
                let message = format!("the name `{}` is defined more than once", name.text);
                let label = format!("{} `{}` redefined here", kind.word(), name.text);
                self.report(Code::DuplicateType, message, name.span, label)
                    .secondary(
                        first_span,
                        format!("{} `{}` first defined here", first_kind.word(), name.text),
                    )
                    .help("entities, enums and structs share one namespace; rename one of them");
                continue;
            }
            self.types.insert(name.text.clone(), (kind, name.span));
        }

        for e in &items.enums {
            if self.is_first_definition(&e.name, TypeKind::Enum) {
                let variants = e.variants.iter().map(|v| v.name.text.clone()).collect();
                self.enum_variants.insert(e.name.text.clone(), variants);
            }
        }
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
        name_span: impl Fn(&T) -> Span,
        required: RequiredItem,
    ) -> Option<&'a T> {
        let RequiredItem { code, what, help } = required;
        match items {
            [] => {
                let message = format!("the schema has no `{what}` declaration");
                let label = format!("expected a `{what}` declaration in this file");
                self.report(code, message, Span::new(0, 0), label).help(help);
                None
            }
            [one] => Some(*one),
            [first, rest @ ..] => {
                for item in rest {
                    let message = format!("the schema declares `{what}` more than once");
                    self.report(code, message, name_span(item), format!("another `{what}` here"))
                        .secondary(name_span(first), format!("first `{what}` here"))
                        .help(format!(
                            "a schema has exactly one `{what}`; remove this one or move it to its own file"
                        ));
                }
                Some(*first)
            }
        }
    }

    fn empty_field_name(&mut self, span: Span) {
        let message = "empty attribute name";
        let label = "DynamoDB attribute names cannot be empty";
        self.report(Code::InvalidFieldName, message, span, label)
            .help("write a name of at least one character");
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
        let message = format!("{what} `{}` cannot be named in Rust", name.text);
        let label = format!("becomes {shown} in Rust, which cannot be an identifier");
        self.report(Code::ReservedRustName, message, name.span, label)
            .note("`self`, `Self`, `super` and `crate` cannot be raw identifiers, and identifiers need a letter")
            .help(help);
    }
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
