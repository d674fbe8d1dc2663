//! View-models of what writes need: an entity's attributes for conditions,
//! the bookkeeping `Entity` items (stored names, timestamps, version), and
//! the typed update builder with its key recomposition.
//!
//! The rule the update builder enforces (docs/writes.md): a setter of an
//! attribute that is a composite of secondary-index keys rewrites those key
//! attributes in the same request. Composites of those keys that are
//! neither primary-key composites (known from the key) nor the attribute
//! itself become parameters of the setter, so a key can never be built from
//! a value the update does not know; those parameters are written too, and
//! so the keys *they* are part of are rewritten as well (the closure).
//! Read-only composites cannot be written: the value given is checked by a
//! condition instead.

use crate::view::{lit, rust_type, RT};
use dyngen_dsl::ir::{Attribute, AttributeRole, Entity, EntityIndex, KeyTemplate, Schema, Type};
use dyngen_dsl::names::{self, Setter};
use std::collections::BTreeSet;

/// A method of a generated builder: docs, signature and body, as text.
pub struct MethodView {
    pub docs: Vec<String>,
    /// `set_status(mut self, status: IssueStatus) -> Self`, without `pub fn`.
    pub signature: String,
    pub body: Vec<String>,
}

/// `pub <name>: Attr<Entity, T>` of the attributes struct.
pub struct AttrFieldView {
    pub docs: String,
    pub rust_name: String,
    pub attr_type: String,
    pub init: String,
}

pub struct WritesView {
    pub attributes_type: String,
    pub attributes_docs: String,
    pub attr_fields: Vec<AttrFieldView>,
    pub update_type: String,
    /// Stored names `upsert` may remove, as literals.
    pub stored: Vec<String>,
    /// The `Maintained` constant.
    pub maintained: String,
    /// Stored names of the readonly attributes `upsert` must not change, as literals.
    pub readonly: Vec<String>,
    /// Statements of `touch(&mut self, now)`.
    pub touch: Vec<String>,
    /// (rust name, rust type, entity name literal, attribute literal) of the version.
    pub version: Option<(String, String, String, String)>,
    /// Pending key composites of the update builder: (rust name, type).
    pub pending: Vec<(String, String)>,
    /// `update(...)` on the client.
    pub constructor: MethodView,
    /// `delete(...)` and `delete_existing(...)` of a versioned entity,
    /// shadowing the unversioned ones.
    pub versioned_deletes: Vec<MethodView>,
    pub setters: Vec<MethodView>,
    /// Statements of `finish(mut self)`, which writes keys and pending values.
    pub finish: Vec<String>,
    /// Whether the builder keeps the primary key: some rewritten key holds a
    /// primary-key composite.
    pub keeps_key: bool,
}

/// The type an attribute has in conditions: its value type, with a `ttl`
/// timestamp compared as the epoch seconds it is stored as.
fn attr_value_type(schema: &Schema, attr: &Attribute) -> String {
    match crate::view::time_wrapper(attr) {
        Some(wrapper) => format!("{RT}::value::{wrapper}"),
        None => rust_type(schema, &attr.ty),
    }
}

/// Writes `value` (a `&T` expression) into the update.
fn set_call(attr: &Attribute, value: &str) -> String {
    let value = if let Some(wrapper) = crate::view::time_wrapper(attr) {
        // The wrapper holds the (`Copy`) timestamp itself.
        let inner = value
            .strip_prefix('&')
            .map_or_else(|| format!("*{value}"), str::to_string);
        format!("&{RT}::value::{wrapper}({inner})")
    } else {
        value.to_string()
    };
    format!("self.update.set({}, {value});", lit(&attr.field))
}

/// One secondary key attribute an entity writes.
struct SecondaryKey<'a> {
    index: &'a EntityIndex,
    template: &'a KeyTemplate,
    fn_name: String,
}

