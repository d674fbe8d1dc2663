//! The table handle and the static description generated code gives of it.

use crate::error::Error;
use aws_sdk_dynamodb::Client;
use std::sync::Arc;

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
}

impl Table {
    pub fn new(client: Client, name: impl Into<String>, def: &'static TableDef) -> Self {
        Table {
            client,
            name: Arc::from(name.into()),
            def,
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
    pub async fn create_if_missing(&self) -> Result<(), Error> {
        todo!("create table")
    }
}
