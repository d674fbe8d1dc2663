//! The table handle and the static description generated code gives of it.

use crate::error::{Error, Operation};
use crate::sdk::sdk_error;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection as SdkProjection, ProjectionType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What errors of table administration name as their entity.
const TABLE: &str = "table";
/// How long [`Table::create_if_missing`] waits for the table to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Global,
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    All,
    KeysOnly,
    /// Stored attribute names projected besides the keys.
    Include(&'static [&'static str]),
}

/// A secondary index of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    pub name: &'static str,
    pub kind: IndexKind,
    pub pk: &'static str,
    pub sk: Option<&'static str>,
    pub projection: Projection,
}

impl IndexDef {
    /// A global secondary index with partition key `pk`, projecting all
    /// attributes.
    pub const fn global(name: &'static str, pk: &'static str) -> Self {
        IndexDef {
            name,
            kind: IndexKind::Global,
            pk,
            sk: None,
            projection: Projection::All,
        }
    }

    /// A local secondary index (its partition key `pk` is the table's),
    /// projecting all attributes.
    pub const fn local(name: &'static str, pk: &'static str) -> Self {
        IndexDef {
            kind: IndexKind::Local,
            ..IndexDef::global(name, pk)
        }
    }

    /// With sort key `sk`.
    pub const fn sort(self, sk: &'static str) -> Self {
        IndexDef { sk: Some(sk), ..self }
    }

    /// With `projection` instead of all attributes.
    pub const fn projection(self, projection: Projection) -> Self {
        IndexDef { projection, ..self }
    }
}

/// The physical layout of the table, as the schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    pub pk: &'static str,
    pub sk: Option<&'static str>,
    pub indexes: &'static [IndexDef],
    /// The attribute DynamoDB's TTL is enabled on.
    pub ttl: Option<&'static str>,
    /// The attribute holding each item's entity name.
    pub entity_tag: &'static str,
}

/// A DynamoDB client, a table name and the table's layout.
#[derive(Debug, Clone)]
pub struct Table {
    client: Client,
    name: Arc<str>,
    def: &'static TableDef,
    /// Whether reads leave out items whose TTL has passed.
    hide_expired: bool,
    /// Key attributes that are not strings (`N`, `B`), for `create_if_missing`.
    key_types: &'static [(&'static str, crate::key::KeyType)],
}

/// DynamoDB's expiry rule, in one place for reads and writes: an item is
/// expired when its TTL attribute holds epoch seconds not after `now`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expiry {
    pub(crate) field: &'static str,
    /// Epoch seconds.
    pub(crate) now: i64,
}

impl Expiry {
    pub(crate) fn new(field: &'static str, now: chrono::DateTime<chrono::Utc>) -> Self {
        Expiry {
            field,
            now: now.timestamp(),
        }
    }

    pub(crate) fn expired(&self, item: &crate::Item) -> bool {
        matches!(item.get(self.field), Some(aws_sdk_dynamodb::types::AttributeValue::N(seconds))
            if seconds.parse::<i64>().is_ok_and(|s| s <= self.now))
    }

    /// The conditions "expired" and "live" (no TTL, or one after now),
    /// sharing their placeholders, so using either one leaves none unused.
    pub(crate) fn conditions(&self, aliases: &mut crate::expr::Aliases) -> ExpiryConditions {
        let name = aliases.name(self.field);
        let now = aliases.value(aws_sdk_dynamodb::types::AttributeValue::N(self.now.to_string()));
        ExpiryConditions {
            expired: format!("{name} <= {now}"),
            live: format!("(attribute_not_exists({name}) OR {name} > {now})"),
        }
    }
}

/// [`Expiry::conditions`].
pub(crate) struct ExpiryConditions {
    pub(crate) expired: String,
    pub(crate) live: String,
}

impl Table {
    pub fn new(client: Client, name: impl Into<String>, def: &'static TableDef) -> Self {
        Table {
            client,
            name: Arc::from(name.into()),
            def,
            hide_expired: true,
            key_types: &[],
        }
    }

