//! An entity's attribute lists: named projections (`projection Summary
//! [username, fullName]`) and unique sets (`unique [org, slug]`, and the
//! `unique` modifier of one attribute).

use super::suggest::suggest;
use super::{Lowerer, REPEATED};
use crate::ast;
use crate::diagnostic::Code;
use crate::ir::*;
use crate::names;
use std::collections::{BTreeMap, BTreeSet};

impl Lowerer {
    /// The entity's named projections, in declaration order.
    pub(super) fn projections(
        &mut self,
        e: &ast::Entity,
        attributes: &[Attribute],
        broken: &BTreeSet<String>,
    ) -> Vec<NamedProjection> {
        let mut seen: BTreeMap<&str, crate::span::Span> = BTreeMap::new();
        let mut projections = Vec::new();
        for list in &e.projections {
            let Some(name) = &list.name else { continue };
            if let Some(first) = seen.get(name.text.as_str()) {
                let message = format!("entity `{}` declares projection `{}` twice", e.name.text, name.text);
                self.report_repeat(Code::DuplicateProjection, message, (name.span, *first), REPEATED)
                    .help("rename one of them, or merge their attributes");
                continue;
            }
            seen.insert(&name.text, name.span);
            let Some(members) = self.attribute_list(e, list, attributes, broken, "projection") else {
                continue;
            };
            let Some(type_suffix) = names::type_name(&name.text).ok() else {
                let message = format!("projection `{}` cannot be named in Rust", name.text);
                self.report(Code::ReservedRustName, message, name.span, "not a Rust type name")
                    .help("rename the projection: its type is the entity's name followed by it");
                continue;
            };
            projections.push(NamedProjection {
                name: name.text.clone(),
                type_suffix,
                docs: list.docs.clone(),
                attributes: members,
                span: name.span,
            });
        }
        projections
    }

    /// The entity's unique sets: each `unique [..]`, then each attribute
    /// marked `unique`, in declaration order.
    pub(super) fn uniques(
        &mut self,
        e: &ast::Entity,
        attributes: &[Attribute],
        broken: &BTreeSet<String>,
    ) -> Vec<UniqueSet> {
        let mut sets: Vec<UniqueSet> = Vec::new();
        for list in &e.uniques {
            if let Some(members) = self.attribute_list(e, list, attributes, broken, "unique") {
                sets.push(UniqueSet {
                    attributes: members,
                    span: list.keyword_span,
                });
            }
        }
        for a in &e.attributes {
            for suffix in &a.suffixes {
                if matches!(suffix.kind, ast::AttrSuffixKind::Unique)
                    && attributes.iter().any(|x| x.name == a.name.text)
                {
                    sets.push(UniqueSet {
                        attributes: vec![a.name.text.clone()],
                        span: suffix.span,
                    });
                }
            }
        }
        let mut checked = Vec::new();
        for set in sets {
            if self.unique_set_fits(e, &set, attributes) {
                if let Some(first) = checked.iter().find(|s: &&UniqueSet| same_members(s, &set)) {
                    let message = format!(
                        "entity `{}` declares the unique set [{}] twice",
                        e.name.text,
                        set.attributes.join(", ")
                    );
                    self.report_repeat(Code::UniqueAttribute, message, (set.span, first.span), REPEATED)
                        .help("keep one of them");
                    continue;
                }
                checked.push(set);
            }
        }
        checked
    }

    /// Whether every attribute of a unique set can be kept unique: a
    /// scalar (optional ones are guarded when present) that a guard item's key can hold, written by the
    /// caller (not a marker's), and the set is not the primary key (which
    /// is unique already).
    fn unique_set_fits(&mut self, e: &ast::Entity, set: &UniqueSet, attributes: &[Attribute]) -> bool {
        let mut fits = true;
        for name in &set.attributes {
            let Some(attr) = attributes.iter().find(|a| &a.name == name) else {
                continue;
            };
            let scalar = matches!(
                attr.ty,
                Type::String
                    | Type::Bool
                    | Type::I32
                    | Type::I64
                    | Type::U32
                    | Type::U64
                    | Type::Decimal
                    | Type::Timestamp
                    | Type::Enum(_)
            );
            let reason = if !scalar {
                Some(format!("a `{}`, which has no key form", attr.ty.describe()))
            } else if attr.role != AttributeRole::Data || attr.implicit {
                Some("maintained by dyngen, not written by callers".to_owned())
            } else {
                None
            };
            if let Some(reason) = reason {
                let message = format!("`{}` of entity `{}` cannot be unique", attr.name, e.name.text);
                self.report(Code::UniqueAttribute, message, set.span, format!("`{}` is {reason}", attr.name))
                    .help("a unique value is kept in a guard item's key: list attributes that callers write, of type string, integer, decimal, bool, enum or timestamp");
                fits = false;
            }
        }
        fits
    }

    /// The attributes a list names, each once; `None` (reported) when it
    /// names none, or only unknown ones.
    fn attribute_list(
        &mut self,
        e: &ast::Entity,
        list: &ast::AttributeList,
        attributes: &[Attribute],
        broken: &BTreeSet<String>,
        what: &str,
    ) -> Option<Vec<String>> {
        if list.attributes.is_empty() {
            let message = format!("an empty `{what}` list in entity `{}`", e.name.text);
            self.report(
                Code::AttributeListMember,
                message,
                list.keyword_span,
                "names no attribute",
            )
            .help("list the attributes it covers: `[name, other]`");
            return None;
        }
        let mut members: Vec<String> = Vec::new();
        let mut spans: BTreeMap<&str, crate::span::Span> = BTreeMap::new();
        let mut complete = true;
        for name in &list.attributes {
            if let Some(first) = spans.get(name.text.as_str()) {
                let message = format!("`{what}` list names `{}` twice", name.text);
                self.report_repeat(Code::AttributeListMember, message, (name.span, *first), REPEATED)
                    .help("name each attribute once");
                continue;
            }
            spans.insert(&name.text, name.span);
            if attributes.iter().any(|a| a.name == name.text) {
                members.push(name.text.clone());
            } else if broken.contains(&name.text) {
                complete = false;
            } else {
                complete = false;
                let suggestion = suggest(&name.text, attributes.iter().map(|a| a.name.as_str()));
                let message = format!("entity `{}` has no attribute `{}`", e.name.text, name.text);
                self.report(
                    Code::AttributeListMember,
                    message,
                    name.span,
                    "not an attribute of this entity",
                )
                .help_suggesting(suggestion, format!("list attributes of `{}`", e.name.text));
            }
        }
        (complete && !members.is_empty()).then_some(members)
    }
}

fn same_members(a: &UniqueSet, b: &UniqueSet) -> bool {
    let a: BTreeSet<&String> = a.attributes.iter().collect();
    let b: BTreeSet<&String> = b.attributes.iter().collect();
    a == b
}
