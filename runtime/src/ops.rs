//! Single-item operations, generic over the entity.

use crate::entity::{Entity, PrimaryKey};
use crate::error::Error;
use crate::query::{Query, QuerySpec};
use crate::table::Table;
use crate::FromItem;
use std::marker::PhantomData;

/// Operations on one entity of a table. Generated per-entity clients
/// dereference to this.
#[derive(Debug)]
pub struct EntityClient<'t, E> {
    table: &'t Table,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for EntityClient<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for EntityClient<'_, E> {}

impl<'t, E: Entity> EntityClient<'t, E> {
    pub fn new(table: &'t Table) -> Self {
        EntityClient {
            table,
            entity: PhantomData,
        }
    }

    pub fn table(&self) -> &'t Table {
        self.table
    }

    /// Reads one item (eventually consistent). `None` when it does not exist.
    pub async fn get<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Result<Option<E>, Error> {
        let _ = key;
        todo!("ops")
    }

    /// Reads one item with a strongly consistent read.
    pub async fn get_consistent<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Result<Option<E>, Error> {
        let _ = key;
        todo!("ops")
    }

    /// Writes the item, replacing any item with the same primary key.
    pub async fn put(&self, item: &E) -> Result<(), Error> {
        let _ = item;
        todo!("ops")
    }

    /// Writes the item only if no item has its primary key: otherwise
    /// [`Error::AlreadyExists`].
    pub async fn create(&self, item: &E) -> Result<(), Error> {
        let _ = item;
        todo!("ops")
    }

    /// Deletes the item if it exists; deleting nothing is not an error.
    pub async fn delete<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Result<(), Error> {
        let _ = key;
        todo!("ops")
    }

    /// Deletes the item, or fails with [`Error::NotFound`] if it does not exist.
    pub async fn delete_existing<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Result<(), Error> {
        let _ = key;
        todo!("ops")
    }

    /// A query of this entity; generated index methods build the spec.
    pub fn query<T: FromItem>(&self, spec: QuerySpec) -> Query<'t, T> {
        Query::new(self.table, spec)
    }
}