    /// Declares the key attributes that are numbers or binaries (the others
    /// are strings): the types `create_if_missing` gives them.
    pub fn with_key_types(mut self, key_types: &'static [(&'static str, crate::key::KeyType)]) -> Self {
        self.key_types = key_types;
        self
    }

    /// Reads return items whose TTL has passed but that DynamoDB has not
    /// deleted yet (it deletes them within days). By default `get`, queries
    /// and collections leave them out.
    pub fn show_expired(mut self) -> Self {
        self.hide_expired = false;
        self
    }

    /// Whether `item` is expired and reads should leave it out: its TTL
    /// attribute holds a time that has passed (DynamoDB's rule: epoch
    /// seconds, not after now).
    pub fn is_expired(&self, item: &crate::Item) -> bool {
        self.expiry_filter()
            .is_some_and(|field| Expiry::new(field, chrono::Utc::now()).expired(item))
    }

    /// The TTL attribute reads filter on, when expired items are hidden.
    pub fn expiry_filter(&self) -> Option<&'static str> {
        self.def.ttl.filter(|_| self.hide_expired)
    }

    /// The `ProjectionExpression` of a read of `attributes` (stored names)
    /// of entity `meta`, its names aliased in `aliases`: those, and what
    /// every read checks of an item: the table's keys (batch and
    /// transactional gets match items by them), the entity tag and fixed
    /// attributes, and the expiry attribute when expired items are hidden.
    pub(crate) fn projection_expression(
        &self,
        meta: &crate::entity::EntityMeta,
        attributes: &[&str],
        aliases: &mut crate::expr::Aliases,
    ) -> String {
        let def = self.def;
        let mut names: Vec<&str> = Vec::with_capacity(attributes.len() + 4);
        let checked = std::iter::once(def.pk)
            .chain(def.sk)
            .chain((!def.entity_tag.is_empty()).then_some(def.entity_tag))
            .chain(meta.fixed.iter().map(|f| f.field))
            .chain(self.expiry_filter());
        for name in attributes.iter().copied().chain(checked) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.iter().map(|n| aliases.name(n)).collect::<Vec<_>>().join(", ")
    }

    /// The filter expression that leaves out expired items on `index`
    /// (`None`: the table), with its placeholders in `aliases`; `None` when
    /// nothing is to be hidden there. The rule is [`Table::is_expired`]'s:
    /// visible while the expiry time is after now.
    pub(crate) fn expiry_condition(&self, index: Option<&str>, aliases: &mut crate::expr::Aliases) -> Option<String> {
        let field = self.expiry_filter_on(index)?;
        Some(Expiry::new(field, chrono::Utc::now()).conditions(aliases).live)
    }

    /// The TTL attribute a query of `index` (`None`: the table) filters on:
    /// only when the index projects it. (An entity with a TTL attribute is
    /// read only through indexes that project all its attributes: schema
    /// check E0311; others have no expiry to hide.)
    pub fn expiry_filter_on(&self, index: Option<&str>) -> Option<&'static str> {
        let field = self.expiry_filter()?;
        let Some(index) = index else {
            return Some(field);
        };
        let def = self.def.indexes.iter().find(|i| i.name == index)?;
        match def.projection {
            Projection::All => Some(field),
            Projection::KeysOnly => None,
            Projection::Include(names) => names.contains(&field).then_some(field),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn def(&self) -> &'static TableDef {
        self.def
    }

    /// Creates the table with its key schema, secondary indexes (with their
    /// projections) and on-demand billing, waits until it is active, and
    /// enables TTL when the schema has a TTL attribute. Does nothing when the
    /// table exists already. For tests and local development; production
    /// tables belong to your infrastructure tooling.
    ///
    /// When the table exists already (perhaps still being created by another
    /// caller), this only waits until it is active; it does not touch its TTL.
    pub async fn create_if_missing(&self) -> Result<(), Error> {
        let def = self.def;
        let mut request = self
            .client
            .create_table()
            .table_name(self.name())
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(attribute_definitions(def, self.key_types)?))
            .set_key_schema(Some(key_schema(def.pk, def.sk)?));
        for index in def.indexes {
            let projection = projection(index.projection);
            match index.kind {
                IndexKind::Global => {
                    let gsi = GlobalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(key_schema(index.pk, index.sk)?))
                        .projection(projection)
                        .build()
                        .map_err(|e| Error::sdk(TABLE, Operation::CreateTable, e))?;
                    request = request.global_secondary_indexes(gsi);
                }
                IndexKind::Local => {
                    let lsi = LocalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(key_schema(index.pk, index.sk)?))
                        .projection(projection)
                        .build()
                        .map_err(|e| Error::sdk(TABLE, Operation::CreateTable, e))?;
                    request = request.local_secondary_indexes(lsi);
                }
            }
        }

        let created = match request.send().await {
            Ok(_) => true,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => false,
            Err(err) => return Err(sdk_error(TABLE, Operation::CreateTable, err)),
        };

        self.wait_until_active().await?;

        if let (true, Some(ttl)) = (created, def.ttl) {
            self.enable_ttl(ttl).await?;
        }
        Ok(())
    }

    /// Polls `DescribeTable` until the table and its global indexes are
    /// active, for at most [`ACTIVE_TIMEOUT`].
    async fn wait_until_active(&self) -> Result<(), Error> {
        let deadline = Instant::now() + ACTIVE_TIMEOUT;
        let mut delay = Duration::from_millis(50);
        loop {
            match self.client.describe_table().table_name(self.name()).send().await {
                Ok(out) => {
                    if let Some(table) = out.table() {
                        let table_active = table.table_status() == Some(&TableStatus::Active);
                        let indexes_active = table
                            .global_secondary_indexes()
                            .iter()
                            .all(|gsi| gsi.index_status().is_none_or(|s| *s == IndexStatus::Active));
                        if table_active && indexes_active {
                            return Ok(());
                        }
                    }
                }
                // Right after creation the table may not be visible yet.
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) => {}
                Err(err) => return Err(sdk_error(TABLE, Operation::CreateTable, err)),
            }
            if Instant::now() >= deadline {
                return Err(Error::sdk(
                    TABLE,
                    Operation::CreateTable,
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "table {} did not become active within {} s",
                            self.name(),
                            ACTIVE_TIMEOUT.as_secs()
                        ),
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// Enables TTL on `attribute`. "Already enabled" is fine (a concurrent
    /// creator won the race); every other failure is reported.
    async fn enable_ttl(&self, attribute: &str) -> Result<(), Error> {
        let spec = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(|e| Error::sdk(TABLE, Operation::CreateTable, e))?;
        match self
            .client
            .update_time_to_live()
            .table_name(self.name())
            .time_to_live_specification(spec)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if ttl_already_enabled(err.code(), err.message()) => Ok(()),
            Err(err) => Err(sdk_error(TABLE, Operation::CreateTable, err)),
        }
    }
}

/// The `ValidationException` DynamoDB answers when TTL is enabled already.
fn ttl_already_enabled(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("ValidationException")
        && message.is_some_and(|m| m.to_ascii_lowercase().contains("timetolive is already enabled"))
}

/// Every key attribute of the table and its indexes, once each: strings
/// unless `key_types` says otherwise.
fn attribute_definitions(
    def: &TableDef,
    key_types: &[(&str, crate::key::KeyType)],
) -> Result<Vec<AttributeDefinition>, Error> {
    let mut names: Vec<&'static str> = Vec::new();
    let all = [Some(def.pk), def.sk]
        .into_iter()
        .chain(def.indexes.iter().flat_map(|i| [Some(i.pk), i.sk]))
        .flatten();
    for name in all {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let ty = match key_types.iter().find(|(n, _)| *n == name).map(|(_, t)| *t) {
                Some(crate::key::KeyType::N) => ScalarAttributeType::N,
                Some(crate::key::KeyType::B) => ScalarAttributeType::B,
                _ => ScalarAttributeType::S,
            };
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ty)
                .build()
                .map_err(|e| Error::sdk(TABLE, Operation::CreateTable, e))
        })
        .collect()
}

