//! An entity's typed update builder: the client's `update` constructor
//! (and the versioned deletes beside it), one setter per attribute write,
//! and `finish`, which recomposes the secondary keys the writes change.
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

use super::common::{
    attr_value_type, bare, derived_arg, joined, key_type, lit, rust_type, secondary_keys, time_wrapper, NamedType,
    SecondaryKey, RT,
};
use dyngen_dsl::ir::{Attribute, AttributeRole, Derive, Entity, KeyType, Schema, Type};
use dyngen_dsl::names::{self, Setter};
use std::collections::BTreeSet;

/// A method of the update builder: `<name>(mut self, <params>) -> Self`.
pub struct SetterView {
    pub docs: Vec<String>,
    pub name: String,
    pub params: Vec<NamedType>,
    /// Statements before the builder is returned.
    pub body: Vec<String>,
}

/// The client's `update(&self, key, ..)`, which starts an update.
pub struct ConstructorView {
    /// Composites of the keys holding `updatedAt`, which every update
    /// rewrites: given from the start.
    pub params: Vec<NamedType>,
    /// For the docs, when there are `params`: the keys holding `updatedAt`,
    /// and the params' attributes.
    pub rewritten: String,
    pub given: String,
    /// The builder's pending fields, each with the parameter it starts from.
    pub pending: Vec<PendingInit>,
}

/// A pending field of the update builder as the constructor sets it.
pub struct PendingInit {
    pub name: String,
    /// The constructor's parameter (converted), or `None`: not set yet.
    pub value: Option<String>,
}

pub struct UpdateView {
    pub update_type: String,
    /// Pending key composites of the update builder: its private fields.
    pub pending: Vec<NamedType>,
    pub constructor: ConstructorView,
    pub setters: Vec<SetterView>,
    /// Statements of `finish(mut self)`, which writes keys and pending values.
    pub finish: Vec<String>,
    /// Whether the builder keeps the primary key: some rewritten key holds a
    /// primary-key composite.
    pub keeps_key: bool,
}

fn param(name: impl Into<String>, rust_type: impl Into<String>) -> NamedType {
    NamedType {
        name: name.into(),
        rust_type: rust_type.into(),
    }
}

/// Writes `value` (a `&T` expression) into the update.
fn set_call(attr: &Attribute, value: &str) -> String {
    let value = if let Some(wrapper) = time_wrapper(attr) {
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
        (false, Type::String) => format!("impl {RT}::IntoText"),
        (false, _) => ty,
    }
}