fn secondary_keys(entity: &Entity) -> Vec<SecondaryKey<'_>> {
    let mut keys = Vec::new();
    for index in &entity.indexes {
        let local = matches!(index.table_index, dyngen_dsl::ir::TableIndexRef::Local(_));
        let base = index.rust_name.trim_start_matches("r#");
        if !local {
            keys.push(SecondaryKey {
                index,
                template: &index.pk,
                fn_name: format!("{base}_pk"),
            });
        }
        if let Some(sk) = &index.sk {
            keys.push(SecondaryKey {
                index,
                template: sk,
                fn_name: format!("{base}_sk"),
            });
        }
    }
    keys
}

struct Analysis<'a> {
    entity: &'a Entity,
    primary_composites: BTreeSet<&'a str>,
    keys: Vec<SecondaryKey<'a>>,
}

impl<'a> Analysis<'a> {
    fn new(entity: &'a Entity) -> Self {
        let primary_composites = std::iter::once(&entity.primary.pk)
            .chain(&entity.primary.sk)
            .flat_map(|t| &t.composites)
            .map(String::as_str)
            .collect();
        Analysis {
            entity,
            primary_composites,
            keys: secondary_keys(entity),
        }
    }

    fn in_primary_key(&self, attr: &Attribute) -> bool {
        self.primary_composites.contains(attr.name.as_str())
    }

    /// Whether an update can write the attribute: data (and the expiry),
    /// not read-only, not part of the primary key (the rule of
    /// `names::setters`, which decides the methods).
    fn writable(&self, attr: &Attribute) -> bool {
        !names::setters(self.entity, attr).is_empty()
    }

    fn is_secondary_composite(&self, attr: &Attribute) -> bool {
        self.keys.iter().any(|k| k.template.composites.contains(&attr.name))
    }

    /// Whether an update keeps the attribute as a pending value, written
    /// (or checked) by `finish` together with the keys.
    fn pending(&self, attr: &Attribute) -> bool {
        !self.in_primary_key(attr) && attr.role != AttributeRole::UpdatedAt && self.is_secondary_composite(attr)
    }

    /// The attributes a write of `seed` must also know (see the module
    /// docs), in declaration order, `seed` excluded.
    fn closure(&self, seed: &Attribute) -> Vec<&'a Attribute> {
        let mut known: BTreeSet<&str> = BTreeSet::from([seed.name.as_str()]);
        let mut queue = vec![seed.name.clone()];
        while let Some(name) = queue.pop() {
            for key in self.keys.iter().filter(|k| k.template.composites.contains(&name)) {
                for composite in &key.template.composites {
                    let Some(attr) = self.entity.attribute(composite) else {
                        continue;
                    };
                    if self.in_primary_key(attr) || attr.role == AttributeRole::UpdatedAt {
                        continue;
                    }
                    if known.insert(attr.name.as_str()) && self.writable(attr) {
                        queue.push(attr.name.clone());
                    }
                }
            }
        }
        self.entity
            .attributes
            .iter()
            .filter(|a| a.name != seed.name && known.contains(a.name.as_str()))
            .collect()
    }

    /// The secondary key attributes a write of `attr` rewrites, for docs.
    fn rewritten_by(&self, attrs: &[&Attribute]) -> Vec<String> {
        self.keys
            .iter()
            .filter(|k| attrs.iter().any(|a| k.template.composites.contains(&a.name)))
            .map(|k| format!("`{}` (access pattern `{}`)", k.template.field, k.index.name))
            .collect()
    }
}

/// The parameter type a setter takes for an attribute's value.
fn param_type(schema: &Schema, attr: &Attribute, optional: bool) -> String {
    let ty = rust_type(schema, &attr.ty);
    match (optional, &attr.ty) {
        (true, _) => format!("::std::option::Option<{ty}>"),
        (false, Type::String) => "impl ::std::convert::Into<::std::string::String>".into(),
        (false, _) => ty,
    }
}

