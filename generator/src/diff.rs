//! `dyngen diff`: what a schema change does to the data already stored.
//!
//! The rules (docs/table-and-diff.md explains each):
//!
//! - **Table.** A new service name, a new table key attribute and any change
//!   of a local index are [`Impact::Breaking`] (a new table); a new global
//!   index is safe; a global index whose keys or projection change has to be
//!   re-created, and finds nothing until DynamoDB has rebuilt it
//!   ([`Impact::Backfill`]); so does a moved TTL or entity-tag attribute for
//!   the items written before.
//! - **Keys.** Keys are compared by what they store: labels, and each
//!   composite's attribute (followed through renames) and encoding (type,
//!   casing). A changed primary key is breaking; a changed, new, or no longer
//!   sparse secondary access pattern needs a backfill; a new access pattern
//!   built from new optional attributes does not (no existing item has them).
//! - **Attributes** (and struct fields) are paired by stored field, then by
//!   name. Reading an existing item must still work: a type change (other
//!   than a widening that reads old values unchanged), a moved field, a new
//!   required attribute without a default, optional → required without a
//!   default, and a removed default are breaking; a removed attribute is safe
//!   (its stored values are ignored).
//! - **Enums**: a removed variant or a changed stored value is breaking; a
//!   new variant or a renamed one with the same value is safe.
//! - **Entities** are paired by name; one that disappears while a new one
//!   with the same attributes appears was renamed, which is breaking (the
//!   name is stored in every item and labels its keys).
//!
//! Documentation, declaration order and Rust-only details never count.

use dyngen_dsl::ir::{
    Attribute, AttributeRole, Casing, Entity, EntityIndex, Enum, IndexKind, KeyTemplate, Projection, Schema, Struct,
    TableIndex, TimeFormat, Type, Value,
};
use std::fmt::Write as _;

/// How serious a change is for stored data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Existing items keep working.
    Safe,
    /// Existing items are not found through some access pattern until they
    /// are rewritten.
    Backfill,
    /// Needs a new table (or breaks reading existing items).
    Breaking,
}

impl Impact {
    fn heading(self) -> &'static str {
        match self {
            Impact::Breaking => "Breaking",
            Impact::Backfill => "Backfill needed",
            Impact::Safe => "Safe",
        }
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub impact: Impact,
    /// What changed, e.g. "entity `Issue`: access pattern `managed`".
    pub subject: String,
    /// What the change is.
    pub what: String,
    /// What to do about it.
    pub action: String,
}

/// The changes from `old` to `new`, in a stable order: breaking first, then
/// backfills, then safe changes; within each, the table, enums, structs and
/// entities in the new schema's declaration order (what was removed after
/// what remains).
pub fn diff(old: &Schema, new: &Schema) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        changes: Vec::new(),
    };
    differ.table();
    differ.enums();
    differ.structs();
    differ.entities();
    let mut changes = differ.changes;
    // Stable: the order of discovery is kept within an impact.
    changes.sort_by_key(|c| std::cmp::Reverse(c.impact));
    changes
}

/// The changes as text (or JSON with `json`).
///
/// Text: one group per impact (breaking, backfill, safe), each change as its
/// subject, then `what:` and `do:` lines, and a summary line. JSON: one
/// object `{"breaking": n, "backfill": n, "safe": n, "changes": [..]}`,
/// each change `{"impact", "subject", "what", "action"}`.
pub fn render_changes(changes: &[Change], json: bool) -> String {
    let count = |impact: Impact| changes.iter().filter(|c| c.impact == impact).count();
    if json {
        #[derive(serde::Serialize)]
        struct Document<'a> {
            breaking: usize,
            backfill: usize,
            safe: usize,
            changes: &'a [Change],
        }
        let document = Document {
            breaking: count(Impact::Breaking),
            backfill: count(Impact::Backfill),
            safe: count(Impact::Safe),
            changes,
        };
        return serde_json::to_string_pretty(&document).expect("changes serialize to JSON") + "\n";
    }
    if changes.is_empty() {
        return "No changes to stored data.\n".to_string();
    }
    let mut out = String::new();
    for impact in [Impact::Breaking, Impact::Backfill, Impact::Safe] {
        let group: Vec<&Change> = changes.iter().filter(|c| c.impact == impact).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{} ({}):", impact.heading(), group.len());
        for change in group {
            let _ = writeln!(out);
            let _ = writeln!(out, "  {}", change.subject);
            let _ = writeln!(out, "    what: {}", change.what);
            let _ = writeln!(out, "    do:   {}", change.action);
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "{} breaking, {} backfill, {} safe",
        count(Impact::Breaking),
        count(Impact::Backfill),
        count(Impact::Safe)
    );
    out
}

// ---------------------------------------------------------------------------

const NEW_TABLE: &str =
    "create a new table with `dyngen table` and copy every item into it (DynamoDB cannot change this \
                         on an existing table)";
const NOTHING: &str = "nothing to migrate";

struct Differ<'a> {
    old: &'a Schema,
    new: &'a Schema,
    changes: Vec<Change>,
}

impl<'a> Differ<'a> {
    fn push(&mut self, impact: Impact, subject: impl Into<String>, what: impl Into<String>, action: impl Into<String>) {
        self.changes.push(Change {
            impact,
            subject: subject.into(),
            what: what.into(),
            action: action.into(),
        });
    }

    // -- the table ----------------------------------------------------------

