//! Entity indexes and their keys: the table index each access pattern
//! writes to, the composites of each key (checked) and the key's layout
//! (docs/key-format.md).

use super::entity::Model;
use super::{suggest, Lowerer, AGAIN, REDEFINED, REPEATED};
use crate::ast;
use crate::diagnostic::Code;
use crate::ir::*;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

/// The entity an access pattern belongs to, as far as lowering its keys
/// needs it.
pub(super) struct IndexOwner<'a> {
    pub(super) entity: &'a ast::Entity,
    /// Its attributes, resolved.
    pub(super) attributes: &'a [Attribute],
    /// Attributes that did not resolve (already reported).
    pub(super) broken: &'a BTreeSet<String>,
    /// The primary key's `pk`, which a local index shares.
    pub(super) primary_pk: Option<&'a ast::KeyDef>,
    /// The optimistic-locking attribute.
    pub(super) version: Option<&'a str>,
    pub(super) model: &'a Model,
}

/// What an entity's access patterns have claimed so far: each name, and
/// each table index (one access pattern per table index).
#[derive(Default)]
struct IndexClaims {
    /// Where `primary` is first written.
    primary: Option<Span>,
    named: BTreeMap<String, Span>,
    table_indexes: BTreeMap<TableIndexRef, Span>,
}

/// The table index an access pattern writes to, and its key attributes.
struct TargetIndex {
    table_index: TableIndexRef,
    pk: String,
    sk: Option<String>,
}

/// One access pattern being lowered: its entity, its definition and the
/// table index it writes to.
struct IndexContext<'a> {
    owner: &'a IndexOwner<'a>,
    key: &'a ast::EntityIndex,
    table: &'a Table,
    target: TargetIndex,
    /// `the primary key` or ``index `name` ``, for messages.
    label: String,
}

impl IndexContext<'_> {
    fn entity(&self) -> &ast::Entity {
        self.owner.entity
    }

    fn is_primary(&self) -> bool {
        self.key.name.is_none()
    }

    fn is_local(&self) -> bool {
        matches!(self.target.table_index, TableIndexRef::Local(_))
    }
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

impl KeySite<'_> {
    /// The key of an index that defines none: labels or prefix only.
    fn fixed_template(self, span: Span) -> KeyTemplate {
        let (layout, casing) = fixed_key(self.attr_type, self.labels, self.electrodb_prefix);
        KeyTemplate {
            field: self.field.to_string(),
            composites: Vec::new(),
            casing,
            layout,
            span,
        }
    }
}

/// A composite whose attribute resolved.
struct ResolvedComposite<'a> {
    written: &'a ast::CompositeRef,
    attr: &'a Attribute,
    derive: Option<Derive>,
}

impl Lowerer {
    // ---- entity indexes --------------------------------------------------

    /// The entity's primary key and its other access patterns.
    pub(super) fn entity_indexes(
        &mut self,
        owner: &IndexOwner<'_>,
        table: Option<&Table>,
    ) -> (EntityIndex, Vec<EntityIndex>) {
        let e = owner.entity;
        let mut primary: Option<EntityIndex> = None;
        let mut claims = IndexClaims::default();
        let mut indexes: Vec<EntityIndex> = Vec::new();
        for key in &e.keys {
            if !self.claim_index_name(e, key, &mut claims) {
                continue;
            }
            let Some(table) = table else { continue };
            let Some(index) = self.entity_index(owner, key, table) else {
                continue;
            };
            if !self.claim_table_index(e, key, &index, &mut claims) {
                continue;
            }
            if key.name.is_none() {
                primary = Some(index);
            } else {
                indexes.push(index);
            }
        }
        if claims.primary.is_none() {
            let message = format!("entity `{}` has no primary key", e.name.text);
            let label = "no `primary { .. }` in this entity";
            self.report(Code::PrimaryKeyDeclaration, message, e.name.span, label)
                .help("add e.g. `primary { pk: [id]  sk: [] }`");
        }
        // A broken primary key is already reported; keep the entity (with an
        // empty stand-in key) so the cross-item checks still see its attributes.
        let primary = primary.unwrap_or_else(|| stand_in_primary(e, table));
        (primary, indexes)
    }