/// `let value = <the parameter, converted>;` for a setter's body, or
/// nothing when the parameter is `value` already (an attribute named
/// `value` that needs no conversion).
fn value_binding(attr: &Attribute) -> Option<String> {
    let converted = param_value(attr, &attr.rust_name, false);
    (converted != "value").then(|| format!("let value = {converted};"))
}

/// The value of parameter `name` for `attr`, converted as its field needs.
fn param_value(attr: &Attribute, name: &str, optional: bool) -> String {
    match (optional, &attr.ty) {
        (false, Type::String) => format!("{name}.into()"),
        _ => name.to_owned(),
    }
}

/// The private field (and pattern binding) holding an attribute's pending
/// value: its Rust name with a trailing `_`, which no attribute's own Rust
/// name has (snake case never ends in `_`), so it never meets the builder's
/// own fields (`update`, `key`) or locals (`now`, `value`), whatever the
/// attributes are called.
fn pending_field(attr: &Attribute) -> String {
    format!("{}_", attr.rust_name.trim_start_matches("r#"))
}

/// Names the `update` constructor takes for itself.
const CONSTRUCTOR_OWN_NAMES: &[&str] = &["key", "expected_version", "update"];

/// The constructor's parameter for an attribute: its Rust name, or the
/// pending-field name when that is one of the constructor's own.
fn constructor_param(attr: &Attribute) -> String {
    if CONSTRUCTOR_OWN_NAMES.contains(&attr.rust_name.as_str()) {
        pending_field(attr)
    } else {
        attr.rust_name.clone()
    }
}

/// Assigns a parameter to its pending field.
fn pending_assign(attr: &Attribute, as_param: bool) -> String {
    let name = pending_field(attr);
    let value = param_value(attr, &attr.rust_name, as_param && attr.optional);
    if attr.optional && !as_param {
        format!("self.{name} = ::std::option::Option::Some(::std::option::Option::Some({value}));")
    } else {
        format!("self.{name} = ::std::option::Option::Some({value});")
    }
}

fn pending_type(schema: &Schema, attr: &Attribute) -> String {
    let ty = rust_type(schema, &attr.ty);
    if attr.optional {
        format!("::std::option::Option<::std::option::Option<{ty}>>")
    } else {
        format!("::std::option::Option<{ty}>")
    }
}