/// Sets `attr` to the setter's parameter `name`: a string through its
/// `impl Into<String>`, anything else by reference.
fn set_value(attr: &Attribute, name: &str) -> String {
    match attr.ty {
        Type::String => format!("self.update.set_text({}, {name});", lit(&attr.field)),
        _ => set_call(attr, &format!("&{name}")),
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
    format!("{}_", bare(&attr.rust_name))
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

pub fn update_view(schema: &Schema, entity: &Entity) -> UpdateView {
    let analysis = Analysis::new(entity);
    let update_type = names::update_type(&entity.rust_name);
    let pending_attrs: Vec<&Attribute> = entity.attributes.iter().filter(|a| analysis.pending(a)).collect();
    let finish = finish(schema, &analysis, &pending_attrs);
    UpdateView {
        constructor: constructor(schema, &analysis, &pending_attrs),
        setters: entity
            .attributes
            .iter()
            .filter(|a| analysis.writable(a))
            .flat_map(|a| setters(schema, &analysis, a))
            .collect(),
        pending: pending_attrs
            .iter()
            .map(|a| param(pending_field(a), pending_type(schema, a)))
            .collect(),
        update_type,
        finish: finish.lines,
        keeps_key: finish.keeps_key,
    }
}

/// The client's `update`. `updatedAt` changes on every update, so keys
/// holding it need their other composites from the start: those are
/// parameters here.
fn constructor(schema: &Schema, analysis: &Analysis<'_>, pending: &[&Attribute]) -> ConstructorView {
    let entity = analysis.entity;
    let updated_at = entity.attributes.iter().find(|a| a.role == AttributeRole::UpdatedAt);
    let closure: Vec<&Attribute> = updated_at.map(|u| analysis.closure(u)).unwrap_or_default();
    let given: Vec<String> = closure.iter().map(|a| format!("`{}`", a.name)).collect();
    ConstructorView {
        params: closure
            .iter()
            .map(|a| param(constructor_param(a), param_type(schema, a, a.optional)))
            .collect(),
        rewritten: joined(&updated_at.map(|u| analysis.rewritten_by(&[u])).unwrap_or_default()),
        given: joined(&given),
        pending: pending
            .iter()
            .map(|attr| PendingInit {
                name: pending_field(attr),
                value: closure
                    .iter()
                    .find(|p| p.name == attr.name)
                    .map(|p| param_value(p, &constructor_param(p), p.optional)),
            })
            .collect(),
    }
}

fn setters(schema: &Schema, analysis: &Analysis<'_>, attr: &Attribute) -> Vec<SetterView> {
    names::setters(analysis.entity, attr)
        .into_iter()
        .map(|setter| setter_method(schema, analysis, attr, setter))
        .collect()
}

/// One update-builder method; which ones an attribute gets is decided by
/// `dyngen_dsl::names::setters`, which validation uses too.
fn setter_method(schema: &Schema, analysis: &Analysis<'_>, attr: &Attribute, setter: Setter) -> SetterView {
    let name = &attr.rust_name;
    let method = setter.method_name(name);
    let field = lit(&attr.field);
    let pending = analysis.pending(attr);
    match setter {
        Setter::Set if pending => pending_set(schema, analysis, attr, method),
        Setter::Remove if pending => SetterView {
            docs: vec![format!(
                "/// Removes `{}`, and with it {}: the item leaves those sparse indexes.",
                attr.name,
                joined(&analysis.rewritten_by(&[attr]))
            )],
            name: method,
            params: Vec::new(),
            body: vec![format!(
                "self.{} = ::std::option::Option::Some(::std::option::Option::None);",
                pending_field(attr)
            )],
        },
        Setter::Set => SetterView {
            docs: vec![format!("/// Sets `{}`.", attr.name)],
            name: method,
            params: vec![param(name, param_type(schema, attr, false))],
            body: vec![set_value(attr, name)],
        },
        Setter::Remove => SetterView {
            docs: vec![format!("/// Removes `{}`.", attr.name)],
            name: method,
            params: Vec::new(),
            body: vec![format!("self.update.remove({field});")],
        },
        Setter::SetIfAbsent => {
            let value = match time_wrapper(attr) {
                Some(wrapper) => format!("&{RT}::value::{wrapper}(value)"),
                None => "&value".to_string(),
            };
            SetterView {
                docs: vec![format!("/// Sets `{}` only if the item has none.", attr.name)],
                name: method,
                params: vec![param(name, param_type(schema, attr, false))],
                body: value_binding(attr)
                    .into_iter()
                    .chain([format!("self.update.set_if_absent({field}, {value});")])
                    .collect(),
            }
        }
        Setter::Add | Setter::Subtract => arithmetic(schema, attr, setter, method),
        Setter::Append | Setter::Prepend | Setter::AddTo | Setter::DeleteFrom => elements(schema, attr, setter, method),
    }
}

/// `set_<attr>` of a pending attribute: kept for `finish`, with the other
/// composites its keys need as parameters.
fn pending_set(schema: &Schema, analysis: &Analysis<'_>, attr: &Attribute, method: String) -> SetterView {
    let others = analysis.closure(attr);
    let mut params = vec![param(&attr.rust_name, param_type(schema, attr, false))];
    let mut body = vec![pending_assign(attr, false)];
    for p in &others {
        params.push(param(&p.rust_name, param_type(schema, p, p.optional)));
        body.push(pending_assign(p, true));
    }
    let mut with = vec![attr];
    with.extend(others.iter().copied());
    let mut docs = vec![format!(
        "/// Sets `{}`, and rewrites {}.",
        attr.name,
        joined(&analysis.rewritten_by(&with))
    )];
    if !others.is_empty() {
        let names: Vec<String> = others.iter().map(|p| format!("`{}`", p.name)).collect();
        docs.push(format!(
            "/// Those keys also hold {}, so they are needed and written as given{}.",
            joined(&names),
            if others.iter().any(|p| !analysis.writable(p)) {
                " (a read-only one is checked against the stored value instead)"
            } else {
                ""
            }
        ));
    }
    SetterView {
        docs,
        name: method,
        params,
        body,
    }
}

/// `add_<attr>`, `subtract_<attr>`: arithmetic in the database, integers
/// kept within their type.
fn arithmetic(schema: &Schema, attr: &Attribute, setter: Setter, method: String) -> SetterView {
    let name = &attr.rust_name;
    let field = lit(&attr.field);
    let ty = rust_type(schema, &attr.ty);
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
    SetterView {
        docs: vec![format!(
            "/// {doc} `{}` (absent counts as zero), in the database.{bounds}",
            attr.name
        )],
        name: method,
        params: vec![param(name, ty)],
        body: vec![call],
    }
}

/// The element operators of lists (`append`, `prepend`) and sets
/// (`add_to`, `delete_from`).
fn elements(schema: &Schema, attr: &Attribute, setter: Setter, method: String) -> SetterView {
    let field = lit(&attr.field);
    let (runtime, doc, collection) = match setter {
        Setter::Append => ("append", "Adds elements at the end of", "::std::vec::Vec"),
        Setter::Prepend => ("prepend", "Adds elements at the start of", "::std::vec::Vec"),
        Setter::AddTo => ("add_elements", "Adds elements to", "::std::collections::BTreeSet"),
        _ => (
            "delete_elements",
            "Deletes elements from",
            "::std::collections::BTreeSet",
        ),
    };
    let docs = if matches!(setter, Setter::Append | Setter::Prepend) {
        format!("/// {doc} `{}` (absent counts as empty).", attr.name)
    } else {
        format!("/// {doc} the set `{}`, in the database.", attr.name)
    };
    SetterView {
        docs: vec![docs],
        name: method,
        params: vec![param(
            "elements",
            format!(
                "impl ::std::iter::IntoIterator<Item = {}>",
                element_type(schema, &attr.ty)
            ),
        )],
        body: vec![
            format!("let elements: {collection}<_> = ::std::iter::IntoIterator::into_iter(elements).collect();"),
            format!("self.update.{runtime}({field}, &elements);"),
        ],
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

/// The statements of `finish`, and whether they read the primary key.
struct Finish {
    lines: Vec<String>,
    keeps_key: bool,
}

/// `finish`: rewrite every secondary key attribute a pending value (or
/// `updatedAt`) is part of, then write the pending values.
fn finish(schema: &Schema, analysis: &Analysis<'_>, pending: &[&Attribute]) -> Finish {
    let entity = analysis.entity;
    let mut finish = Finish {
        lines: Vec::new(),
        keeps_key: false,
    };
    let uses_now = analysis.keys.iter().any(|k| {
        k.template
            .composites
            .iter()
            .filter_map(|c| entity.attribute(c))
            .any(|a| a.role == AttributeRole::UpdatedAt)
    });
    if uses_now {
        finish.lines.push("let now = self.update.now();".to_string());
    }
    let mut rewritten = BTreeSet::new();
    for key in &analysis.keys {
        // Two indexes' keys may share a physical attribute: rewritten once.
        if !rewritten.insert(key.template.field.as_str()) {
            continue;
        }
        if let Some(rewrite) = key_rewrite(analysis, key) {
            finish.lines.push(rewrite.line);
            finish.keeps_key |= rewrite.reads_key;
        }
    }
    for attr in pending {
        finish.lines.push(pending_write(schema, analysis, attr));
    }
    finish
}

/// A value part of a key, with the attribute it is read from.
struct KeyArg<'a> {
    attr: &'a Attribute,
    derive: Option<Derive>,
}

/// One key attribute rewritten by `finish`.
struct Rewrite {
    line: String,
    /// The key is built from a primary-key composite, read from `self.key`.
    reads_key: bool,
}

/// The statement rewriting one secondary key attribute, or `None` when no
/// update changes it.
fn key_rewrite(analysis: &Analysis<'_>, key: &SecondaryKey<'_>) -> Option<Rewrite> {
    let entity = analysis.entity;
    if entity
        .raw_key_attribute(key.template)
        .is_some_and(|a| a.field == key.template.field)
    {
        // The key attribute is the attribute itself: setting (or removing)
        // the attribute writes it.
        return None;
    }
    let parts: Vec<KeyArg<'_>> = key
        .template
        .values()
        .filter_map(|v| {
            entity
                .attribute(&v.attribute)
                .map(|attr| KeyArg { attr, derive: v.derive })
        })
        .collect();
    // Each attribute once, though a key may hold it and a part derived
    // from it (`{month(created)}#{created}`).
    let mut composites: Vec<&Attribute> = Vec::new();
    for part in &parts {
        if !composites.iter().any(|c| c.name == part.attr.name) {
            composites.push(part.attr);
        }
    }
    let pending_here: Vec<&Attribute> = composites.iter().copied().filter(|a| analysis.pending(a)).collect();
    let has_now = composites.iter().any(|a| a.role == AttributeRole::UpdatedAt);
    if pending_here.is_empty() && !has_now {
        // Built from primary-key composites only: it never changes.
        return None;
    }
    let source = |a: &Attribute| {
        if a.role == AttributeRole::UpdatedAt {
            "&now".to_string()
        } else if analysis.in_primary_key(a) {
            format!("&self.key.{}", a.rust_name)
        } else {
            pending_field(a)
        }
    };
    let args: Vec<String> = parts.iter().map(|p| derived_arg(p.derive, &source(p.attr))).collect();
    let reads_key = parts
        .iter()
        .any(|p| p.attr.role != AttributeRole::UpdatedAt && analysis.in_primary_key(p.attr));
    let build = set_key(&entity.rust_name, key, &args);
    Some(Rewrite {
        line: guarded_rewrite(&pending_here, has_now, &lit(&key.template.field), build),
        reads_key,
    })
}

/// `self.update.set_key("gsi1pk", Issue::by_status_pk(..));`.
fn set_key(owner: &str, key: &SecondaryKey<'_>, args: &[String]) -> String {
    let field = lit(&key.template.field);
    let call = format!("{owner}::{}({})", key.fn_name, args.join(", "));
    match key.template.layout.attr_type {
        KeyType::S => format!("self.update.set_key({field}, {call});"),
        other => format!("self.update.set_key_typed({field}, {}, {call});", key_type(other)),
    }
}

/// The key write `build`, run when its pending composites are set: with a
/// composite set to none, the key attribute `field` is removed instead.
fn guarded_rewrite(pending: &[&Attribute], has_now: bool, field: &str, build: String) -> String {
    if pending.is_empty() {
        return build;
    }
    let values: Vec<String> = pending
        .iter()
        .map(|a| match a.optional {
            true => format!(
                "self.{}.as_ref().and_then(::std::option::Option::as_ref)",
                pending_field(a)
            ),
            false => format!("self.{}.as_ref()", pending_field(a)),
        })
        .collect();
    let patterns: Vec<String> = pending
        .iter()
        .map(|a| format!("::std::option::Option::Some({})", pending_field(a)))
        .collect();
    let (pattern, value) = match (patterns.as_slice(), values.as_slice()) {
        ([pattern], [value]) => (pattern.clone(), value.clone()),
        _ => (format!("({})", patterns.join(", ")), format!("({})", values.join(", "))),
    };
    if !pending.iter().any(|a| a.optional) {
        // The closure makes every composite known whenever one is set:
        // with all of them present, the key is written.
        return format!("if let {pattern} = {value} {{ {build} }}");
    }
    // An optional composite set to none removes the key attribute: the
    // item leaves that sparse index.
    let condition = if has_now {
        String::new()
    } else {
        let touched: Vec<String> = pending
            .iter()
            .map(|a| format!("self.{}.is_some()", pending_field(a)))
            .collect();
        format!("if {} ", touched.join(" || "))
    };
    format!("{condition}{{ match {value} {{ {pattern} => {{ {build} }} _ => self.update.remove({field}), }} }}")
}

/// The statement of `finish` writing a pending value, or checking it when
/// the attribute is read-only: the given value must be the stored one.
fn pending_write(schema: &Schema, analysis: &Analysis<'_>, attr: &Attribute) -> String {
    let name = pending_field(attr);
    let field = lit(&attr.field);
    if analysis.writable(attr) {
        let set = set_call(attr, "value");
        return if attr.optional {
            format!(
                "match &self.{name} {{ ::std::option::Option::Some(::std::option::Option::Some(value)) => {{ {set} }} ::std::option::Option::Some(::std::option::Option::None) => self.update.remove({field}), ::std::option::Option::None => {{}} }}"
            )
        } else if time_wrapper(attr).is_none() {
            format!("self.update.set_some({field}, &self.{name});")
        } else {
            format!("if let ::std::option::Option::Some(value) = &self.{name} {{ {set} }}")
        };
    }
    let attr_expr = format!(
        "{RT}::Attr::<{}, {}>::attribute({field})",
        analysis.entity.rust_name,
        attr_value_type(schema, attr)
    );
    let value = match time_wrapper(attr) {
        Some(wrapper) => format!("{RT}::value::{wrapper}(*value)"),
        None => "::std::clone::Clone::clone(value)".to_string(),
    };
    if attr.optional {
        format!(
            "match &self.{name} {{ ::std::option::Option::Some(::std::option::Option::Some(value)) => self.update.condition({attr_expr}.eq({value})), ::std::option::Option::Some(::std::option::Option::None) => self.update.condition({attr_expr}.not_exists()), ::std::option::Option::None => {{}} }}"
        )
    } else {
        format!(
            "if let ::std::option::Option::Some(value) = &self.{name} {{ self.update.condition({attr_expr}.eq({value})); }}"
        )
    }
}