    /// `false` (with a diagnostic) when the access pattern's name is taken:
    /// a second `primary`, an index named `primary`, or a repeated name.
    fn claim_index_name(&mut self, e: &ast::Entity, key: &ast::EntityIndex, claims: &mut IndexClaims) -> bool {
        let Some(name) = &key.name else {
            if let Some(first) = claims.primary {
                let message = format!("entity `{}` declares `primary` twice", e.name.text);
                let label = "second primary key";
                self.report(Code::PrimaryKeyDeclaration, message, key.keyword_span, label)
                    .secondary(first, "first primary key")
                    .help("an entity has one primary key; declare other access patterns with `index`");
                return false;
            }
            claims.primary = Some(key.keyword_span);
            return true;
        };
        if name.text == "primary" {
            let message = "an index cannot be named `primary`";
            let label = "reserved for the entity's primary key";
            self.report(Code::DuplicateIndex, message, name.span, label)
                .help("choose another name");
            return false;
        }
        if let Some(first) = claims.named.get(&name.text) {
            let message = format!("entity `{}` declares index `{}` twice", e.name.text, name.text);
            self.report_repeat(Code::DuplicateIndex, message, (name.span, *first), REDEFINED)
                .help("rename one of them");
            return false;
        }
        claims.named.insert(name.text.clone(), name.span);
        true
    }

    /// `false` (with a diagnostic) when the entity already uses the table
    /// index `index` writes to.
    fn claim_table_index(
        &mut self,
        e: &ast::Entity,
        key: &ast::EntityIndex,
        index: &EntityIndex,
        claims: &mut IndexClaims,
    ) -> bool {
        let ref_span = key.table_index.as_ref().map_or(key.keyword_span, |t| t.span);
        if let Some(first) = claims.table_indexes.get(&index.table_index) {
            let message = format!("entity `{}` uses {} twice", e.name.text, index.table_index.describe());
            self.report(Code::TableIndexReused, message, ref_span, "used again here")
                .secondary(*first, "first used here")
                .note("each item writes one key per table index, so one entity can have one access pattern per index")
                .help("move one access pattern to another index (or fold both into one key)");
            return false;
        }
        claims.table_indexes.insert(index.table_index.clone(), ref_span);
        true
    }

