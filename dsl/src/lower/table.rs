//! The table: its settings, key attributes, secondary indexes and their
//! projections.

use super::{Lowerer, AGAIN, DEFAULT_ENTITY_TAG_FIELD, MAX_KEY_ATTRIBUTE_NAME, REDEFINED, SET_AGAIN};
use crate::ast;
use crate::diagnostic::Code;
use crate::ir::*;
use crate::span::Span;
use std::collections::BTreeMap;

/// A table's settings by key: the first of each (repeats are reported).
struct TableSettings<'a>(BTreeMap<&'a str, &'a ast::TableSetting>);

impl<'a> TableSettings<'a> {
    fn get(&self, key: &str) -> Option<&'a ast::TableSetting> {
        self.0.get(key).copied()
    }

    /// The DynamoDB type of the `pk` or `sk` attribute.
    fn key_type(&self, key: &str) -> KeyType {
        self.get(key).map_or(KeyType::S, key_type_of)
    }
}

/// The table's own key attributes, which its indexes are checked against.
struct TableKeys<'a> {
    pk: &'a str,
    pk_type: KeyType,
    sk: Option<&'a str>,
}

/// A table index's `pk:` and `sk:` (the first of each).
#[derive(Clone, Copy)]
struct IndexKeys<'a> {
    kind: IndexKind,
    pk: Option<&'a ast::TableSetting>,
    sk: Option<&'a ast::TableSetting>,
}

impl Lowerer {
    pub(super) fn table(&mut self, t: &ast::Table) -> Table {
        let settings = self.table_settings(t);
        let (pk, sk) = self.table_keys(t, &settings);
        let keys = TableKeys {
            pk: &pk,
            pk_type: settings.key_type("pk"),
            sk: sk.as_deref(),
        };
        let mut indexes = self.table_indexes(t, &keys);
        self.unify_key_types(t, &settings, &mut indexes);
        self.check_physical_index_names(&indexes);
        self.check_index_counts(t, &indexes, sk.is_some());
        let format = self.key_format(&settings);
        let entity_tag_field = self.entity_tag_field(&settings, format);
        self.check_untyped_settings(&settings);
        let key_attributes = key_attribute_names(&keys, &indexes);
        self.check_value_attributes(&settings, &key_attributes, entity_tag_field.as_deref());
        let rust_name = self.type_rust_name(&t.name, "table");
        Table {
            name: t.name.text.clone(),
            rust_name,
            docs: t.docs.clone(),
            pk_type: settings.key_type("pk"),
            sk_type: settings.key_type("sk"),
            pk,
            sk,
            indexes,
            ttl_field: settings.get("ttl").map(|s| s.value.text.clone()),
            entity_tag_field,
            format,
            span: t.name.span,
        }
    }

