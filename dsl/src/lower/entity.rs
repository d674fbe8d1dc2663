//! Entities: their attributes, markers (`timestamps`, `version`) and the
//! attributes those add, and ElectroDB models. Keys are `keys`' part.

use super::keys::{primary_partition_key, IndexOwner};
use super::{Lowerer, CREATED_AT, REDEFINED, REPEATED, SET_AGAIN, UPDATED_AT, VERSION};
use crate::ast;
use crate::diagnostic::Code;
use crate::ir::*;
use crate::names;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

/// An entity's ElectroDB model; empty in a table of dyngen's format.
#[derive(Default)]
pub(super) struct Model {
    /// `model_name:`: the entity's name in keys and in `__edb_e__`.
    pub(super) name: Option<String>,
    /// `model_version:` (`1` when left out).
    pub(super) version: Option<String>,
    fixed: Vec<FixedAttribute>,
}

/// Tracks attribute names within one entity or struct, reporting duplicates.
#[derive(Default)]
pub(super) struct AttributeNames {
    seen: BTreeMap<String, Span>,
}

impl AttributeNames {
    /// `false` (with a diagnostic) when the name was already declared.
    pub(super) fn insert(&mut self, l: &mut Lowerer, a: &ast::Attribute, owner: &str) -> bool {
        if let Some(first) = self.seen.get(&a.name.text) {
            let message = format!("`{owner}` declares `{}` twice", a.name.text);
            l.report_repeat(Code::DuplicateAttribute, message, (a.name.span, *first), REDEFINED)
                .help("remove or rename one of them");
            return false;
        }
        self.seen.insert(a.name.text.clone(), a.name.span);
        true
    }
}

/// An entity's markers: where each is first written, and their docs.
struct Markers<'a> {
    spans: BTreeMap<&'a str, Span>,
    docs: BTreeMap<&'a str, &'a [String]>,
}

impl Markers<'_> {
    fn docs(&self, marker: &str) -> &[String] {
        self.docs.get(marker).copied().unwrap_or_default()
    }
}

/// An attribute a marker adds to its entity.
struct ImplicitAttribute<'a> {
    name: &'static str,
    ty: Type,
    role: AttributeRole,
    time_format: Option<TimeFormat>,
    /// The marker, for messages.
    marker: &'static str,
    marker_span: Span,
    /// Docs written on the marker: the attribute's, when there are any.
    marker_docs: &'a [String],
}

/// An attribute's modifiers as written, the last of each (repeats are
/// reported).
struct Modifiers<'a> {
    default: Option<&'a ast::Literal>,
    field: Option<&'a ast::StringLit>,
    format: Option<&'a ast::StringLit>,
    readonly: bool,
    role: AttributeRole,
}

impl Lowerer {
    // ---- entities --------------------------------------------------------