    fn entity_index(&mut self, owner: &IndexOwner<'_>, key: &ast::EntityIndex, table: &Table) -> Option<EntityIndex> {
        let target = self.target_index(key, table)?;
        let label = match &key.name {
            None => "the primary key".to_string(),
            Some(n) => format!("index `{}`", n.text),
        };
        let cx = IndexContext {
            owner,
            key,
            table,
            target,
            label,
        };
        let (pk_def, sk_def) = self.key_defs(&cx);
        let (pk_site, sk_site) = self.key_sites(&cx);
        let ok = pk_def.is_none_or(|def| self.check_local_partition(&cx, def));
        let pk = self.partition_key(&cx, pk_def, pk_site);
        let sk = self.sort_key(&cx, sk_def, sk_site);
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
            table_index: cx.target.table_index,
            collection: key.collection.as_ref().map(|c| c.text.clone()),
            pk,
            sk,
            sparse,
            fetch: key.fetch.is_some(),
            span: key.name.as_ref().map_or(key.keyword_span, |n| n.span),
        })
    }

    /// The table index `key` names (the table itself for `primary`).
    fn target_index(&mut self, key: &ast::EntityIndex, table: &Table) -> Option<TargetIndex> {
        let Some(name) = &key.table_index else {
            return Some(TargetIndex {
                table_index: TableIndexRef::Primary,
                pk: table.pk.clone(),
                sk: table.sk.clone(),
            });
        };
        let Some(index) = table.index_named(&name.text) else {
            let suggestion = suggest(&name.text, table.indexes.iter().map(|i| i.name.as_str()));
            let message = format!("table `{}` has no index `{}`", table.name, name.text);
            self.report(Code::UnknownTableIndex, message, name.span, "no such table index")
                .secondary(table.span, "indexes are declared in the table")
                .help_suggesting(
                    suggestion,
                    format!(
                        "declare it in the table: `index {} {{ pk: {0}pk  sk: {0}sk }}`",
                        name.text
                    ),
                );
            return None;
        };
        let table_index = match index.kind {
            IndexKind::Global => TableIndexRef::Global(index.name.clone()),
            IndexKind::Local => TableIndexRef::Local(index.name.clone()),
        };
        Some(TargetIndex {
            table_index,
            pk: index.pk.clone(),
            sk: index.sk.clone(),
        })
    }

    /// The access pattern's `pk` and `sk` definitions, reporting repeats.
    fn key_defs<'a>(&mut self, cx: &IndexContext<'a>) -> (Option<&'a ast::KeyDef>, Option<&'a ast::KeyDef>) {
        let mut pk_def: Option<&ast::KeyDef> = None;
        let mut sk_def: Option<&ast::KeyDef> = None;
        for def in &cx.key.keys {
            let slot = if def.role == ast::KeyRole::Pk {
                &mut pk_def
            } else {
                &mut sk_def
            };
            if let Some(first) = slot {
                let message = format!(
                    "{} of `{}` defines `{}` twice",
                    cx.label,
                    cx.entity().name.text,
                    role_word(def.role)
                );
                let spans = (def.role_span, first.role_span);
                let labels = ("defined again here", "first defined here");
                self.report_repeat(Code::DuplicateModifier, message, spans, labels)
                    .help("keep one of them");
                continue;
            }
            *slot = Some(def);
        }
        (pk_def, sk_def)
    }

    /// Where the access pattern's partition key and (when the table index
    /// has one) sort key are written.
    fn key_sites<'a>(&self, cx: &'a IndexContext<'_>) -> (KeySite<'a>, Option<KeySite<'a>>) {
        let (pk_type, sk_type) = cx.table.key_types(&cx.target.table_index);
        let (pk_labels, sk_labels) = self.dyngen_labels(cx);
        let (pk_electrodb, sk_electrodb) = self.electrodb_prefixes(cx);
        let pk_site = KeySite {
            field: &cx.target.pk,
            attr_type: pk_type,
            labels: pk_labels,
            electrodb_prefix: pk_electrodb,
            is_primary: cx.is_primary(),
            role: "partition key",
        };
        let sk_site = cx.target.sk.as_deref().map(|field| KeySite {
            field,
            attr_type: sk_type,
            labels: sk_labels,
            electrodb_prefix: sk_electrodb,
            is_primary: cx.is_primary(),
            role: "sort key",
        });
        (pk_site, sk_site)
    }

    /// The labels of dyngen's own layout (docs/key-format.md): the
    /// service, then the entity when the index has no sort key; the sort
    /// key starts with the collection, then the entity.
    fn dyngen_labels(&self, cx: &IndexContext<'_>) -> (Vec<String>, Vec<String>) {
        let e = cx.entity();
        let mut pk_labels = vec![self.service.clone()];
        if cx.target.sk.is_none() {
            pk_labels.push(e.name.text.clone());
        }
        let sk_labels: Vec<String> = cx
            .key
            .collection
            .iter()
            .map(|c| c.text.clone())
            .chain(std::iter::once(e.name.text.clone()))
            .collect();
        (pk_labels, sk_labels)
    }

    /// ElectroDB's: `$service` starts the partition key; the sort key
    /// starts with `$collection#entity_version` or `$entity_version`,
    /// which an index without a sort key appends to the partition key.
    fn electrodb_prefixes(&self, cx: &IndexContext<'_>) -> (Option<String>, Option<String>) {
        let model = cx.owner.model;
        let (Some(version), KeyFormat::ElectroDb) = (&model.version, cx.table.format) else {
            return (None, None);
        };
        let entity = model.name.as_deref().unwrap_or(&cx.entity().name.text);
        let entity_part = match &cx.key.collection {
            Some(c) => format!("${}#{entity}_{version}", c.text),
            None => format!("${entity}_{version}"),
        };
        let service = format!("${}", self.service);
        if cx.target.sk.is_some() {
            (Some(service), Some(entity_part))
        } else {
            (Some(format!("{service}{entity_part}")), None)
        }
    }

    /// `false` (with a diagnostic) when an access pattern on a local index
    /// builds another partition key than the primary one.
    fn check_local_partition(&mut self, cx: &IndexContext<'_>, def: &ast::KeyDef) -> bool {
        let primary_pk = cx.owner.primary_pk;
        if !(cx.is_local() && primary_pk.is_some_and(|p| !same_key_def(p, def))) {
            return true;
        }
        let message = format!(
            "{} of `{}` is on a local index but changes the partition key",
            cx.label,
            cx.entity().name.text
        );
        let label = "differs from the primary key's `pk`";
        self.report(Code::LocalIndexPartition, message, def.span, label)
            .note("items of a local index stay in their table partition")
            .help(format!(
                "write `pk: {}` or leave `pk` out",
                primary_pk.map(describe_key_def).unwrap_or_default()
            ));
        false
    }

    /// The partition key: as defined, or (on a local index) the primary
    /// key's.
    fn partition_key(
        &mut self,
        cx: &IndexContext<'_>,
        def: Option<&ast::KeyDef>,
        mut site: KeySite<'_>,
    ) -> Option<KeyTemplate> {
        match def {
            Some(def) => self.key_template(def, site, cx.owner),
            None if cx.is_local() => match cx.owner.primary_pk {
                Some(def) => {
                    site.is_primary = false;
                    // Reported once, on the primary key.
                    let before = self.diagnostics.len();
                    let template = self.key_template(def, site, cx.owner);
                    self.diagnostics.truncate(before);
                    template.map(|mut t| {
                        t.span = cx.key.span;
                        t
                    })
                }
                None => Some(site.fixed_template(cx.key.span)),
            },
            None => {
                let message = format!("{} of `{}` has no partition key", cx.label, cx.entity().name.text);
                self.report(Code::KeyShape, message, cx.key.keyword_span, "no `pk: [..]` here")
                    .help("add `pk: [..]` with the attributes that identify the partition");
                None
            }
        }
    }

    /// The sort key, `Some(None)` when the table index has none; `None`
    /// when it does not fit the table index (reported).
    fn sort_key(
        &mut self,
        cx: &IndexContext<'_>,
        def: Option<&ast::KeyDef>,
        site: Option<KeySite<'_>>,
    ) -> Option<Option<KeyTemplate>> {
        let entity = &cx.entity().name.text;
        let table_index = &cx.target.table_index;
        match (def, site) {
            (Some(def), Some(site)) => self.key_template(def, site, cx.owner).map(Some),
            (None, Some(site)) if site.attr_type != KeyType::S => {
                let message = format!(
                    "{} of `{entity}` has no sort key, but {} keeps an `{}` sort key",
                    cx.label,
                    table_index.describe(),
                    site.attr_type.word()
                );
                self.report(Code::KeyTypeMismatch, message, cx.key.keyword_span, "no `sk:` here")
                    .help("an `N` or `B` key holds one attribute's value: add `sk: [attribute]`");
                None
            }
            (None, Some(site)) => Some(Some(site.fixed_template(cx.key.span))),
            (Some(def), None) => {
                let message = format!(
                    "{} of `{entity}` has a sort key, but {} has none",
                    cx.label,
                    table_index.describe()
                );
                let label = "no sort key attribute to write this to";
                let help = if *table_index == TableIndexRef::Primary {
                    "remove `sk: [..]`, or give the table a sort key attribute (`sk: sk`)"
                } else {
                    "remove `sk: [..]`, or give the table index a sort key attribute"
                };
                self.report(Code::KeyShape, message, def.role_span, label).help(help);
                None
            }
            (None, None) => Some(None),
        }
    }

    // ---- key templates ---------------------------------------------------

    /// Lowers one key: its composites (checked), and its layout.
    fn key_template(&mut self, def: &ast::KeyDef, site: KeySite<'_>, owner: &IndexOwner<'_>) -> Option<KeyTemplate> {
        // An `N` or `B` key holds its one value natively, in ElectroDB too
        // (its `cast: "number"` keys).
        let electrodb_prefix = site.electrodb_prefix.clone().filter(|_| site.attr_type == KeyType::S);
        let written = self.written_parts(def, electrodb_prefix.as_deref())?;
        let mut ok = true;
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        let mut composites = Vec::new();
        let mut parts = Vec::new();
        for part in &written {
            let written = match part {
                WrittenPart::Literal(text) => {
                    parts.push(KeyPart::Literal(text.clone()));
                    continue;
                }
                WrittenPart::Composite(c) => c,
            };
            if !self.first_use(written, &mut seen) {
                ok = false;
                continue;
            }
            let Some(attr) = self.composite_attribute(written, owner) else {
                ok = false;
                continue;
            };
            let derive = self.derive(written, attr);
            if written.derive.is_some() && derive.is_none() {
                ok = false;
            }
            let composite = ResolvedComposite { written, attr, derive };
            ok &= self.check_key_scalar(&site, &composite);
            ok &= self.check_key_stable(&site, owner, &composite);
            ok &= self.check_key_type(&site, &composite);
            let name = &written.attribute.text;
            if !composites.contains(name) {
                composites.push(name.clone());
            }
            parts.push(KeyPart::Value(KeyComposite {
                attribute: name.clone(),
                derive,
            }));
        }
        if let [first, rest @ ..] = def.casing.as_slice() {
            for extra in rest {
                let message = "`casing` is given twice for one key";
                self.report_repeat(Code::DuplicateModifier, message, (extra.span, first.span), AGAIN)
                    .help("keep one");
            }
        }
        // ElectroDB cases the whole key, lowercase unless the key says otherwise.
        let casing = match (def.casing.is_empty(), &electrodb_prefix) {
            (true, Some(_)) => Casing::Lower,
            _ => casing_of(def),
        };
        let codec = if site.attr_type != KeyType::S {
            if ok {
                ok = self.check_single_value(def, &site, &parts);
            }
            ok &= self.check_uncased(def, &site);
            KeyCodec::Native
        } else if def.template.is_some() || electrodb_prefix.is_some() {
            KeyCodec::Text
        } else {
            KeyCodec::Segmented
        };
        if codec == KeyCodec::Text {
            ok &= self.check_text_key(def, &parts);
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

    /// The parts of a key as written: its template parsed, or its list
    /// (after the ElectroDB prefix, if any).
    fn written_parts(&mut self, def: &ast::KeyDef, electrodb_prefix: Option<&str>) -> Option<Vec<WrittenPart>> {
        if let Some(template) = &def.template {
            return match parse_template(template) {
                Ok(parts) => Some(parts),
                Err((message, span, help)) => {
                    self.report(Code::KeyTemplate, message, span, "in this template")
                        .help(help);
                    None
                }
            };
        }
        let mut parts: Vec<WrittenPart> = electrodb_prefix
            .map(|p| WrittenPart::Literal(p.to_string()))
            .into_iter()
            .collect();
        for c in &def.composites {
            // ElectroDB labels each value: `$vcs#repoowner_octocat#reponame_hello-world`.
            if electrodb_prefix.is_some() {
                parts.push(WrittenPart::Literal(format!("#{}_", c.attribute.text)));
            }
            parts.push(WrittenPart::Composite(c.clone()));
        }
        Some(parts)
    }

    /// `false` (with a diagnostic) when the key already has this part.
    fn first_use(&mut self, written: &ast::CompositeRef, seen: &mut BTreeMap<String, Span>) -> bool {
        let name = &written.attribute;
        // A part derived from an attribute may sit beside the attribute
        // itself (`{month(created)}#{created}`); the same part twice is
        // a mistake.
        let text = written.written();
        if let Some(first) = seen.get(text.as_str()) {
            let message = format!("`{text}` appears twice in one key");
            self.report_repeat(Code::RepeatedComposite, message, (name.span, *first), REPEATED)
                .help("list each attribute once per key");
            return false;
        }
        seen.insert(text, name.span);
        true
    }

    /// The attribute a composite names; `None` when it names none (reported)
    /// or a broken one (already reported).
    fn composite_attribute<'o>(
        &mut self,
        written: &ast::CompositeRef,
        owner: &IndexOwner<'o>,
    ) -> Option<&'o Attribute> {
        let name = &written.attribute;
        if owner.broken.contains(&name.text) {
            return None;
        }
        let attributes = owner.attributes;
        let attr = attributes.iter().find(|a| a.name == name.text);
        if attr.is_none() {
            let suggestion = suggest(&name.text, attributes.iter().map(|a| a.name.as_str()));
            let message = format!("entity `{}` has no attribute `{}`", owner.entity.name.text, name.text);
            let label = "not an attribute of this entity";
            self.report(Code::UnknownAttribute, message, name.span, label)
                .help_suggesting(suggestion, format!("declare it, e.g. `{}: string`", name.text));
        }
        attr
    }

    /// The derived part a composite asks for (`month(..)`, `shard(..)`);
    /// `None` for a plain attribute, and (reported) for one that does not
    /// fit.
    fn derive(&mut self, written: &ast::CompositeRef, attr: &Attribute) -> Option<Derive> {
        let f = written.derive.as_ref()?;
        let c = &written.attribute;
        if f.text == "shard" {
            return self.shard(f, written, attr);
        }
        if let Some(count) = &written.count {
            let message = format!("`{}(..)` takes no count", f.text);
            self.report(Code::DerivedPart, message, count.span, "a count here")
                .help(format!(
                    "write `{}({})`; only `shard(attribute, count)` takes a count",
                    f.text, c.text
                ));
            return None;
        }
        match Derive::ALL.iter().find(|(w, _)| *w == f.text) {
            Some((_, d)) if attr.ty == Type::Timestamp => Some(*d),
            Some(_) => {
                let message = format!("`{}({})` of a `{}`", f.text, c.text, attr.ty.describe());
                let label = "derived from a value that is no timestamp";
                self.report(Code::DerivedPart, message, written.span, label)
                    .secondary(attr.span, "declared here")
                    .help("time buckets (`year`, `month`, `day`, `hour`) are derived from `timestamp` attributes");
                None
            }
            None => {
                let message = format!("`{}` is no derived key part", f.text);
                self.report(Code::DerivedPart, message, f.span, "unknown function")
                    .help("derive `year(..)`, `month(..)`, `day(..)` or `hour(..)` of a timestamp, or `shard(attribute, count)` of a string or integer");
                None
            }
        }
    }

    /// `shard(attr, count)`: a string or integer attribute, 2 to 1000 shards.
    fn shard(&mut self, f: &ast::Ident, written: &ast::CompositeRef, attr: &Attribute) -> Option<Derive> {
        let c = &written.attribute;
        let Some(count) = &written.count else {
            let message = format!("`shard({})` has no shard count", c.text);
            self.report(Code::DerivedPart, message, written.span, "how many shards?")
                .help(format!("write the count: `shard({}, 16)`", c.text));
            return None;
        };
        let max = 1000;
        let parsed = count.text.parse::<u16>().ok().filter(|n| (2..=max).contains(n));
        let Some(n) = parsed else {
            let message = format!("`shard({}, {})` asks for {} shards", c.text, count.text, count.text);
            self.report(Code::DerivedPart, message, count.span, "out of range")
                .help(format!("a shard count is 2 to {max}"));
            return None;
        };
        if !(attr.ty == Type::String || attr.ty.is_integer()) {
            let message = format!("`{}({}, {n})` of a `{}`", f.text, c.text, attr.ty.describe());
            let label = "a shard of a value that is no string or integer";
            self.report(Code::DerivedPart, message, written.span, label)
                .secondary(attr.span, "declared here")
                .help("shard a string or integer attribute (an id): its text is hashed");
            return None;
        }
        Some(Derive::Shard(n))
    }

    /// `false` (with a diagnostic) when the composite's type has no key
    /// form.
    fn check_key_scalar(&mut self, site: &KeySite<'_>, composite: &ResolvedComposite<'_>) -> bool {
        let (c, attr) = (&composite.written.attribute, composite.attr);
        if attr.ty.is_key_scalar() || is_binary_key(site, attr) {
            return true;
        }
        let message = format!("`{}` is a `{}` and cannot be part of a key", c.text, attr.ty.describe());
        let label = "used as a key composite here";
        self.report(Code::NonScalarComposite, message, c.span, label)
            .secondary(attr.span, "declared here")
            .note("key composites need one canonical, order-preserving text form")
            .help("use a string, integer, decimal, bool, enum or timestamp attribute (or `bytes` in a `B` key)");
        false
    }

    /// `false` (with diagnostics) when the composite's value may change or be
    /// missing where the key cannot follow: the version, dyngen's
    /// timestamps, optional attributes in a primary key.
    fn check_key_stable(
        &mut self,
        site: &KeySite<'_>,
        owner: &IndexOwner<'_>,
        composite: &ResolvedComposite<'_>,
    ) -> bool {
        let (c, attr) = (&composite.written.attribute, composite.attr);
        let mut ok = true;
        if Some(c.text.as_str()) == owner.version {
            let message = format!("the version attribute `{}` cannot be part of a key", c.text);
            self.report(Code::VersionInKey, message, c.span, "used as a key composite here")
                .note("the version changes on every write, so the item's keys would change with it")
                .help("key on another attribute");
            ok = false;
        }
        if site.is_primary && attr.role == AttributeRole::UpdatedAt {
            let message = format!("`{}` cannot be part of the primary key", c.text);
            let label = "used as a primary key composite here";
            self.report(Code::VersionInKey, message, c.span, label)
            .note("`timestamps` sets updatedAt on every write, and a primary key can never change")
            .help("use updatedAt in a secondary index (where dyngen rewrites the key), or key on an attribute you set");
            ok = false;
        }
        if attr.role == AttributeRole::CreatedAt {
            let message = format!("`{}` cannot be part of a key", c.text);
            self.report(Code::VersionInKey, message, c.span, "used as a key composite here")
                .note(
                    "`put` starts an item's life again (createdAt = now) and `upsert` keeps the stored \
                     createdAt, which it cannot read to rebuild a key",
                )
                .help(
                    "declare your own timestamp, e.g. `openedAt: timestamp readonly`, set it when \
                     creating the item, and key on that",
                );
            ok = false;
        }
        if site.is_primary && attr.optional {
            let message = format!("primary key composite `{}` is optional", c.text);
            let label = "part of the primary key";
            self.report(Code::OptionalPrimaryComposite, message, c.span, label)
                .secondary(attr.span, "declared optional here")
                .note("every item needs a primary key; optional composites are only for sparse secondary indexes")
                .help(format!("make `{}` required (remove the `?`)", c.text));
            ok = false;
        }
        ok
    }

    /// `false` (with a diagnostic) when the composite does not fit an `N` or
    /// `B` key.
    fn check_key_type(&mut self, site: &KeySite<'_>, composite: &ResolvedComposite<'_>) -> bool {
        let (c, attr) = (&composite.written.attribute, composite.attr);
        let fits = match site.attr_type {
            KeyType::S => return true,
            KeyType::N => {
                composite.derive.is_none()
                    && (matches!(attr.ty, Type::I32 | Type::I64 | Type::U32 | Type::U64 | Type::Decimal)
                        || attr.time_format.is_some_and(TimeFormat::is_number))
            }
            _ => is_binary_key(site, attr),
        };
        if fits {
            return true;
        }
        let message = format!(
            "the {} `{}` is `{}`, but `{}` is a `{}`",
            site.role,
            site.field,
            site.attr_type.word(),
            c.text,
            attr.ty.describe()
        );
        let label = "does not fit the key's type";
        self.report(Code::KeyTypeMismatch, message, composite.written.span, label)
            .help(match site.attr_type {
                KeyType::N => "an `N` key holds one integer or decimal attribute (or an epoch timestamp)",
                _ => "a `B` key holds one `bytes` attribute",
            });
        false
    }

    /// `false` (with a diagnostic) when an `N` or `B` key holds anything but
    /// one value.
    fn check_single_value(&mut self, def: &ast::KeyDef, site: &KeySite<'_>, parts: &[KeyPart]) -> bool {
        let values = parts.iter().filter(|p| matches!(p, KeyPart::Value(_))).count();
        if values == 1 && parts.len() == 1 {
            return true;
        }
        let message = format!(
            "the {} `{}` is `{}`, so it holds exactly one value",
            site.role,
            site.field,
            site.attr_type.word()
        );
        let label = if values > 1 {
            format!("{values} values")
        } else if values == 0 {
            "no value".to_string()
        } else {
            "a value with literal text".to_string()
        };
        self.report(Code::KeyTypeMismatch, message, def.span, label)
            .note("DynamoDB stores an `N` or `B` key natively: there is no text to put labels or several values in")
            .help("write one attribute, e.g. `sk: [version]`, or make the key attribute `S`");
        false
    }

    /// `false` (with a diagnostic) when an `N` or `B` key asks for casing.
    fn check_uncased(&mut self, def: &ast::KeyDef, site: &KeySite<'_>) -> bool {
        let Some(c) = def.casing.first() else {
            return true;
        };
        let message = format!("`casing` on the `{}` key `{}`", site.attr_type.word(), site.field);
        self.report(Code::KeyTypeMismatch, message, c.span, "no text to case")
            .help("remove `casing`");
        false
    }

    /// `false` (with diagnostics) when a text key could not be read back.
    fn check_text_key(&mut self, def: &ast::KeyDef, parts: &[KeyPart]) -> bool {
        let mut ok = true;
        // A value must end where literal text starts, or the key cannot
        // be read back (nor its prefixes queried).
        for pair in parts.windows(2) {
            if let [KeyPart::Value(a), KeyPart::Value(b)] = pair {
                let message = format!(
                    "`{}` and `{}` follow each other with nothing between them",
                    a.name(),
                    b.name()
                );
                self.report(Code::KeyTemplate, message, def.span, "ambiguous template")
                    .note("`{a}{b}` gives `xy` for both a = `x`, b = `y` and a = `xy`, b = ``")
                    .help(format!(
                        "put a delimiter between them: `{{{}}}#{{{}}}`",
                        a.name(),
                        b.name()
                    ));
                ok = false;
            }
        }
        if parts.is_empty() {
            self.report(Code::KeyTemplate, "an empty key template", def.span, "empty")
                .note("DynamoDB rejects empty key values")
                .help("write literal text or `{attribute}`");
            ok = false;
        }
        ok
    }
}