    /// The table's settings by key, reporting repeats and empty attribute
    /// names.
    fn table_settings<'a>(&mut self, t: &'a ast::Table) -> TableSettings<'a> {
        let mut settings: BTreeMap<&str, &ast::TableSetting> = BTreeMap::new();
        for s in &t.settings {
            if let Some(first) = settings.get(s.key.text.as_str()) {
                let message = format!("`{}` is set twice in table `{}`", s.key.text, t.name.text);
                self.report_repeat(Code::TableKeyDeclaration, message, (s.span, first.span), SET_AGAIN)
                    .help("keep one of them");
                continue;
            }
            settings.insert(s.key.text.as_str(), s);
        }
        for s in &t.settings {
            if s.value.text.is_empty() {
                self.empty_field_name(s.value.span);
            }
        }
        TableSettings(settings)
    }

    /// The table's partition and sort key attributes.
    fn table_keys(&mut self, t: &ast::Table, settings: &TableSettings<'_>) -> (String, Option<String>) {
        let pk = match settings.get("pk") {
            Some(s) => s.value.text.clone(),
            None => {
                let message = format!("table `{}` has no partition key", t.name.text);
                let label = "no `pk:` in this table";
                self.report(Code::TableKeyDeclaration, message, t.name.span, label)
                    .help("name the partition key attribute, e.g. `pk: pk`");
                "pk".to_string()
            }
        };
        let sk = settings.get("sk").map(|s| s.value.text.clone());
        if let (Some(sk_setting), Some(pk_setting)) = (settings.get("sk"), settings.get("pk")) {
            if sk_setting.value.text == pk_setting.value.text {
                let message = format!("the table's partition and sort key are both `{pk}`");
                let label = "sort key attribute";
                self.report(Code::KeyAttributeName, message, sk_setting.value.span, label)
                    .secondary(pk_setting.value.span, "partition key attribute")
                    .help("give the sort key its own attribute, e.g. `sk: sk`");
            }
        }
        for s in [settings.get("pk"), settings.get("sk")].into_iter().flatten() {
            self.check_key_attribute_length(&s.value);
        }
        (pk, sk)
    }

    fn check_key_attribute_length(&mut self, name: &ast::Ident) {
        if name.text.len() > MAX_KEY_ATTRIBUTE_NAME {
            let message = format!("key attribute name is {} bytes long", name.text.len());
            self.report(Code::KeyAttributeName, message, name.span, "too long")
                .note("DynamoDB limits key attribute names to 255 bytes")
                .help("use a shorter attribute name");
        }
    }

    /// The table's secondary indexes, each name once.
    fn table_indexes(&mut self, t: &ast::Table, keys: &TableKeys<'_>) -> Vec<TableIndex> {
        let mut indexes: Vec<TableIndex> = Vec::new();
        let mut index_spans: BTreeMap<String, Span> = BTreeMap::new();
        for index in &t.indexes {
            if let Some(first) = index_spans.get(&index.name.text) {
                let message = format!("table index `{}` is declared twice", index.name.text);
                self.report_repeat(Code::DuplicateIndex, message, (index.name.span, *first), REDEFINED)
                    .help("rename one of the indexes");
                continue;
            }
            index_spans.insert(index.name.text.clone(), index.name.span);
            indexes.push(self.table_index(index, keys));
        }
        indexes
    }

    /// One attribute, one type: DynamoDB's AttributeDefinitions hold each
    /// key attribute once.
    fn unify_key_types(&mut self, t: &ast::Table, settings: &TableSettings<'_>, indexes: &mut [TableIndex]) {
        let mut declared: Vec<(&str, KeyType, Span)> = Vec::new();
        let table_keys = [settings.get("pk"), settings.get("sk")].into_iter().flatten();
        let index_keys = t.indexes.iter().flat_map(|i| &i.keys);
        for setting in table_keys.chain(index_keys) {
            let (name, ty) = (setting.value.text.as_str(), key_type_of(setting));
            match declared.iter().find(|(n, _, _)| *n == name) {
                Some((_, first, span)) if *first != ty => {
                    let message = format!(
                        "key attribute `{name}` is declared `{}` and `{}`",
                        first.word(),
                        ty.word()
                    );
                    let label = format!("`{}` here", ty.word());
                    self.report(Code::KeyTypeMismatch, message, setting.span, label)
                        .secondary(*span, format!("`{}` here", first.word()))
                        .help("a key attribute has one type in the table and all its indexes");
                }
                Some(_) => {}
                None => declared.push((name, ty, setting.span)),
            }
        }
        // After the error, the first declaration counts (one error, not
        // one per key built on the attribute).
        let first = |name: &str, ty: KeyType| declared.iter().find(|(n, _, _)| *n == name).map_or(ty, |(_, t, _)| *t);
        for index in indexes {
            index.pk_type = first(&index.pk, index.pk_type);
            if let Some(sk) = &index.sk {
                index.sk_type = first(sk, index.sk_type);
            }
        }
    }

    /// DynamoDB names: unique among the table's indexes.
    fn check_physical_index_names(&mut self, indexes: &[TableIndex]) {
        let mut physical: BTreeMap<&str, &TableIndex> = BTreeMap::new();
        for index in indexes {
            if let Some(first) = physical.get(index.physical_name.as_str()) {
                let message = format!(
                    "indexes `{}` and `{}` have the same DynamoDB name `{}`",
                    first.name, index.name, index.physical_name
                );
                let label = "second index with this name";
                self.report(Code::PhysicalIndexName, message, index.span, label)
                    .secondary(first.span, "first index with this name")
                    .help("give each index its own `name:`");
            } else {
                physical.insert(&index.physical_name, index);
            }
        }
    }

    /// DynamoDB's index quotas, and the sort key local indexes need.
    fn check_index_counts(&mut self, t: &ast::Table, indexes: &[TableIndex], has_sort_key: bool) {
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
            let message = format!("table `{}` has {globals} global secondary indexes", t.name.text);
            let span = twenty_first.map_or(t.name.span, |i| i.name.span);
            self.report(Code::TooManyGlobalIndexes, message, span, "the 21st is here")
                .note("DynamoDB's default quota is 20 global secondary indexes per table")
                .help("request a quota increase before deploying, or overload fewer indexes");
        }
        if locals.len() > 5 {
            let message = format!("table `{}` has {} local secondary indexes", t.name.text, locals.len());
            let label = "the 6th is here";
            self.report(Code::TooManyLocalIndexes, message, locals[5].name.span, label)
                .note("DynamoDB allows at most 5 local secondary indexes per table, and no quota raises it")
                .help("use a global secondary index instead");
        }
        if !locals.is_empty() && !has_sort_key {
            let message = format!("table `{}` has local indexes but no sort key", t.name.text);
            let label = "local index declared here";
            self.report(Code::TableKeyDeclaration, message, locals[0].name.span, label)
                .help("a local secondary index needs a table with a sort key: add `sk: sk` to the table");
        }
    }

    /// `format:`, dyngen's own when left out.
    fn key_format(&mut self, settings: &TableSettings<'_>) -> KeyFormat {
        let Some(s) = settings.get("format") else {
            return KeyFormat::Dyngen;
        };
        match KeyFormat::ALL.iter().find(|(w, _)| *w == s.value.text) {
            Some((_, format)) => *format,
            None => {
                let message = format!("`{}` is no key format", s.value.text);
                self.report(Code::KeyFormat, message, s.value.span, "unknown format")
                    .help(
                        "write `format: electrodb` for tables ElectroDB laid out, or leave `format` out (dyngen's own)",
                    );
                KeyFormat::Dyngen
            }
        }
    }

    /// The attribute holding each item's entity name, if any.
    fn entity_tag_field(&mut self, settings: &TableSettings<'_>, format: KeyFormat) -> Option<String> {
        // `entity_tag: none` (unquoted): the table's items carry no tag.
        match (settings.get("entity_tag"), format) {
            (Some(s), KeyFormat::ElectroDb) => {
                let message = "an ElectroDB table's entity tag is `__edb_e__`";
                self.report(Code::KeyFormat, message, s.span, "a tag of its own")
                    .note("ElectroDB reads an item only when `__edb_e__` and `__edb_v__` name its model")
                    .help("remove `entity_tag` (`format: electrodb` tags every item as ElectroDB does)");
                Some(ELECTRODB_ENTITY_FIELD.to_string())
            }
            (None, KeyFormat::ElectroDb) => Some(ELECTRODB_ENTITY_FIELD.to_string()),
            (Some(s), _) if !s.quoted && s.value.text == "none" => None,
            (Some(s), _) => Some(s.value.text.clone()),
            (None, _) => Some(DEFAULT_ENTITY_TAG_FIELD.to_string()),
        }
    }

    /// Only key attributes take a key type.
    fn check_untyped_settings(&mut self, settings: &TableSettings<'_>) {
        for s in ["ttl", "entity_tag", "format"]
            .into_iter()
            .filter_map(|k| settings.get(k))
        {
            if let Some(ty) = &s.key_type {
                let message = format!("`{}` is no key attribute and takes no key type", s.key.text);
                self.report(Code::KeyTypeMismatch, message, ty.span, "a key type here")
                    .help(format!("remove `{}`", ty.text));
            }
        }
    }

    /// The entity tag and the TTL attribute hold values of their own: they
    /// cannot double as a key attribute or as each other.
    fn check_value_attributes(
        &mut self,
        settings: &TableSettings<'_>,
        key_attributes: &[&str],
        entity_tag_field: Option<&str>,
    ) {
        for setting in ["entity_tag", "ttl"].into_iter().filter_map(|k| settings.get(k)) {
            let value = setting.value.text.as_str();
            if setting.key.text == "entity_tag" && entity_tag_field.is_none() {
                continue;
            }
            let clash = if key_attributes.contains(&value) {
                Some("a key attribute".to_string())
            } else if setting.key.text == "ttl" && Some(value) == entity_tag_field {
                Some("the entity tag".to_string())
            } else {
                None
            };
            if let Some(what) = clash {
                let message = format!("the table's `{}` attribute `{value}` is also {what}", setting.key.text);
                let label = format!("already {what}");
                self.report(Code::KeyAttributeName, message, setting.value.span, label)
                    .help("give it an attribute name of its own");
            }
        }
    }

    // ---- table indexes ---------------------------------------------------

    fn table_index(&mut self, index: &ast::TableIndex, table: &TableKeys<'_>) -> TableIndex {
        let keys = self.index_keys(index);
        let pk = self.index_partition_key(index, keys, table);
        self.check_index_sort_key(index, keys, table);
        let projection = self.index_projection(index);
        let physical_name = self.physical_index_name(index);
        let pk_type = self.index_pk_type(index, keys, table);
        TableIndex {
            name: index.name.text.clone(),
            physical_name,
            kind: keys.kind,
            docs: index.docs.clone(),
            pk,
            pk_type,
            sk: keys.sk.map(|s| s.value.text.clone()),
            sk_type: keys.sk.map_or(KeyType::S, key_type_of),
            projection,
            span: index.name.span,
        }
    }

    /// The index's kind, `pk:` and `sk:`, reporting repeats and key
    /// attribute names DynamoDB refuses.
    fn index_keys<'a>(&mut self, index: &'a ast::TableIndex) -> IndexKeys<'a> {
        let mut pk: Option<&ast::TableSetting> = None;
        let mut sk: Option<&ast::TableSetting> = None;
        for key in &index.keys {
            let slot = if key.key.text == "pk" { &mut pk } else { &mut sk };
            if let Some(first) = slot {
                let message = format!("`{}` is set twice in index `{}`", key.key.text, index.name.text);
                self.report_repeat(Code::TableKeyDeclaration, message, (key.span, first.span), SET_AGAIN)
                    .help("keep one of them");
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
        IndexKeys { kind, pk, sk }
    }

    /// The index's partition key attribute: its own for a global index, the
    /// table's for a local one.
    fn index_partition_key(&mut self, index: &ast::TableIndex, keys: IndexKeys<'_>, table: &TableKeys<'_>) -> String {
        let table_pk = table.pk;
        match (keys.kind, keys.pk) {
            (IndexKind::Global, Some(pk)) => pk.value.text.clone(),
            (IndexKind::Global, None) => {
                let message = format!("global index `{}` has no partition key", index.name.text);
                let label = "no `pk:` in this index";
                self.report(Code::TableKeyDeclaration, message, index.name.span, label)
                    .help(format!(
                        "name its partition key attribute, e.g. `pk: {}pk`",
                        index.name.text
                    ));
                format!("{}pk", index.name.text)
            }
            (IndexKind::Local, Some(pk)) if pk.value.text != table_pk => {
                let message = format!(
                    "local index `{}` must use the table's partition key `{table_pk}`",
                    index.name.text
                );
                let label = format!("`{}` is not the table's partition key", pk.value.text);
                self.report(Code::LocalIndexPartition, message, pk.value.span, label)
                    .note("a local secondary index shares the table's partition key and only adds a sort key")
                    .help(format!(
                        "remove `pk:` (or write `pk: {table_pk}`), or make this a global index"
                    ));
                table_pk.to_string()
            }
            (IndexKind::Local, _) => table_pk.to_string(),
        }
    }

    /// A local index needs a sort key of its own; no index uses one
    /// attribute for both keys.
    fn check_index_sort_key(&mut self, index: &ast::TableIndex, keys: IndexKeys<'_>, table: &TableKeys<'_>) {
        if keys.kind == IndexKind::Local && keys.sk.is_none() {
            let message = format!("local index `{}` has no sort key", index.name.text);
            let label = "no `sk:` in this index";
            self.report(Code::TableKeyDeclaration, message, index.name.span, label)
                .help(format!(
                    "a local index exists to add a sort key: `sk: {}sk`",
                    index.name.text
                ));
        }
        if let (Some(pk), Some(sk)) = (keys.pk, keys.sk) {
            if pk.value.text == sk.value.text {
                let message = format!("index `{}` uses `{}` as both keys", index.name.text, sk.value.text);
                self.report(Code::KeyAttributeName, message, sk.value.span, "sort key attribute")
                    .secondary(pk.value.span, "partition key attribute")
                    .help("give the sort key its own attribute");
            }
        }
        if let (IndexKind::Local, Some(sk)) = (keys.kind, keys.sk) {
            if Some(sk.value.text.as_str()) == table.sk || sk.value.text == table.pk {
                let message = format!(
                    "local index `{}` reuses the table's key attribute `{}`",
                    index.name.text, sk.value.text
                );
                let label = "already a key of the table";
                self.report(Code::KeyAttributeName, message, sk.value.span, label)
                    .help("a local index needs a sort key attribute of its own");
            }
        }
    }

    /// The index's `projection:` (all attributes when left out).
    fn index_projection(&mut self, index: &ast::TableIndex) -> Projection {
        match index.projections.as_slice() {
            [] => Projection::All,
            [first, rest @ ..] => {
                for extra in rest {
                    let message = format!("index `{}` has more than one projection", index.name.text);
                    self.report(Code::Projection, message, extra.span, "another projection here")
                        .secondary(first.span, "first projection here")
                        .help("keep one `projection:`");
                }
                self.projection(first)
            }
        }
    }

    /// The index's DynamoDB name: its `name:`, or its own name.
    fn physical_index_name(&mut self, index: &ast::TableIndex) -> String {
        let [first, rest @ ..] = index.physical_names.as_slice() else {
            return index.name.text.clone();
        };
        for extra in rest {
            let message = format!("index `{}` is given its DynamoDB name twice", index.name.text);
            self.report_repeat(Code::PhysicalIndexName, message, (extra.span, first.span), AGAIN)
                .help("keep one `name:`");
        }
        let valid = (3..=255).contains(&first.value.len())
            && first
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            let message = format!("`{}` is not a valid DynamoDB index name", first.value);
            self.report(Code::PhysicalIndexName, message, first.span, "invalid index name")
                .note("DynamoDB index names are 3 to 255 characters of `a-z`, `A-Z`, `0-9`, `_`, `-` and `.`")
                .help("write the index's name exactly as DynamoDB shows it");
        }
        first.value.clone()
    }

    /// The type of the index's partition key; a local index has the table's.
    fn index_pk_type(&mut self, index: &ast::TableIndex, keys: IndexKeys<'_>, table: &TableKeys<'_>) -> KeyType {
        let pk_type = match (keys.kind, keys.pk) {
            (IndexKind::Global, Some(pk)) => key_type_of(pk),
            _ => table.pk_type,
        };
        if let (IndexKind::Local, Some(pk)) = (keys.kind, keys.pk) {
            if pk.key_type.is_some() && key_type_of(pk) != table.pk_type {
                let message = format!(
                    "local index `{}` declares another type for the table's partition key",
                    index.name.text
                );
                self.report(Code::KeyTypeMismatch, message, pk.span, "differs from the table's")
                    .help("a local index shares the table's partition key: leave its type out");
            }
        }
        pk_type
    }

    fn projection(&mut self, p: &ast::Projection) -> Projection {
        match &p.kind {
            ast::ProjectionKind::All => Projection::All,
            ast::ProjectionKind::KeysOnly => Projection::KeysOnly,
            ast::ProjectionKind::Include(names) => {
                if names.is_empty() {
                    let message = "`include` projects no attributes";
                    let label = "empty list";
                    self.report(Code::Projection, message, p.span, label)
                        .help("list the stored attribute names to project, or use `keys_only`");
                }
                let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                let mut projected = Vec::new();
                for n in names {
                    if n.text.is_empty() {
                        self.empty_field_name(n.span);
                    }
                    if let Some(first) = seen.get(n.text.as_str()) {
                        let message = format!("`{}` is projected twice", n.text);
                        self.report(Code::Projection, message, n.span, "listed again here")
                            .secondary(*first, "first listed here")
                            .help("list each attribute once");
                    }
                    if seen.insert(&n.text, n.span).is_none() {
                        projected.push(n.text.clone());
                    }
                }
                Projection::Include(projected)
            }
        }
    }
}

/// Every key attribute of the table and its indexes.
fn key_attribute_names<'a>(keys: &TableKeys<'a>, indexes: &'a [TableIndex]) -> Vec<&'a str> {
    let mut names: Vec<&str> = vec![keys.pk];
    names.extend(keys.sk);
    for index in indexes {
        names.push(&index.pk);
        names.extend(index.sk.as_deref());
    }
    names
}

/// The DynamoDB type written after a key attribute (`S` when none is).
fn key_type_of(setting: &ast::TableSetting) -> KeyType {
    match setting.key_type.as_ref().map(|t| t.text.as_str()) {
        Some("N") => KeyType::N,
        Some("B") => KeyType::B,
        _ => KeyType::S,
    }
}