    pub(super) fn entity(&mut self, e: &ast::Entity, table: Option<&Table>) -> Option<Entity> {
        let rust_name = self.type_rust_name(&e.name, "entity");
        let (mut attributes, broken) = self.entity_attributes(e);
        let markers = self.markers(e);
        let timestamps = markers.spans.contains_key("timestamps");
        self.add_timestamps(e, &markers, &mut attributes);
        self.check_marker_formats(e);
        let model = table.map(|t| self.model(e, t.format)).unwrap_or_default();
        self.add_version(e, &markers, &mut attributes);
        self.check_single_roles(e, &attributes);
        let version = attributes
            .iter()
            .find(|a| a.role == AttributeRole::Version)
            .map(|a| a.name.clone());
        let ttl = attributes
            .iter()
            .find(|a| a.role == AttributeRole::Ttl)
            .map(|a| a.name.clone());

        let owner = IndexOwner {
            entity: e,
            attributes: &attributes,
            broken: &broken,
            primary_pk: primary_partition_key(e),
            version: version.as_deref(),
            model: &model,
        };
        let (primary, indexes) = self.entity_indexes(&owner, table);
        let projections = self.projections(e, &attributes, &broken);
        let uniques = self.uniques(e, &attributes, &broken);
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
            projections,
            uniques,
            span: e.name.span,
        })
    }

    /// The entity's declared attributes, and the names of those that did not
    /// resolve: keys naming them are skipped quietly (the cause is already
    /// reported).
    fn entity_attributes(&mut self, e: &ast::Entity) -> (Vec<Attribute>, BTreeSet<String>) {
        let mut attributes: Vec<Attribute> = Vec::new();
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
        (attributes, broken)
    }

    /// The entity's markers, reporting repeats.
    fn markers<'a>(&mut self, e: &'a ast::Entity) -> Markers<'a> {
        let mut markers = Markers {
            spans: BTreeMap::new(),
            docs: BTreeMap::new(),
        };
        for marker in &e.markers {
            let m = &marker.name;
            if !marker.docs.is_empty() {
                markers.docs.insert(&m.text, &marker.docs);
            }
            if let Some(first) = markers.spans.get(m.text.as_str()) {
                let message = format!("`{}` is written twice in entity `{}`", m.text, e.name.text);
                self.report_repeat(Code::RepeatedMarker, message, (m.span, *first), REPEATED)
                    .help("write it once");
                continue;
            }
            markers.spans.insert(&m.text, m.span);
        }
        markers
    }

    /// `timestamps`: adds createdAt and updatedAt, stored as its `@format`
    /// says.
    fn add_timestamps(&mut self, e: &ast::Entity, markers: &Markers<'_>, attributes: &mut Vec<Attribute>) {
        let Some(&span) = markers.spans.get("timestamps") else {
            return;
        };
        let time_format = e
            .markers
            .iter()
            .find(|m| m.name.text == "timestamps")
            .and_then(|m| m.format.as_ref())
            .and_then(|written| self.timestamps_format(written));
        for (name, role) in [
            (CREATED_AT, AttributeRole::CreatedAt),
            (UPDATED_AT, AttributeRole::UpdatedAt),
        ] {
            let implicit = ImplicitAttribute {
                name,
                ty: Type::Timestamp,
                role,
                time_format,
                marker: "timestamps",
                marker_span: span,
                marker_docs: markers.docs("timestamps"),
            };
            self.add_implicit(attributes, &e.name.text, implicit);
        }
    }

    /// Only `timestamps` takes a format.
    fn check_marker_formats(&mut self, e: &ast::Entity) {
        for marker in e.markers.iter().filter(|m| m.name.text != "timestamps") {
            if let Some(format) = &marker.format {
                let message = format!("`@format` on the `{}` marker", marker.name.text);
                self.report(Code::TimeFormat, message, format.span, "only timestamps have formats")
                    .help("remove `@format`");
            }
        }
    }

    /// The `version` marker: adds `version: u64`, unless an attribute is
    /// already marked `version`.
    fn add_version(&mut self, e: &ast::Entity, markers: &Markers<'_>, attributes: &mut Vec<Attribute>) {
        let Some(&span) = markers.spans.get("version") else {
            return;
        };
        if let Some(declared) = attributes.iter().find(|a| a.role == AttributeRole::Version) {
            let message = format!("entity `{}` has two version attributes", e.name.text);
            let label = "the `version` marker adds a `version: u64` attribute";
            self.report(Code::RepeatedMarker, message, span, label)
                .secondary(
                    declared.span,
                    format!("but `{}` is already marked `version`", declared.name),
                )
                .help("remove the marker, or the `version` modifier");
            return;
        }
        let implicit = ImplicitAttribute {
            name: VERSION,
            ty: Type::U64,
            role: AttributeRole::Version,
            time_format: None,
            marker: "version",
            marker_span: span,
            marker_docs: markers.docs("version"),
        };
        self.add_implicit(attributes, &e.name.text, implicit);
    }

    /// At most one declared `version` and one `ttl` attribute.
    fn check_single_roles(&mut self, e: &ast::Entity, attributes: &[Attribute]) {
        for role in [AttributeRole::Version, AttributeRole::Ttl] {
            let marked: Vec<&Attribute> = attributes.iter().filter(|a| a.role == role && !a.implicit).collect();
            let [first, rest @ ..] = marked.as_slice() else {
                continue;
            };
            let word = if role == AttributeRole::Version {
                "version"
            } else {
                "ttl"
            };
            for extra in rest {
                let message = format!("entity `{}` has more than one `{word}` attribute", e.name.text);
                let label = format!("`{word}` again here");
                self.report(Code::RepeatedMarker, message, extra.span, label)
                    .secondary(first.span, format!("first `{word}` attribute"))
                    .help(format!("an entity has at most one `{word}` attribute"));
            }
        }
    }

    /// The format of `timestamps @format("..")`.
    fn timestamps_format(&mut self, written: &ast::StringLit) -> Option<TimeFormat> {
        match TimeFormat::ALL.iter().find(|(w, _)| *w == written.value) {
            Some((_, TimeFormat::Rfc3339Nanos)) => None,
            Some((_, format)) => Some(*format),
            None => {
                self.unknown_time_format(written);
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
                let message = format!("`{}` in a table of dyngen's own format", setting.key.text);
                self.report(Code::KeyFormat, message, setting.key.span, "an ElectroDB model setting")
                    .help("add `format: electrodb` to the table, or remove this line");
                continue;
            }
            if let Some(first) = seen.get(setting.key.text.as_str()) {
                let message = format!("`{}` is set twice", setting.key.text);
                self.report_repeat(Code::DuplicateModifier, message, (setting.span, *first), SET_AGAIN)
                    .help("keep one of them");
                continue;
            }
            seen.insert(&setting.key.text, setting.span);
            if setting.value.value.is_empty() {
                let message = format!("an empty `{}`", setting.key.text);
                self.report(Code::KeyFormat, message, setting.value.span, "empty")
                    .help("write the name or version the ElectroDB model declares");
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

    /// Adds an attribute a marker maintains, unless the entity declares one
    /// of that name itself.
    fn add_implicit(&mut self, attributes: &mut Vec<Attribute>, entity: &str, implicit: ImplicitAttribute<'_>) {
        let ImplicitAttribute {
            name,
            ty,
            role,
            time_format,
            marker,
            marker_span,
            marker_docs,
        } = implicit;
        if let Some(existing) = attributes.iter().find(|a| a.name == name) {
            let message = format!("entity `{entity}` declares `{name}`, which `{marker}` adds");
            self.report(Code::FieldIsReserved, message, existing.span, "declared here")
                .secondary(marker_span, format!("`{marker}` adds `{name}`"))
                .help(format!(
                    "remove the declaration (dyngen maintains `{name}`), or rename the attribute"
                ));
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
            time_format,
            span: marker_span,
        });
    }

    // ---- attributes ------------------------------------------------------

    /// Lowers one attribute; `None` when its type does not resolve.
    pub(super) fn attribute(&mut self, a: &ast::Attribute) -> Option<Attribute> {
        let ty = self.type_expr(&a.ty, true);
        let rust_name = self.value_rust_name(&a.name, "attribute");
        let modifiers = self.modifiers(a);
        let ty = ty?;
        let optional = a.ty.optional.is_some();
        if let Some(f) = modifiers.field {
            if f.value.is_empty() {
                self.empty_field_name(f.span);
            }
        }
        let default = self.attribute_default(a, modifiers.default, &ty);
        self.check_role_type(a, &ty, modifiers.role);
        let time_format = self.time_format(a, &ty, modifiers.role, modifiers.format);
        Some(Attribute {
            name: a.name.text.clone(),
            rust_name,
            field: modifiers.field.map_or_else(|| a.name.text.clone(), |f| f.value.clone()),
            time_format,
            docs: a.docs.clone(),
            ty,
            optional,
            default,
            readonly: modifiers.readonly,
            role: modifiers.role,
            implicit: false,
            span: a.name.span,
        })
    }

    /// The attribute's modifiers, reporting repeats and a `version` that is
    /// also `ttl`.
    fn modifiers<'a>(&mut self, a: &'a ast::Attribute) -> Modifiers<'a> {
        let mut modifiers = Modifiers {
            default: None,
            field: None,
            format: None,
            readonly: false,
            role: AttributeRole::Data,
        };
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        for suffix in &a.suffixes {
            let word = match &suffix.kind {
                ast::AttrSuffixKind::Default(lit) => {
                    modifiers.default = Some(lit);
                    "a default"
                }
                ast::AttrSuffixKind::Field(s) => {
                    modifiers.field = Some(s);
                    "@field"
                }
                ast::AttrSuffixKind::Readonly => {
                    modifiers.readonly = true;
                    "readonly"
                }
                ast::AttrSuffixKind::Version => {
                    modifiers.role = AttributeRole::Version;
                    "version"
                }
                ast::AttrSuffixKind::Ttl => {
                    modifiers.role = AttributeRole::Ttl;
                    "ttl"
                }
                // An entity's unique sets are read from the AST (`lists`).
                ast::AttrSuffixKind::Unique => "unique",
                ast::AttrSuffixKind::Format(s) => {
                    modifiers.format = Some(s);
                    "@format"
                }
            };
            if let Some(first) = seen.get(word) {
                let message = format!("attribute `{}` has {word} twice", a.name.text);
                self.report_repeat(Code::DuplicateModifier, message, (suffix.span, *first), REPEATED)
                    .help("keep one of them");
            }
            seen.insert(word, suffix.span);
        }
        if seen.contains_key("version") && seen.contains_key("ttl") {
            let message = format!("attribute `{}` is both `version` and `ttl`", a.name.text);
            let label = "one attribute cannot be both";
            self.report(Code::RepeatedMarker, message, a.name.span, label)
                .help("the version counts writes; the ttl is an expiry time: use two attributes");
        }
        modifiers
    }

    /// The attribute's default, if it has one that fits.
    fn attribute_default(&mut self, a: &ast::Attribute, default: Option<&ast::Literal>, ty: &Type) -> Option<Value> {
        let lit = default?;
        if a.ty.optional.is_some() {
            let message = format!("optional attribute `{}` has a default", a.name.text);
            self.report(Code::OptionalWithDefault, message, lit.span, "default here")
                .secondary(a.ty.optional.unwrap_or(a.ty.span), "optional here")
                .help("a default means the attribute always has a value: remove the `?`, or remove the default");
            return None;
        }
        self.default_value(lit, ty, &a.name)
    }

    /// A `version` attribute counts (a required integer); a `ttl` one holds
    /// epoch seconds.
    fn check_role_type(&mut self, a: &ast::Attribute, ty: &Type, role: AttributeRole) {
        let optional = a.ty.optional.is_some();
        match role {
            AttributeRole::Version if !ty.is_integer() => {
                let message = format!("version attribute `{}` is a `{}`", a.name.text, ty.describe());
                self.report(Code::VersionType, message, a.ty.span, "not an integer")
                    .help("optimistic locking counts writes: use `u64` (or another integer type)");
            }
            AttributeRole::Version if optional => {
                let message = format!("version attribute `{}` is optional", a.name.text);
                let span = a.ty.optional.unwrap_or(a.ty.span);
                self.report(Code::VersionType, message, span, "remove this `?`")
                    .help("every item has a version; dyngen sets it to 1 on create");
            }
            AttributeRole::Ttl if !matches!(ty, Type::I64 | Type::U64 | Type::Timestamp) => {
                let message = format!("ttl attribute `{}` is a `{}`", a.name.text, ty.describe());
                self.report(Code::TtlType, message, a.ty.span, "not an epoch-seconds number")
                    .note("DynamoDB's TTL reads a Number holding seconds since the Unix epoch; 32-bit types end in 2038 or 2106")
                    .help("use `i64`, `u64` or `timestamp` (stored as epoch seconds)");
            }
            _ => {}
        }
    }
}