    fn table(&mut self) {
        let (old, new) = (&self.old.table, &self.new.table);
        let table = format!("table `{}`", new.name);
        if self.old.service != self.new.service {
            self.push(
                Impact::Breaking,
                "service",
                format!(
                    "renamed from `{}` to `{}`: the service name starts every partition key, so no existing item is \
                     found by key, index or collection",
                    self.old.service, self.new.service
                ),
                "keep the service name, or migrate: put every item again under its new keys and delete it under \
                 the old ones",
            );
        }
        if old.name != new.name {
            self.push(
                Impact::Safe,
                format!("table `{}`", old.name),
                format!("renamed to `{}`", new.name),
                "nothing to migrate: the generated code is given the physical table name at run time (only the Rust \
                 type and the default TableName of `dyngen table` change)",
            );
        }
        if old.pk != new.pk {
            self.push(
                Impact::Breaking,
                format!("{table}: partition key"),
                format!(
                    "the table's partition key attribute changes from `{}` to `{}`",
                    old.pk, new.pk
                ),
                NEW_TABLE,
            );
        }
        let sort_key = match (&old.sk, &new.sk) {
            (None, Some(sk)) => Some(format!("the table gains the sort key attribute `{sk}`")),
            (Some(sk), None) => Some(format!("the table loses its sort key attribute `{sk}`")),
            (Some(a), Some(b)) if a != b => Some(format!("the table's sort key attribute changes from `{a}` to `{b}`")),
            _ => None,
        };
        if let Some(what) = sort_key {
            self.push(Impact::Breaking, format!("{table}: sort key"), what, NEW_TABLE);
        }
        if (old.pk_type, old.sk_type) != (new.pk_type, new.sk_type) {
            self.push(
                Impact::Breaking,
                format!("{table}: key types"),
                format!(
                    "the key attribute types change from {}/{} to {}/{}: a table's key schema cannot change",
                    old.pk_type.word(),
                    old.sk_type.word(),
                    new.pk_type.word(),
                    new.sk_type.word()
                ),
                NEW_TABLE,
            );
        }
        match (&old.ttl_field, &new.ttl_field) {
            (None, Some(ttl)) => self.push(
                Impact::Safe,
                format!("{table}: TTL"),
                format!("TTL on attribute `{ttl}`"),
                "enable TTL on the table: `aws dynamodb update-time-to-live` with the `UpdateTimeToLive` input of \
                 `dyngen table` (until then nothing expires)",
            ),
            (Some(ttl), None) => self.push(
                Impact::Safe,
                format!("{table}: TTL"),
                format!("no TTL attribute any more (was `{ttl}`)"),
                "disable TTL on the table (UpdateTimeToLive with Enabled false), or DynamoDB keeps deleting items \
                 whose `{ttl}` has passed",
            ),
            (Some(a), Some(b)) if a != b => self.push(
                Impact::Backfill,
                format!("{table}: TTL"),
                format!(
                    "the TTL attribute changes from `{a}` to `{b}`: existing items keep their expiry in `{a}`, so \
                     they do not expire (and reads do not hide them) until they store it under `{b}`"
                ),
                format!(
                    "disable TTL on `{a}` and enable it on `{b}` (UpdateTimeToLive; DynamoDB takes up to an hour \
                     before it accepts the second change), and copy `{a}` to `{b}` in every existing item"
                ),
            ),
            _ => {}
        }
        if old.entity_tag_field != new.entity_tag_field {
            let tag = |t: &Option<String>| t.clone().unwrap_or_else(|| "(no tag)".to_string());
            let (old_tag, new_tag) = (tag(&old.entity_tag_field), tag(&new.entity_tag_field));
            self.push(
                Impact::Backfill,
                format!("{table}: entity tag"),
                format!(
                    "items store their entity's name in `{}`, now read from `{}`: scans and collection queries skip \
                     existing items until they carry `{}`",
                    old_tag, new_tag, new_tag
                ),
                format!(
                    "copy `{}` to `{}` in every existing item (with a plain Scan and UpdateItem: the generated scans \
                     filter on the tag and do not see them)",
                    old_tag, new_tag
                ),
            );
        }
        for index in &new.indexes {
            match old.index_named(&index.name) {
                Some(before) => self.table_index(&table, before, index),
                None if index.kind == IndexKind::Local => self.push(
                    Impact::Breaking,
                    format!("{table}: index `{}`", index.name),
                    format!(
                        "new local secondary index ({}): local indexes can only be created with the table",
                        describe_index(index)
                    ),
                    NEW_TABLE,
                ),
                None => self.push(
                    Impact::Safe,
                    format!("{table}: index `{}`", index.name),
                    format!("new global secondary index ({})", describe_index(index)),
                    "create it (UpdateTable) before deploying code that queries it; DynamoDB fills it from the \
                     existing items that carry its key attributes (see the entities' changes for which do)",
                ),
            }
        }
        for index in &old.indexes {
            if new.index_named(&index.name).is_some() {
                continue;
            }
            if index.kind == IndexKind::Local {
                self.push(
                    Impact::Breaking,
                    format!("{table}: index `{}`", index.name),
                    "local secondary index removed: local indexes can only be removed with the table",
                    format!("{NEW_TABLE}; or keep the index on the table (nothing reads it)"),
                );
            } else {
                self.push(
                    Impact::Safe,
                    format!("{table}: index `{}`", index.name),
                    "global secondary index removed",
                    "delete it (UpdateTable) once no deployed code queries it",
                );
            }
        }
    }

    fn table_index(&mut self, table: &str, old: &TableIndex, new: &TableIndex) {
        let subject = format!("{table}: index `{}`", new.name);
        if old.physical_name != new.physical_name {
            self.push(
                Impact::Breaking,
                subject.clone(),
                format!(
                    "its DynamoDB name changes from `{}` to `{}`: queries go to another index, which holds none of \
                     the existing items until it is created and filled",
                    old.physical_name, new.physical_name
                ),
                "create the new index (UpdateTable), wait until it is ACTIVE, then deploy; or keep the old `name:`",
            );
        }
        if (old.pk_type, old.sk_type) != (new.pk_type, new.sk_type) {
            self.push(
                Impact::Breaking,
                subject.clone(),
                "its key attribute types change: an index's key schema cannot change".to_string(),
                NEW_TABLE,
            );
        }
        if old.kind != new.kind {
            self.push(
                Impact::Breaking,
                subject,
                format!(
                    "changes from a {} to a {} secondary index: local indexes can only be created or removed with \
                     the table",
                    kind_name(old.kind),
                    kind_name(new.kind)
                ),
                NEW_TABLE,
            );
            return;
        }
        let mut parts = Vec::new();
        if old.pk != new.pk || old.sk != new.sk {
            parts.push(format!(
                "its key attributes change from {} to {}",
                describe_keys(&old.pk, old.sk.as_deref()),
                describe_keys(&new.pk, new.sk.as_deref())
            ));
        }
        if old.projection != new.projection {
            parts.push(format!(
                "its projection changes from {} to {}",
                describe_projection(&old.projection),
                describe_projection(&new.projection)
            ));
        }
        if parts.is_empty() {
            return;
        }
        let what = parts.join("; ");
        match new.kind {
            IndexKind::Local => self.push(
                Impact::Breaking,
                subject,
                format!("{what}: a local index cannot be changed"),
                NEW_TABLE,
            ),
            IndexKind::Global => self.push(
                Impact::Backfill,
                subject,
                format!(
                    "{what}: DynamoDB cannot change an existing index, so it is deleted and created again, and \
                     queries through it miss items until it is rebuilt"
                ),
                "delete the index and create it again (two UpdateTable calls), then wait until it is ACTIVE before \
                 deploying code that queries it",
            ),
        }
    }