/// The `pk` of the entity's primary key, which a local index shares: its
/// partition key is built exactly like the primary one (same composites,
/// same casing).
pub(super) fn primary_partition_key(e: &ast::Entity) -> Option<&ast::KeyDef> {
    e.keys
        .iter()
        .find(|k| k.name.is_none())
        .and_then(|k| k.keys.iter().find(|d| d.role == ast::KeyRole::Pk))
}

/// The primary key of an entity whose own did not lower: empty.
fn stand_in_primary(e: &ast::Entity, table: Option<&Table>) -> EntityIndex {
    EntityIndex {
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
    }
}

/// A `bytes` composite in a `B` key, which holds it natively.
fn is_binary_key(site: &KeySite<'_>, attr: &Attribute) -> bool {
    site.attr_type == KeyType::B && attr.ty == Type::Bytes
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
    Composite(ast::CompositeRef),
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
                while chars.peek().is_some_and(|(j, _)| *j <= i + close) {
                    chars.next();
                }
                if !literal.is_empty() {
                    parts.push(WrittenPart::Literal(std::mem::take(&mut literal)));
                }
                let span = at(i, i + close + 1);
                let composite = parse_composite(inner, i + 1, span, &at).ok_or_else(|| {
                    (
                        format!("`{{{inner}}}` is no composite"),
                        span,
                        "write an attribute name, `{userId}`, or a derived part, `{month(created)}`".into(),
                    )
                })?;
                parts.push(WrittenPart::Composite(composite));
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(WrittenPart::Literal(literal));
    }
    Ok(parts)
}

/// The composite between a template's braces: `attr`, `month(attr)` or
/// `shard(attr, 16)`. `inner_start` is its offset in the template, `at`
/// maps template offsets to source spans.
fn parse_composite(
    inner: &str,
    inner_start: usize,
    span: Span,
    at: &impl Fn(usize, usize) -> Span,
) -> Option<ast::CompositeRef> {
    let ident = |name: &str, offset: usize| ast::Ident {
        text: name.to_string(),
        span: at(offset, offset + name.len()),
    };
    let is_name = |s: &str| {
        let mut cs = s.chars();
        cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
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
        (is_name(&inner[..open]) && is_name(attribute)).then(|| ast::CompositeRef {
            attribute: ident(attribute, inner_start + attribute_at),
            derive: Some(ident(&inner[..open], inner_start)),
            count,
            span,
        })
    });
    match call {
        Some(composite) => Some(composite),
        None if is_name(inner) => Some(ast::CompositeRef {
            attribute: ident(inner, inner_start),
            derive: None,
            count: None,
            span,
        }),
        None => None,
    }
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