fn key_schema(pk: &str, sk: Option<&str>) -> Result<Vec<KeySchemaElement>, Error> {
    [Some((pk, KeyType::Hash)), sk.map(|sk| (sk, KeyType::Range))]
        .into_iter()
        .flatten()
        .map(|(name, key_type)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(|e| Error::sdk(TABLE, Operation::CreateTable, e))
        })
        .collect()
}

fn projection(projection: Projection) -> SdkProjection {
    match projection {
        Projection::All => SdkProjection::builder().projection_type(ProjectionType::All).build(),
        Projection::KeysOnly => SdkProjection::builder()
            .projection_type(ProjectionType::KeysOnly)
            .build(),
        Projection::Include(attributes) => SdkProjection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(attributes.iter().map(|a| (*a).to_owned()).collect()))
            .build(),
    }
}

/// What every generated table handle has the same way: `show_expired`,
/// batches, transactions and `table()`, on its `table` field. Generated
/// code calls it once per table.
#[macro_export]
macro_rules! table_impls {
    ($handle:ident) => {
        impl $handle {
            /// The same handle, but reads also return items whose time to live has
            /// passed and that DynamoDB has not deleted yet (by default `get`,
            /// queries and collections leave them out).
            pub fn show_expired(self) -> Self {
                Self {
                    table: self.table.show_expired(),
                }
            }

            /// A batch read of items of any entities, by key (requests of 100,
            /// unprocessed keys retried, leftovers returned typed).
            pub fn batch_get(&self) -> $crate::BatchGet<'_> {
                self.table.batch_get()
            }

            /// A batch of puts and deletes of items of any unversioned entities
            /// (requests of 25, unprocessed items retried, leftovers returned typed).
            pub fn batch_write(&self) -> $crate::BatchWrite<'_> {
                self.table.batch_write()
            }

            /// A write transaction across entities: every action happens, or none.
            pub fn transact_write(&self) -> $crate::TransactWrite<'_> {
                self.table.transact_write()
            }

            /// A read of up to 100 items of any entities at one point in time.
            pub fn transact_get(&self) -> $crate::TransactGet<'_> {
                self.table.transact_get()
            }

            /// The underlying table, e.g. for [`Table::create_if_missing`]($crate::Table::create_if_missing).
            pub fn table(&self) -> &$crate::Table {
                &self.table
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    static INDEXES: [IndexDef; 2] = [
        IndexDef {
            name: "gsi1",
            kind: IndexKind::Global,
            pk: "gsi1pk",
            sk: Some("sk"),
            projection: Projection::All,
        },
        IndexDef {
            name: "lsi1",
            kind: IndexKind::Local,
            pk: "pk",
            sk: Some("lsi1sk"),
            projection: Projection::Include(&["name"]),
        },
    ];
    static DEF: TableDef = TableDef {
        pk: "pk",
        sk: Some("sk"),
        indexes: &INDEXES,
        ttl: None,
        entity_tag: "_et",
    };

    #[test]
    fn attribute_definitions_are_deduplicated_strings() {
        let defs = attribute_definitions(&DEF, &[]).unwrap();
        let names: Vec<_> = defs.iter().map(|d| d.attribute_name()).collect();
        assert_eq!(names, ["pk", "sk", "gsi1pk", "lsi1sk"]);
        assert!(defs.iter().all(|d| d.attribute_type() == &ScalarAttributeType::S));
    }

    #[test]
    fn include_projection_lists_attributes() {
        let p = projection(Projection::Include(&["a", "b"]));
        assert_eq!(p.projection_type(), Some(&ProjectionType::Include));
        assert_eq!(p.non_key_attributes(), ["a", "b"]);
        assert!(projection(Projection::All).non_key_attributes().is_empty());
    }

    #[test]
    fn only_the_already_enabled_validation_error_is_ignored() {
        assert!(ttl_already_enabled(
            Some("ValidationException"),
            Some("TimeToLive is already enabled")
        ));
        assert!(!ttl_already_enabled(
            Some("ValidationException"),
            Some("TimeToLive is active on a different AttributeName")
        ));
        assert!(!ttl_already_enabled(
            Some("ResourceNotFoundException"),
            Some("TimeToLive is already enabled")
        ));
        assert!(!ttl_already_enabled(None, None));
    }
}