    // -- enums and structs --------------------------------------------------

    fn enums(&mut self) {
        for new in &self.new.enums {
            let Some(old) = self.old.enum_named(&new.name) else {
                continue;
            };
            if uses_type(self.old, &old.name) {
                self.enum_variants(old, new);
            }
        }
    }

    fn enum_variants(&mut self, old: &Enum, new: &Enum) {
        let subject = |name: &str| format!("enum `{}`: variant `{name}`", new.name);
        for variant in &new.variants {
            if let Some(before) = old.variants.iter().find(|v| v.value == variant.value) {
                if before.name != variant.name {
                    self.push(
                        Impact::Safe,
                        subject(&variant.name),
                        format!(
                            "renamed from `{}` (stored value `{}` unchanged)",
                            before.name, variant.value
                        ),
                        format!("{NOTHING} (only the Rust name changes)"),
                    );
                }
            } else if let Some(before) = old.variants.iter().find(|v| v.name == variant.name) {
                self.push(
                    Impact::Breaking,
                    subject(&variant.name),
                    format!(
                        "stored value changes from `{}` to `{}`: existing items holding `{}` fail to decode, and \
                         keys built from it change",
                        before.value, variant.value, before.value
                    ),
                    format!(
                        "keep the stored value (`{} = \"{}\"`), or rewrite every item holding `{}` (and its keys) \
                         before deploying",
                        variant.name, before.value, before.value
                    ),
                );
            } else {
                self.push(
                    Impact::Safe,
                    subject(&variant.name),
                    format!("new variant, stored as `{}`", variant.value),
                    format!(
                        "{NOTHING}; deploy readers before writers: code generated from the old schema cannot decode \
                         items holding `{}`",
                        variant.value
                    ),
                );
            }
        }
        for variant in &old.variants {
            let kept = new
                .variants
                .iter()
                .any(|v| v.value == variant.value || v.name == variant.name);
            if !kept {
                self.push(
                    Impact::Breaking,
                    subject(&variant.name),
                    format!("removed: existing items holding `{}` fail to decode", variant.value),
                    format!(
                        "keep the variant until no item holds `{}` (rewrite those items with another value first)",
                        variant.value
                    ),
                );
            }
        }
    }

    fn structs(&mut self) {
        for new in &self.new.structs {
            let Some(old) = self.old.struct_named(&new.name) else {
                continue;
            };
            if uses_type(self.old, &old.name) {
                let owner = Owner::Struct(&new.name);
                self.attributes(owner, &old.fields, &new.fields);
            }
        }
    }

    // -- entities -----------------------------------------------------------

    fn entities(&mut self) {
        let removed: Vec<&Entity> = self
            .old
            .entities
            .iter()
            .filter(|e| self.new.entity_named(&e.name).is_none())
            .collect();
        let mut renamed_from: Vec<&str> = Vec::new();
        for new in &self.new.entities {
            if let Some(old) = self.old.entity_named(&new.name) {
                self.entity(old, new);
                continue;
            }
            let same_shape = removed
                .iter()
                .find(|old| !renamed_from.contains(&old.name.as_str()) && same_attributes(old, new));
            match same_shape {
                Some(old) => {
                    renamed_from.push(&old.name);
                    self.push(
                        Impact::Breaking,
                        format!("entity `{}`", new.name),
                        format!(
                            "renamed from `{}` (same attributes): the entity name is stored in every item (`{}`) and \
                             labels its keys, so existing items are neither found nor recognised",
                            old.name,
                            self.new.table.entity_tag_field.as_deref().unwrap_or("its keys")
                        ),
                        format!(
                            "keep the name `{}`, or migrate: put every `{}` item again as a `{}` item and delete the \
                             old one",
                            old.name, old.name, new.name
                        ),
                    );
                }
                None => self.push(Impact::Safe, format!("entity `{}`", new.name), "new entity", NOTHING),
            }
        }
        for old in removed {
            if renamed_from.contains(&old.name.as_str()) {
                continue;
            }
            self.push(
                Impact::Safe,
                format!("entity `{}`", old.name),
                "removed: its existing items stay in the table, unread",
                "delete its items when they are no longer needed; if it was renamed, existing items are not found \
                 under the new name: migrate them",
            );
        }
    }