fn joined(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

pub fn writes_view(schema: &Schema, entity: &Entity) -> WritesView {
    let analysis = Analysis::new(entity);
    let e = &entity.rust_name;
    let attributes_type = names::attributes_type(e);
    let update_type = names::update_type(e);

    let attr_fields = entity
        .attributes
        .iter()
        .map(|a| {
            let value_type = attr_value_type(schema, a);
            AttrFieldView {
                docs: format!("/// Attribute `{}`.", a.name),
                rust_name: a.rust_name.clone(),
                attr_type: format!("{RT}::Attr<{e}, {value_type}>"),
                // Stored only in a key, as text: conditions compare that text.
                init: match entity.key_stored_form(a).filter(|stored| stored.from_text) {
                    Some(stored) => format!(
                        "{RT}::Attr::key_text({}, {}, {})",
                        lit(&a.field),
                        lit(&stored.prefix),
                        lit(&stored.suffix)
                    ),
                    None => format!("{RT}::Attr::attribute({})", lit(&a.field)),
                },
            }
        })
        .collect();

    let mut stored: BTreeSet<&str> = entity.attributes.iter().map(|a| a.field.as_str()).collect();
    for key in &analysis.keys {
        stored.insert(&key.template.field);
    }
    // An attribute stored in the primary key is the key: never removed.
    for key in std::iter::once(&entity.primary.pk).chain(&entity.primary.sk) {
        stored.remove(key.field.as_str());
    }
    let field_of = |role: AttributeRole| {
        entity
            .attributes
            .iter()
            .find(|a| a.role == role)
            .map_or("::std::option::Option::None".to_string(), |a| {
                format!("::std::option::Option::Some({})", lit(&a.field))
            })
    };
    let maintained = format!(
        "{RT}::Maintained {{ created_at: {}, updated_at: {}, version: {}, ttl: {} }}",
        field_of(AttributeRole::CreatedAt),
        field_of(AttributeRole::UpdatedAt),
        field_of(AttributeRole::Version),
        field_of(AttributeRole::Ttl)
    );
    let touch = entity
        .attributes
        .iter()
        .filter(|a| matches!(a.role, AttributeRole::CreatedAt | AttributeRole::UpdatedAt))
        .map(|a| format!("self.{} = now;", a.rust_name))
        .collect();
    let version_attr = entity.attributes.iter().find(|a| a.role == AttributeRole::Version);
    let version = version_attr.map(|a| {
        (
            a.rust_name.clone(),
            rust_type(schema, &a.ty),
            lit(&entity.name),
            lit(&a.field),
        )
    });

    let pending_attrs: Vec<&Attribute> = entity.attributes.iter().filter(|a| analysis.pending(a)).collect();
    let pending = pending_attrs
        .iter()
        .map(|a| (pending_field(a), pending_type(schema, a)))
        .collect();

    // The constructor: `updatedAt` changes on every update, so keys holding
    // it need their other composites from the start.
    let updated_at = entity.attributes.iter().find(|a| a.role == AttributeRole::UpdatedAt);
    let constructor_params: Vec<&Attribute> = updated_at.map(|u| analysis.closure(u)).unwrap_or_default();
    let mut signature = format!("update(&self, key: &{}", names::key_type(e));
    let mut body = vec![format!(
        "let {}update = {RT}::Update::new({RT}::EntityClient::table(&self.0), key);",
        if version_attr.is_some() { "mut " } else { "" }
    )];
    let mut constructor_docs = vec![
        format!(
            "/// Changes attributes of an existing `{}` item; await it to run it,",
            entity.name
        ),
        "/// which fails with `NotFound` when there is no such item. Key attributes".to_string(),
        "/// of secondary indexes follow the attributes they are built from.".to_string(),
    ];
    if let Some(version) = version_attr {
        signature.push_str(&format!(", expected_version: {}", rust_type(schema, &version.ty)));
        body.push("update.expect_version(i128::from(expected_version));".to_string());
        constructor_docs.push("///".to_string());
        constructor_docs.push(format!(
            "/// `expected_version` is the `{}` last read: another write since then makes",
            version.name
        ));
        constructor_docs.push("/// the update fail with `VersionConflict`.".to_string());
    }
    for attr in &constructor_params {
        signature.push_str(&format!(
            ", {}: {}",
            constructor_param(attr),
            param_type(schema, attr, attr.optional)
        ));
    }
    if let (Some(updated_at), false) = (updated_at, constructor_params.is_empty()) {
        let names: Vec<String> = constructor_params.iter().map(|a| format!("`{}`", a.name)).collect();
        constructor_docs.push("///".to_string());
        constructor_docs.push(format!(
            "/// Every update rewrites `updatedAt`, and with it {}, which also",
            joined(&analysis.rewritten_by(&[updated_at]))
        ));
        constructor_docs.push(format!("/// hold {}: they are written as given.", joined(&names)));
    }
    signature.push_str(&format!(") -> {update_type}<'t>"));
    let finish = finish(schema, &analysis, &pending_attrs);
    let keeps_key = finish.iter().any(|line| line.contains("self.key."));
    let mut fields: Vec<String> = vec!["update".into()];
    if keeps_key {
        fields.push("key: ::std::clone::Clone::clone(key)".into());
    }
    for attr in &pending_attrs {
        if let Some(param) = constructor_params.iter().find(|p| p.name == attr.name) {
            let value = param_value(param, &constructor_param(param), param.optional);
            fields.push(format!("{}: ::std::option::Option::Some({value})", pending_field(attr)));
        } else {
            fields.push(format!("{}: ::std::option::Option::None", pending_field(attr)));
        }
    }
    body.push(format!("{update_type} {{ {} }}", fields.join(", ")));
    let constructor = MethodView {
        docs: constructor_docs,
        signature,
        body,
    };

    // Both deletes of a versioned entity take the expected version; they
    // hide the runtime's unversioned ones (reached only through an explicit
    // deref, the deliberate escape hatch).
    let versioned_deletes = version_attr
        .map(|version| {
            ["delete", "delete_existing"]
                .into_iter()
                .map(|method| MethodView {
                    docs: vec![
                        format!(
                            "/// Deletes the `{}` item if its version is `expected_version`:",
                            entity.name
                        ),
                        "/// otherwise `VersionConflict`, or `NotFound` when there is no item.".to_string(),
                    ],
                    signature: format!(
                        "{method}(&self, key: &{}, expected_version: {}) -> {RT}::Delete<'t, {e}>",
                        names::key_type(e),
                        rust_type(schema, &version.ty)
                    ),
                    body: vec!["self.0.delete(key).expect_version(i128::from(expected_version))".to_string()],
                })
                .collect()
        })
        .unwrap_or_default();

    let setters = entity
        .attributes
        .iter()
        .filter(|a| analysis.writable(a))
        .flat_map(|a| setters(schema, &analysis, a))
        .collect();

    WritesView {
        attributes_docs: format!(
            "/// The attributes of `{}` items, for conditions and filters:\n/// `|a| a.{}.exists()`.",
            entity.name,
            entity.attributes.first().map_or("name", |a| a.rust_name.as_str())
        ),
        attributes_type,
        attr_fields,
        update_type,
        stored: stored.into_iter().map(lit).collect(),
        maintained,
        readonly: entity
            .attributes
            .iter()
            // dyngen writes the maintained ones itself (a `readonly version`
            // changes on every write by design).
            .filter(|a| a.readonly && matches!(a.role, AttributeRole::Data | AttributeRole::Ttl))
            .map(|a| lit(&a.field))
            .collect(),
        touch,
        version,
        pending,
        constructor,
        versioned_deletes,
        setters,
        finish,
        keeps_key,
    }
}

fn setters(schema: &Schema, analysis: &Analysis<'_>, attr: &Attribute) -> Vec<MethodView> {
    names::setters(analysis.entity, attr)
        .into_iter()
        .map(|setter| setter_method(schema, analysis, attr, setter))
        .collect()
}

/// One update-builder method; which ones an attribute gets is decided by
/// `dyngen_dsl::names::setters`, which validation uses too.
fn setter_method(schema: &Schema, analysis: &Analysis<'_>, attr: &Attribute, setter: Setter) -> MethodView {
    let name = &attr.rust_name;
    let method = setter.method_name(name);
    let field = lit(&attr.field);
    let ty = rust_type(schema, &attr.ty);
    let pending = analysis.pending(attr);
    match setter {
        Setter::Set if pending => {
            let params = analysis.closure(attr);
            let mut signature = format!("{method}(mut self, {name}: {}", param_type(schema, attr, false));
            let mut body = vec![pending_assign(attr, false)];
            for p in &params {
                signature.push_str(&format!(", {}: {}", p.rust_name, param_type(schema, p, p.optional)));
                body.push(pending_assign(p, true));
            }
            signature.push_str(") -> Self");
            body.push("self".into());
            let mut with = vec![attr];
            with.extend(params.iter().copied());
            let mut docs = vec![format!(
                "/// Sets `{}`, and rewrites {}.",
                attr.name,
                joined(&analysis.rewritten_by(&with))
            )];
            if !params.is_empty() {
                let names: Vec<String> = params.iter().map(|p| format!("`{}`", p.name)).collect();
                docs.push(format!(
                    "/// Those keys also hold {}, so they are needed and written as given{}.",
                    joined(&names),
                    if params.iter().any(|p| !analysis.writable(p)) {
                        " (a read-only one is checked against the stored value instead)"
                    } else {
                        ""
                    }
                ));
            }
            MethodView { docs, signature, body }
        }
        Setter::Remove if pending => MethodView {
            docs: vec![format!(
                "/// Removes `{}`, and with it {}: the item leaves those sparse indexes.",
                attr.name,
                joined(&analysis.rewritten_by(&[attr]))
            )],
            signature: format!("{method}(mut self) -> Self"),
            body: vec![
                format!(
                    "self.{} = ::std::option::Option::Some(::std::option::Option::None);",
                    pending_field(attr)
                ),
                "self".into(),
            ],
        },
        Setter::Set => MethodView {
            docs: vec![format!("/// Sets `{}`.", attr.name)],
            signature: format!(
                "{method}(mut self, {name}: {}) -> Self",
                param_type(schema, attr, false)
            ),
            body: [value_binding(attr), Some(set_call(attr, "&value")), Some("self".into())]
                .into_iter()
                .flatten()
                .collect(),
        },
        Setter::Remove => MethodView {
            docs: vec![format!("/// Removes `{}`.", attr.name)],
            signature: format!("{method}(mut self) -> Self"),
            body: vec![format!("self.update.remove({field});"), "self".into()],
        },
        Setter::SetIfAbsent => {
            let value_expr = if let Some(wrapper) = crate::view::time_wrapper(attr) {
                format!("&{RT}::value::{wrapper}(value)")
            } else {
                "&value".to_string()
            };
            MethodView {
                docs: vec![format!("/// Sets `{}` only if the item has none.", attr.name)],
                signature: format!(
                    "{method}(mut self, {name}: {}) -> Self",
                    param_type(schema, attr, false)
                ),
                body: [
                    value_binding(attr),
                    Some(format!("self.update.set_if_absent({field}, {value_expr});")),
                    Some("self".into()),
                ]
                .into_iter()
                .flatten()
                .collect(),
            }
        }
        Setter::Add | Setter::Subtract => {
            let (verb, doc) = if setter == Setter::Add {
                ("add", "Adds to")
            } else {
                ("subtract", "Subtracts from")
            };
            let (call, bounds) = if attr.ty.is_integer() {
                (
                    format!(
                        "self.update.{verb}_integer({field}, i128::from({name}), i128::from({ty}::MIN), i128::from({ty}::MAX));"
                    ),
                    format!(" A result outside `{ty}` fails with `ConditionFailed` and changes nothing."),
                )
            } else {
                (format!("self.update.{verb}({field}, &{name});"), String::new())
            };
            MethodView {
                docs: vec![format!(
                    "/// {doc} `{}` (absent counts as zero), in the database.{bounds}",
                    attr.name
                )],
                signature: format!("{method}(mut self, {name}: {ty}) -> Self"),
                body: vec![call, "self".into()],
            }
        }
        Setter::Append | Setter::Prepend => {
            let element = element_type(schema, &attr.ty);
            let (verb, doc) = if setter == Setter::Append {
                ("append", "Adds elements at the end of")
            } else {
                ("prepend", "Adds elements at the start of")
            };
            MethodView {
                docs: vec![format!("/// {doc} `{}` (absent counts as empty).", attr.name)],
                signature: format!(
                    "{method}(mut self, elements: impl ::std::iter::IntoIterator<Item = {element}>) -> Self"
                ),
                body: vec![
                    "let elements: ::std::vec::Vec<_> = ::std::iter::IntoIterator::into_iter(elements).collect();"
                        .into(),
                    format!("self.update.{verb}({field}, &elements);"),
                    "self".into(),
                ],
            }
        }
        Setter::AddTo | Setter::DeleteFrom => {
            let element = element_type(schema, &attr.ty);
            let (runtime, doc) = if setter == Setter::AddTo {
                ("add_elements", "Adds elements to")
            } else {
                ("delete_elements", "Deletes elements from")
            };
            MethodView {
                docs: vec![format!("/// {doc} the set `{}`, in the database.", attr.name)],
                signature: format!(
                    "{method}(mut self, elements: impl ::std::iter::IntoIterator<Item = {element}>) -> Self"
                ),
                body: vec![
                    "let elements: ::std::collections::BTreeSet<_> = ::std::iter::IntoIterator::into_iter(elements).collect();".into(),
                    format!("self.update.{runtime}({field}, &elements);"),
                    "self".into(),
                ],
            }
        }
    }
}

/// The element type of a list or set (`names::setters` gives element
/// operators to those only).
fn element_type(schema: &Schema, ty: &Type) -> String {
    match ty {
        Type::List(element) | Type::Set(element) => rust_type(schema, element),
        other => rust_type(schema, other),
    }
}

/// `finish`: rewrite every secondary key attribute a pending value (or
/// `updatedAt`) is part of, then write the pending values.
fn finish(schema: &Schema, analysis: &Analysis<'_>, pending: &[&Attribute]) -> Vec<String> {
    let entity = analysis.entity;
    let e = &entity.rust_name;
    let mut lines = Vec::new();
    let uses_now = analysis.keys.iter().any(|k| {
        k.template
            .composites
            .iter()
            .filter_map(|c| entity.attribute(c))
            .any(|a| a.role == AttributeRole::UpdatedAt)
    });
    if uses_now {
        lines.push("let now = self.update.now();".to_string());
    }
    let mut rewritten = BTreeSet::new();
    for key in &analysis.keys {
        // Two indexes' keys may share a physical attribute: rewritten once.
        if !rewritten.insert(key.template.field.as_str()) {
            continue;
        }
        if entity
            .raw_key_attribute(key.template)
            .is_some_and(|a| a.field == key.template.field)
        {
            // The key attribute is the attribute itself: setting (or
            // removing) the attribute writes it.
            continue;
        }
        let parts: Vec<(&Attribute, Option<dyngen_dsl::ir::Derive>)> = key
            .template
            .values()
            .filter_map(|v| entity.attribute(&v.attribute).map(|a| (a, v.derive)))
            .collect();
        // Each attribute once, though a key may hold it and a part derived
        // from it (`{month(created)}#{created}`).
        let mut composites: Vec<&Attribute> = Vec::new();
        for (a, _) in &parts {
            if !composites.iter().any(|c| c.name == a.name) {
                composites.push(a);
            }
        }
        let pending_here: Vec<&Attribute> = composites.iter().copied().filter(|a| analysis.pending(a)).collect();
        let has_now = composites.iter().any(|a| a.role == AttributeRole::UpdatedAt);
        if pending_here.is_empty() && !has_now {
            // Built from primary-key composites only: it never changes.
            continue;
        }
        let field = lit(&key.template.field);
        let args: Vec<String> = parts
            .iter()
            .map(|(a, derive)| {
                let source = if a.role == AttributeRole::UpdatedAt {
                    "&now".to_string()
                } else if analysis.in_primary_key(a) {
                    format!("&self.key.{}", a.rust_name)
                } else {
                    pending_field(a)
                };
                crate::view::derived_arg(*derive, &source)
            })
            .collect();
        let build = match key.template.layout.attr_type {
            dyngen_dsl::ir::KeyType::S => format!(
                "self.update.set_key({field}, {e}::{}({}));",
                key.fn_name,
                args.join(", ")
            ),
            other => format!(
                "self.update.set_key_typed({field}, {}, {e}::{}({}));",
                crate::view::key_type(other),
                key.fn_name,
                args.join(", ")
            ),
        };
        if pending_here.is_empty() {
            lines.push(build);
            continue;
        }
        let optional = pending_here.iter().any(|a| a.optional);
        let values: Vec<String> = pending_here
            .iter()
            .map(|a| {
                if a.optional {
                    format!(
                        "self.{}.as_ref().and_then(::std::option::Option::as_ref)",
                        pending_field(a)
                    )
                } else {
                    format!("self.{}.as_ref()", pending_field(a))
                }
            })
            .collect();
        let patterns: Vec<String> = pending_here
            .iter()
            .map(|a| format!("::std::option::Option::Some({})", pending_field(a)))
            .collect();
        let (pattern, value) = match (patterns.as_slice(), values.as_slice()) {
            ([pattern], [value]) => (pattern.clone(), value.clone()),
            _ => (format!("({})", patterns.join(", ")), format!("({})", values.join(", "))),
        };
        if !optional {
            // The closure makes every composite known whenever one is set:
            // with all of them present, the key is written.
            lines.push(format!("if let {pattern} = {value} {{ {build} }}"));
            continue;
        }
        // An optional composite set to none removes the key attribute: the
        // item leaves that sparse index.
        let touched: Vec<String> = pending_here
            .iter()
            .map(|a| format!("self.{}.is_some()", pending_field(a)))
            .collect();
        let condition = if has_now {
            String::new()
        } else {
            format!("if {} ", touched.join(" || "))
        };
        lines.push(format!(
            "{condition}{{ match {value} {{ {pattern} => {{ {build} }} _ => self.update.remove({field}), }} }}"
        ));
    }
    for attr in pending {
        let name = pending_field(attr);
        let field = lit(&attr.field);
        if analysis.writable(attr) {
            if attr.optional {
                lines.push(format!(
                    "match &self.{name} {{ ::std::option::Option::Some(::std::option::Option::Some(value)) => {{ {} }} ::std::option::Option::Some(::std::option::Option::None) => self.update.remove({field}), ::std::option::Option::None => {{}} }}",
                    set_call(attr, "value")
                ));
            } else {
                lines.push(format!(
                    "if let ::std::option::Option::Some(value) = &self.{name} {{ {} }}",
                    set_call(attr, "value")
                ));
            }
        } else {
            // Read-only: the given value must be the stored one.
            let ty = attr_value_type(schema, attr);
            let attr_expr = format!("{RT}::Attr::<{e}, {ty}>::attribute({field})");
            let value = if let Some(wrapper) = crate::view::time_wrapper(attr) {
                format!("{RT}::value::{wrapper}(*value)")
            } else {
                "::std::clone::Clone::clone(value)".to_string()
            };
            if attr.optional {
                lines.push(format!(
                    "match &self.{name} {{ ::std::option::Option::Some(::std::option::Option::Some(value)) => self.update.condition({attr_expr}.eq({value})), ::std::option::Option::Some(::std::option::Option::None) => self.update.condition({attr_expr}.not_exists()), ::std::option::Option::None => {{}} }}"
                ));
            } else {
                lines.push(format!(
                    "if let ::std::option::Option::Some(value) = &self.{name} {{ self.update.condition({attr_expr}.eq({value})); }}"
                ));
            }
        }
    }
    lines
}

/// The fields of a struct as `Attr`s below a path, for conditions.
pub struct FieldsView {
    pub type_name: String,
    pub struct_name: String,
    pub rust_name: String,
    /// (docs, rust name, value type, stored name literal).
    pub fields: Vec<(String, String, String, String)>,
}

pub fn fields_view(schema: &Schema, s: &dyngen_dsl::ir::Struct) -> FieldsView {
    FieldsView {
        type_name: names::fields_type(&s.rust_name),
        struct_name: s.name.clone(),
        rust_name: s.rust_name.clone(),
        fields: s
            .fields
            .iter()
            .map(|f| {
                (
                    format!("/// Field `{}`.", f.name),
                    f.rust_name.clone(),
                    rust_type(schema, &f.ty),
                    lit(&f.field),
                )
            })
            .collect(),
    }
}