    fn entity(&mut self, old: &'a Entity, new: &'a Entity) {
        let pairs = self.attributes(Owner::Entity(&new.name), &old.attributes, &new.attributes);
        let keys = KeyContext {
            old_entity: old,
            new_entity: new,
            pairs: &pairs,
        };
        // A unique set new to the entity: stored items hold their values
        // without guard items, so a new item could take one of them.
        for set in &new.uniques {
            if !old.uniques.iter().any(|o| same_unique_set(o, set)) {
                self.push(
                    Impact::Backfill,
                    format!("entity `{}`: unique [{}]", new.name, set.attributes.join(", ")),
                    "new unique attributes: existing items hold their values without guard items, so a write can \
                     still give another item the same values",
                    format!(
                        "write every existing `{}` item again (`put` or `upsert` it: that writes its guard items), \
                         after checking that no two hold the same values",
                        new.name
                    ),
                );
            }
        }
        for set in &old.uniques {
            if !new.uniques.iter().any(|n| same_unique_set(n, set)) {
                self.push(
                    Impact::Safe,
                    format!("entity `{}`: unique [{}]", new.name, set.attributes.join(", ")),
                    "no longer unique: writes stop keeping its guard items; the ones stored stay, hidden from reads",
                    "nothing to do; to reclaim the space, delete the items whose entity tag is `dyngen:unique` and \
                     whose key names these attributes",
                );
            }
        }
        // What every item of the entity is marked with (ElectroDB's
        // `__edb_e__` and `__edb_v__`): reads refuse items that lack it.
        if old.tag_value != new.tag_value || old.fixed != new.fixed {
            let marks = |e: &Entity| {
                std::iter::once(format!("tag `{}`", e.tag_value))
                    .chain(e.fixed.iter().map(|f| format!("`{}` = `{}`", f.field, f.value)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.push(
                Impact::Backfill,
                format!("entity `{}`: item marks", new.name),
                format!(
                    "items are marked {}, now read only when marked {}: reads refuse existing items (WrongEntity) \
                     until they carry the new marks",
                    marks(old),
                    marks(new)
                ),
                format!(
                    "write the new marks into every existing `{}` item (a plain Scan and UpdateItem; any generated \
                     update of an item also sets them)",
                    new.name
                ),
            );
        }
        // The primary key.
        let (before, after) = (
            keys.signature(self.old, old, &old.primary, false),
            keys.signature(self.new, new, &new.primary, true),
        );
        if before != after {
            self.push(
                Impact::Breaking,
                format!("entity `{}`: primary key", new.name),
                format!(
                    "{}: existing items can no longer be found by key (get, update, delete, queries)",
                    describe_key_change(&before, &after, false)
                ),
                format!(
                    "keep the old key, or migrate: put every existing `{}` item again under its new key and delete \
                     it under the old one",
                    new.name
                ),
            );
        }
        // Secondary access patterns: paired by table index, then by the
        // physical key attributes they write.
        let mut taken = vec![false; old.indexes.len()];
        let mut matched: Vec<Option<usize>> = Vec::new();
        for index in &new.indexes {
            let found = old
                .indexes
                .iter()
                .enumerate()
                .position(|(i, o)| !taken[i] && o.table_index.index_name() == index.table_index.index_name());
            if let Some(i) = found {
                taken[i] = true;
            }
            matched.push(found);
        }
        // (Then by name: the same access pattern moved to another index.)
        let same_fields = |o: &EntityIndex, n: &EntityIndex| {
            o.pk.field == n.pk.field && o.sk.as_ref().map(|k| &k.field) == n.sk.as_ref().map(|k| &k.field)
        };
        let same_name = |o: &EntityIndex, n: &EntityIndex| o.name == n.name;
        for pairs_with in [&same_fields as &dyn Fn(&EntityIndex, &EntityIndex) -> bool, &same_name] {
            for (slot, index) in matched.iter_mut().zip(&new.indexes) {
                if slot.is_none() {
                    let found = old
                        .indexes
                        .iter()
                        .enumerate()
                        .position(|(i, o)| !taken[i] && pairs_with(o, index));
                    if let Some(i) = found {
                        taken[i] = true;
                    }
                    *slot = found;
                }
            }
        }
        for (slot, index) in matched.into_iter().zip(&new.indexes) {
            match slot {
                Some(i) => self.access_pattern(&keys, &old.indexes[i], index),
                None => self.new_access_pattern(&keys, index),
            }
        }
        for (index, taken) in old.indexes.iter().zip(taken) {
            if !taken {
                self.push(
                    Impact::Safe,
                    format!("entity `{}`: access pattern `{}`", new.name, index.name),
                    format!(
                        "removed: existing items keep their {} keys (and stay in index `{}`) until a `put` rewrites \
                         them",
                        describe_key_fields(index),
                        index.table_index.index_name().unwrap_or_default()
                    ),
                    NOTHING,
                );
            }
        }
    }

    fn access_pattern(&mut self, keys: &KeyContext<'_>, old: &EntityIndex, new: &EntityIndex) {
        let entity = &keys.new_entity.name;
        let subject = format!("entity `{entity}`: access pattern `{}`", new.name);
        let before = keys.signature(self.old, keys.old_entity, old, false);
        let after = keys.signature(self.new, keys.new_entity, new, true);
        if before != after {
            self.push(
                Impact::Backfill,
                subject,
                format!(
                    "{}: existing items are not found through it until they are rewritten",
                    describe_key_change(&before, &after, true)
                ),
                backfill_action(keys.new_entity),
            );
            return;
        }
        // The same keys; items that lacked an optional composite now have a
        // value (a default), so they belong in the index.
        let filled: Vec<&str> = new
            .pk
            .composites
            .iter()
            .chain(new.sk.iter().flat_map(|k| &k.composites))
            .filter(|name| {
                let now_required = keys.new_entity.attribute(name).is_some_and(|a| !a.optional);
                let was_optional = keys.old_attribute(name).is_some_and(|a| a.optional);
                now_required && was_optional
            })
            .map(String::as_str)
            .collect();
        if !filled.is_empty() {
            self.push(
                Impact::Backfill,
                subject.clone(),
                format!(
                    "no longer sparse: {} now required, but existing items without {} are not in index `{}` until \
                     they are rewritten",
                    names_list(&filled),
                    if filled.len() == 1 { "it" } else { "them" },
                    new.table_index.index_name().unwrap_or_default()
                ),
                backfill_action(keys.new_entity),
            );
        }
        let mut renames = Vec::new();
        if old.name != new.name {
            renames.push(format!("renamed from `{}`", old.name));
        }
        if old.table_index.index_name() != new.table_index.index_name() {
            renames.push(format!(
                "now on index `{}` (was `{}`), which has the same key attributes, so DynamoDB fills it from the \
                 existing items",
                new.table_index.index_name().unwrap_or_default(),
                old.table_index.index_name().unwrap_or_default()
            ));
        }
        if !renames.is_empty() {
            self.push(
                Impact::Safe,
                subject,
                format!("{} (keys unchanged)", renames.join("; ")),
                NOTHING,
            );
        }
    }

    fn new_access_pattern(&mut self, keys: &KeyContext<'_>, new: &EntityIndex) {
        let entity = &keys.new_entity.name;
        let subject = format!("entity `{entity}`: access pattern `{}`", new.name);
        let index = new.table_index.index_name().unwrap_or_default();
        // Built from an attribute no existing item has: none belongs in it yet.
        let fresh = new
            .pk
            .composites
            .iter()
            .chain(new.sk.iter().flat_map(|k| &k.composites))
            .find(|name| {
                keys.new_entity.attribute(name).is_some_and(|a| a.optional) && keys.old_attribute(name).is_none()
            });
        match fresh {
            Some(name) => self.push(
                Impact::Safe,
                subject,
                format!(
                    "new, on index `{index}`: it is sparse on the new optional attribute `{name}`, which no existing \
                     item has"
                ),
                NOTHING,
            ),
            None => self.push(
                Impact::Backfill,
                subject,
                format!(
                    "new, on index `{index}`: existing items have no {} keys, so they are not in it until they are \
                     rewritten",
                    describe_key_fields(new)
                ),
                backfill_action(keys.new_entity),
            ),
        }
    }

    // -- attributes and struct fields ---------------------------------------

    /// Compares the attributes of an entity (or the fields of a struct) and
    /// returns the pairs (old, new) of attributes that hold the same stored
    /// value: same field, or else same name.
    fn attributes(
        &mut self,
        owner: Owner<'_>,
        old: &'a [Attribute],
        new: &'a [Attribute],
    ) -> Vec<(&'a Attribute, &'a Attribute)> {
        let mut taken = vec![false; old.len()];
        let mut partner: Vec<Option<usize>> = new
            .iter()
            .map(|attr| {
                let found = old.iter().position(|o| o.field == attr.field);
                if let Some(i) = found {
                    taken[i] = true;
                }
                found
            })
            .collect();
        for (slot, attr) in partner.iter_mut().zip(new) {
            if slot.is_none() {
                let found = old
                    .iter()
                    .enumerate()
                    .position(|(i, o)| !taken[i] && o.name == attr.name);
                if let Some(i) = found {
                    taken[i] = true;
                }
                *slot = found;
            }
        }
        let mut pairs = Vec::new();
        for (slot, attr) in partner.into_iter().zip(new) {
            match slot {
                Some(i) => {
                    pairs.push((&old[i], attr));
                    self.attribute(owner, &old[i], attr);
                }
                None => self.new_attribute(owner, attr),
            }
        }
        for (attr, taken) in old.iter().zip(taken) {
            if !taken {
                self.push(
                    Impact::Safe,
                    owner.subject(&attr.name),
                    format!(
                        "removed: its stored values (`{}`) are ignored, and stay in existing items until a `put` \
                         rewrites them",
                        attr.field
                    ),
                    NOTHING,
                );
            }
        }
        pairs
    }

    fn attribute(&mut self, owner: Owner<'_>, old: &Attribute, new: &Attribute) {
        let subject = owner.subject(&new.name);
        if old.name != new.name {
            self.push(
                Impact::Safe,
                subject.clone(),
                format!("renamed from `{}` (stored field `{}` unchanged)", old.name, new.field),
                format!("{NOTHING} (only the Rust name changes)"),
            );
        }
        if old.field != new.field {
            self.push(
                Impact::Breaking,
                subject.clone(),
                format!(
                    "stored field changes from `{}` to `{}`: existing items keep the value under `{}`, so it reads \
                     as absent",
                    old.field, new.field, old.field
                ),
                format!(
                    "keep `@field(\"{}\")`, or copy `{}` to `{}` in every existing item before deploying",
                    old.field, old.field, new.field
                ),
            );
        }
        match self.storage_compat(old, new) {
            Compat::Same => {}
            Compat::Widened => self.push(
                Impact::Safe,
                subject.clone(),
                format!(
                    "type widens from `{}` to `{}`: stored values read back unchanged",
                    old.ty.describe(),
                    new.ty.describe()
                ),
                NOTHING,
            ),
            Compat::Incompatible => {
                self.push(
                    Impact::Breaking,
                    subject,
                    format!(
                        "type changes from {} to {}: existing items fail to decode",
                        describe_storage(old),
                        describe_storage(new)
                    ),
                    "keep the type, or add an attribute of the new type and fill it in every existing item before \
                     deploying",
                );
                // The other rules assume the same type.
                return;
            }
        }
        let is_set = matches!(new.ty, Type::Set(_));
        let read_default = new.read_default();
        match (old.optional, new.optional) {
            (true, false) => match (read_default, is_set) {
                (Some(default), _) => self.push(
                    Impact::Safe,
                    subject,
                    format!(
                        "now required, with default `{}`: existing items without it read the default",
                        default.schema_text()
                    ),
                    NOTHING,
                ),
                (None, true) => self.push(
                    Impact::Safe,
                    subject,
                    "now required: existing items without it read an empty set",
                    NOTHING,
                ),
                (None, false) => self.push(
                    Impact::Breaking,
                    subject,
                    "now required, without a default: existing items without it fail to decode",
                    "give it a default, or write it into every existing item that lacks it before deploying",
                ),
            },
            (false, true) => self.push(Impact::Safe, subject, "now optional", NOTHING),
            (true, true) => {}
            (false, false) if is_set => {}
            (false, false) => match (old.read_default(), new.read_default()) {
                (Some(before), None) => self.push(
                    Impact::Breaking,
                    subject,
                    format!(
                        "default `{}` removed: existing items that lack it (written before it existed) fail to decode",
                        before.schema_text()
                    ),
                    "keep the default, or make sure every existing item stores it (rewrite them with `upsert`) \
                     before deploying",
                ),
                (Some(before), Some(after)) if before != after => self.push(
                    Impact::Safe,
                    subject,
                    format!(
                        "default changes from `{}` to `{}`: existing items that lack it read the new default",
                        before.schema_text(),
                        after.schema_text()
                    ),
                    NOTHING,
                ),
                _ => {}
            },
        }
    }

    fn new_attribute(&mut self, owner: Owner<'_>, attr: &Attribute) {
        let subject = owner.subject(&attr.name);
        let added = match marker(attr) {
            Some(marker) => format!("new (added by `{marker}`)"),
            None => "new".to_string(),
        };
        let (impact, what, action) = if attr.optional {
            (
                Impact::Safe,
                format!("{added}, optional: existing items read it as absent"),
                NOTHING.to_string(),
            )
        } else if attr.role == AttributeRole::Version {
            (
                Impact::Safe,
                format!(
                    "{added}: existing items read as version 0, which is what a write expects of them, and \
                     their first write gives them version 1"
                ),
                NOTHING.to_string(),
            )
        } else if let Type::Set(_) = attr.ty {
            let note = match &attr.default {
                Some(Value::List(items)) if !items.is_empty() => {
                    " (not its default: a set's default applies on create)"
                }
                _ => "",
            };
            (
                Impact::Safe,
                format!("{added}, required set: existing items read it as an empty set{note}"),
                NOTHING.to_string(),
            )
        } else if let Some(default) = &attr.default {
            (
                Impact::Safe,
                format!(
                    "{added}, required with default `{}`: existing items read the default until rewritten",
                    default.schema_text()
                ),
                NOTHING.to_string(),
            )
        } else {
            let action = match marker(attr) {
                Some(marker) => format!(
                    "write `{}` into every existing item before deploying (the attributes of `{marker}` have no \
                     default)",
                    attr.field
                ),
                None => "give it a default (or make it optional), or write it into every existing item before \
                         deploying"
                    .to_string(),
            };
            (
                Impact::Breaking,
                format!("{added}, required without a default: existing items fail to decode"),
                action,
            )
        };
        self.push(impact, subject, what, action);
    }

    /// Whether values stored for `old` still read as `new`.
    fn storage_compat(&self, old: &Attribute, new: &Attribute) -> Compat {
        if is_epoch(old) != is_epoch(new) || timestamp_form(old) != timestamp_form(new) {
            return Compat::Incompatible;
        }
        self.type_compat(&old.ty, &new.ty, &mut Vec::new())
    }

    fn type_compat(&self, old: &Type, new: &Type, assumed: &mut Vec<(String, String)>) -> Compat {
        match (old, new) {
            (Type::Enum(a), Type::Enum(b)) => {
                // The same enum: its own changes are reported on the enum.
                // Another one: every value stored so far must still decode.
                let (Some(a), Some(b)) = (self.old.enum_named(a), self.new.enum_named(b)) else {
                    return Compat::Incompatible;
                };
                if a.name == b.name || a.variants.iter().all(|v| b.variants.iter().any(|w| w.value == v.value)) {
                    Compat::Same
                } else {
                    Compat::Incompatible
                }
            }
            (Type::Struct(a), Type::Struct(b)) if a == b => Compat::Same,
            (Type::Struct(a), Type::Struct(b)) => {
                if self.same_struct_shape(a, b, assumed) {
                    Compat::Same
                } else {
                    Compat::Incompatible
                }
            }
            (Type::List(a), Type::List(b)) | (Type::Map(a), Type::Map(b)) | (Type::Set(a), Type::Set(b)) => {
                self.type_compat(a, b, assumed)
            }
            (a, b) if a == b => Compat::Same,
            // Every stored value reads as a document.
            (_, Type::Json) => Compat::Widened,
            (Type::I32, Type::I64) | (Type::U32, Type::U64 | Type::I64) => Compat::Widened,
            (a, Type::Decimal) if a.is_integer() => Compat::Widened,
            _ => Compat::Incompatible,
        }
    }

    /// Whether old struct `a` and new struct `b` store the same fields the
    /// same way (a renamed struct). Recursion through the structs assumes
    /// the pair being compared is equal.
    fn same_struct_shape(&self, a: &str, b: &str, assumed: &mut Vec<(String, String)>) -> bool {
        if assumed.iter().any(|(x, y)| x == a && y == b) {
            return true;
        }
        let (Some(sa), Some(sb)) = (self.old.struct_named(a), self.new.struct_named(b)) else {
            return false;
        };
        assumed.push((a.to_string(), b.to_string()));
        sa.fields.len() == sb.fields.len()
            && sa.fields.iter().all(|f| {
                sb.fields.iter().any(|g| {
                    f.field == g.field
                        && f.optional == g.optional
                        && f.default == g.default
                        && self.type_compat(&f.ty, &g.ty, assumed) == Compat::Same
                })
            })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compat {
    Same,
    /// A numeric type that reads every value of the old one unchanged.
    Widened,
    Incompatible,
}

#[derive(Clone, Copy)]
enum Owner<'n> {
    Entity(&'n str),
    Struct(&'n str),
}

impl Owner<'_> {
    fn subject(self, name: &str) -> String {
        match self {
            Owner::Entity(entity) => format!("entity `{entity}`: attribute `{name}`"),
            Owner::Struct(s) => format!("struct `{s}`: field `{name}`"),
        }
    }
}

/// Whether two unique sets name the same attributes, in any order.
fn same_unique_set(a: &dyngen_dsl::ir::UniqueSet, b: &dyngen_dsl::ir::UniqueSet) -> bool {
    fn sorted(set: &dyngen_dsl::ir::UniqueSet) -> Vec<&str> {
        let mut names: Vec<&str> = set.attributes.iter().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
    sorted(a) == sorted(b)
}

fn backfill_action(entity: &Entity) -> String {
    let keeps = if entity.timestamps {
        ", and keeps `createdAt`"
    } else {
        ""
    };
    format!(
        "rewrite every existing `{}` item: read it and `upsert` it (that writes all its keys{keeps})",
        entity.name
    )
}

// ---------------------------------------------------------------------------
// Keys: what an access pattern writes, compared by stored value.

/// One segment of a key value.
#[derive(Debug, Clone)]
enum Segment {
    /// The service name: compared once for the whole schema.
    Service,
    Label(String),
    /// A composite: the attribute (by its name in the old schema, followed
    /// through renames; `None` for an attribute new in this schema), how its
    /// value is written, and its name for display.
    Value {
        identity: Option<String>,
        encoding: Encoding,
        name: String,
    },
}

/// Equal when the same value is written: the display name does not count.
impl PartialEq for Segment {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Segment::Service, Segment::Service) => true,
            (Segment::Label(a), Segment::Label(b)) => a == b,
            (
                Segment::Value {
                    identity: a,
                    encoding: x,
                    ..
                },
                Segment::Value {
                    identity: b,
                    encoding: y,
                    ..
                },
            ) => a.is_some() && a == b && x == y,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// Strings and enum values: written as text, cased.
    Text(Casing),
    /// One canonical form per type (see docs/key-format.md).
    Typed(&'static str),
    /// A hash shard of this many: another count moves most values.
    Shard(u16),
}

/// The value of one physical key attribute.
#[derive(Debug, Clone, PartialEq)]
struct KeyValue {
    field: String,
    /// How the segments are joined and typed: a change of codec (a list
    /// key made a template) or of type (`S` to `N`) rewrites every key.
    codec: dyngen_dsl::ir::KeyCodec,
    attr_type: dyngen_dsl::ir::KeyType,
    segments: Vec<Segment>,
}

/// What an access pattern writes: (partition, sort) key values, and the
/// table index, for display.
#[derive(Debug, Clone)]
struct Signature {
    index: Option<String>,
    /// The physical attributes count for secondary indexes only (the table's
    /// own are compared on the table).
    physical: bool,
    pk: KeyValue,
    sk: Option<KeyValue>,
    service: String,
}

impl PartialEq for Signature {
    fn eq(&self, other: &Self) -> bool {
        let fields = |s: &Signature| (s.pk.field.clone(), s.sk.as_ref().map(|k| k.field.clone()));
        (!self.physical || fields(self) == fields(other))
            && self.pk.same_value(&other.pk)
            && match (&self.sk, &other.sk) {
                (Some(a), Some(b)) => a.same_value(b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl KeyValue {
    /// Whether both write the same value (the physical attribute aside).
    fn same_value(&self, other: &KeyValue) -> bool {
        self.codec == other.codec && self.attr_type == other.attr_type && self.segments == other.segments
    }
}

struct KeyContext<'k> {
    old_entity: &'k Entity,
    new_entity: &'k Entity,
    pairs: &'k [(&'k Attribute, &'k Attribute)],
}

impl KeyContext<'_> {
    /// The old attribute the new attribute `name` holds the value of.
    fn old_attribute(&self, name: &str) -> Option<&Attribute> {
        self.pairs.iter().find(|(_, n)| n.name == name).map(|(o, _)| *o)
    }

    fn signature(&self, schema: &Schema, entity: &Entity, index: &EntityIndex, is_new: bool) -> Signature {
        let value = |template: &KeyTemplate, is_sort: bool| {
            use dyngen_dsl::ir::{KeyCodec, KeyPart};
            let mut segments = Vec::new();
            // The parts as the IR lays them out (docs/key-format.md); the
            // service label of dyngen's own partition keys is compared once,
            // for the whole schema.
            for (i, part) in template.layout.parts.iter().enumerate() {
                match part {
                    KeyPart::Literal(text)
                        if i == 0
                            && !is_sort
                            && template.layout.codec == KeyCodec::Segmented
                            && *text == schema.service =>
                    {
                        segments.push(Segment::Service)
                    }
                    KeyPart::Literal(text) => segments.push(Segment::Label(text.clone())),
                    KeyPart::Value(v) => {
                        let Some(attr) = entity.attribute(&v.attribute) else {
                            continue;
                        };
                        let identity = if is_new {
                            self.old_attribute(&v.attribute).map(|a| a.name.clone())
                        } else {
                            Some(v.attribute.clone())
                        };
                        let encoding = match v.derive {
                            Some(dyngen_dsl::ir::Derive::Shard(count)) => Encoding::Shard(count),
                            Some(d) => Encoding::Typed(d.word()),
                            None => encoding(attr, template.casing),
                        };
                        segments.push(Segment::Value {
                            identity,
                            encoding,
                            name: v.name(),
                        });
                    }
                }
            }
            KeyValue {
                field: template.field.clone(),
                codec: template.layout.codec,
                attr_type: template.layout.attr_type,
                segments,
            }
        };
        Signature {
            index: index.table_index.index_name().map(str::to_string),
            physical: !index.is_primary(),
            pk: value(&index.pk, false),
            sk: index.sk.as_ref().map(|sk| value(sk, true)),
            service: schema.service.clone(),
        }
    }
}

fn encoding(attr: &Attribute, casing: Casing) -> Encoding {
    match &attr.ty {
        Type::String | Type::Enum(_) => Encoding::Text(casing),
        // Each format writes other key text (`..05Z`, `..05.000Z`, `1704164645`).
        Type::Timestamp if is_epoch(attr) => Encoding::Typed("epoch seconds"),
        Type::Timestamp if attr.time_format.is_some() => {
            Encoding::Typed(attr.time_format.map_or("timestamp", TimeFormat::word))
        }
        Type::Bool => Encoding::Typed("bool"),
        Type::I32 => Encoding::Typed("i32"),
        Type::I64 => Encoding::Typed("i64"),
        Type::U32 => Encoding::Typed("u32"),
        Type::U64 => Encoding::Typed("u64"),
        Type::Decimal => Encoding::Typed("decimal"),
        Type::Timestamp => Encoding::Typed("timestamp"),
        // Not key scalars (the checker rejects them in keys).
        _ => Encoding::Typed("other"),
    }
}

/// A key value as a pattern: `vcs#{repoOwner}#{repoName}#`, typed composites
/// as `{issueNumber:i64}`, cased ones as `{email:lower}`.
fn render_key(value: &KeyValue, service: &str) -> String {
    let mut out = String::new();
    for segment in &value.segments {
        match segment {
            Segment::Service => out.push_str(service),
            Segment::Label(label) => out.push_str(label),
            Segment::Value { encoding, name, .. } => {
                let _ = match encoding {
                    Encoding::Text(Casing::Preserve) => write!(out, "{{{name}}}"),
                    Encoding::Text(Casing::Lower) => write!(out, "{{{name}:lower}}"),
                    Encoding::Text(Casing::Upper) => write!(out, "{{{name}:upper}}"),
                    Encoding::Typed(ty) => write!(out, "{{{name}:{ty}}}"),
                    Encoding::Shard(count) => write!(out, "{{{name}:shard of {count}}}"),
                };
            }
        }
        // dyngen's own layout ends every segment with `#`; a template's
        // text is its parts side by side.
        if value.codec == dyngen_dsl::ir::KeyCodec::Segmented {
            out.push('#');
        }
    }
    if value.attr_type != dyngen_dsl::ir::KeyType::S {
        let _ = write!(out, " ({})", value.attr_type.word());
    }
    out
}

fn describe_key_change(old: &Signature, new: &Signature, physical: bool) -> String {
    let mut parts = Vec::new();
    let fields = |s: &Signature| (s.pk.field.clone(), s.sk.as_ref().map(|k| k.field.clone()));
    if physical && fields(old) != fields(new) {
        let keys = |s: &Signature| describe_keys(&s.pk.field, s.sk.as_ref().map(|k| k.field.as_str()));
        let index = |s: &Signature| s.index.clone().unwrap_or_default();
        if index(old) == index(new) {
            parts.push(format!(
                "index `{}` now keys on {} (was {})",
                index(new),
                keys(new),
                keys(old)
            ));
        } else {
            parts.push(format!(
                "its keys move from index `{}` ({}) to index `{}` ({})",
                index(old),
                keys(old),
                index(new),
                keys(new)
            ));
        }
    }
    let mut key = |role: &str, before: Option<&KeyValue>, after: Option<&KeyValue>| {
        let (b, a) = (
            before.map(|k| render_key(k, &old.service)),
            after.map(|k| render_key(k, &new.service)),
        );
        match (before, after) {
            (Some(x), Some(y)) if !x.same_value(y) => {
                let (b, a) = (b.unwrap_or_default(), a.unwrap_or_default());
                if b == a {
                    parts.push(format!(
                        "{role} key `{}` (`{a}`) is built from different attributes of the same names",
                        y.field
                    ));
                } else {
                    parts.push(format!("{role} key `{}` changes from `{b}` to `{a}`", y.field));
                }
            }
            (None, Some(y)) => parts.push(format!(
                "gains the {role} key `{}` = `{}`",
                y.field,
                a.unwrap_or_default()
            )),
            (Some(x), None) => parts.push(format!(
                "loses the {role} key `{}` (`{}`)",
                x.field,
                b.unwrap_or_default()
            )),
            _ => {}
        }
    };
    key("partition", Some(&old.pk), Some(&new.pk));
    key("sort", old.sk.as_ref(), new.sk.as_ref());
    parts.join("; ")
}

// ---------------------------------------------------------------------------
// Small descriptions.

/// Whether a timestamp is stored as epoch seconds (the `ttl` attribute).
fn is_epoch(attr: &Attribute) -> bool {
    attr.role == AttributeRole::Ttl && attr.ty == Type::Timestamp
}

/// How a timestamp's stored value reads back: any RFC 3339 text reads in
/// every text format, but epoch seconds and epoch milliseconds are numbers
/// that read as other times in each other's place.
fn timestamp_form(attr: &Attribute) -> Option<&'static str> {
    let form = match attr.time_format {
        Some(TimeFormat::EpochSeconds) => "epoch seconds",
        Some(TimeFormat::EpochMillis) => "epoch milliseconds",
        _ => "text",
    };
    (attr.ty == Type::Timestamp).then_some(form)
}

fn describe_storage(attr: &Attribute) -> String {
    if is_epoch(attr) {
        "`timestamp` stored as epoch seconds (`ttl`)".to_string()
    } else if let Some(form) = timestamp_form(attr) {
        format!("`timestamp` stored as {form}")
    } else {
        format!("`{}`", attr.ty.describe())
    }
}

fn marker(attr: &Attribute) -> Option<&'static str> {
    if !attr.implicit {
        return None;
    }
    match attr.role {
        AttributeRole::CreatedAt | AttributeRole::UpdatedAt => Some("timestamps"),
        AttributeRole::Version => Some("version"),
        _ => None,
    }
}

fn kind_name(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Global => "global",
        IndexKind::Local => "local",
    }
}

fn describe_keys(pk: &str, sk: Option<&str>) -> String {
    match sk {
        Some(sk) => format!("`{pk}`/`{sk}`"),
        None => format!("`{pk}`"),
    }
}

fn describe_key_fields(index: &EntityIndex) -> String {
    describe_keys(&index.pk.field, index.sk.as_ref().map(|k| k.field.as_str()))
}

fn describe_index(index: &TableIndex) -> String {
    format!(
        "keys {}, projection {}",
        describe_keys(&index.pk, index.sk.as_deref()),
        describe_projection(&index.projection)
    )
}

fn describe_projection(projection: &Projection) -> String {
    match projection {
        Projection::All => "all".to_string(),
        Projection::KeysOnly => "keys_only".to_string(),
        Projection::Include(names) => format!(
            "include [{}]",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn names_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        1 => format!("{} is", quoted[0]),
        _ => format!("{} are", quoted.join(", ")),
    }
}

/// Whether an entity attribute or struct field of `schema` has a type that
/// mentions the enum or struct `name` (so values of it may be stored).
fn uses_type(schema: &Schema, name: &str) -> bool {
    fn mentions(ty: &Type, name: &str) -> bool {
        match ty {
            Type::Enum(n) | Type::Struct(n) => n == name,
            Type::List(t) | Type::Map(t) | Type::Set(t) => mentions(t, name),
            _ => false,
        }
    }
    let entity_fields = schema.entities.iter().flat_map(|e| &e.attributes);
    let struct_fields = schema.structs.iter().flat_map(|s: &Struct| &s.fields);
    entity_fields.chain(struct_fields).any(|a| mentions(&a.ty, name))
}

/// Whether two entities store the same attributes the same way (a rename).
fn same_attributes(old: &Entity, new: &Entity) -> bool {
    old.attributes.len() == new.attributes.len()
        && old.attributes.iter().zip(&new.attributes).all(|(a, b)| {
            a.name == b.name && a.field == b.field && a.ty == b.ty && a.optional == b.optional && a.role == b.role
        })
}
