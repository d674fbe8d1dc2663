//! The entity client: single-item reads and writes, queries and scans of
//! one entity, generic over it. Generated per-entity clients wrap it.

use crate::entity::{Entity, EntityMeta, PrimaryKey, ProjectionOf, Writable};
use crate::error::{Error, Operation};
use crate::query::{Query, QuerySpec};
use crate::scan::Scan;
use crate::sdk::sdk_error;
use crate::table::Table;
use crate::write::{Delete, Put, Update};
use crate::{FromItem, Item};
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
        self.get_item(key, false).await
    }

    /// Reads one item with a strongly consistent read.
    pub async fn get_consistent<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Result<Option<E>, Error> {
        self.get_item(key, true).await
    }

    async fn get_item<K: PrimaryKey<Entity = E>>(&self, key: &K, consistent: bool) -> Result<Option<E>, Error> {
        match get_raw(self.table, E::META, key.to_key()?, consistent, None).await? {
            Some(item) => Ok(Some(crate::entity::read_entity(item, self.table.def().entity_tag)?)),
            None => Ok(None),
        }
    }

    /// Reads projection `P` of one item: only `P`'s attributes
    /// (`db.users().get_projected::<UserSummary>(&key)`). `None` when the
    /// item does not exist.
    pub async fn get_projected<P: ProjectionOf<E>, K: PrimaryKey<Entity = E>>(
        &self,
        key: &K,
    ) -> Result<Option<P>, Error> {
        match get_raw(self.table, E::META, key.to_key()?, false, Some(P::ATTRIBUTES)).await? {
            Some(item) => Ok(Some(P::from_item(item, self.table.def().entity_tag)?)),
            None => Ok(None),
        }
    }

    /// Writes the item (an entity, or a draft whose left-out generated
    /// defaults are made now), replacing any item with the same primary
    /// key; resolves to the item as written. `createdAt` and `updatedAt` are set
    /// to now; a versioned item must have the stored version (0: none) and
    /// is written with the next one.
    pub fn put<'a, W: Writable<E> + ?Sized>(&self, item: &'a W) -> Put<'a, E>
    where
        't: 'a,
    {
        Put::replace(self.table, item.to_entity())
    }

    /// Writes the item only if no item has its primary key (an expired one
    /// counts as none): otherwise [`Error::AlreadyExists`]. A versioned item
    /// is written as version 1.
    pub fn create<'a, W: Writable<E> + ?Sized>(&self, item: &'a W) -> Put<'a, E>
    where
        't: 'a,
    {
        Put::create(self.table, item.to_entity())
    }

    /// Writes the whole item like `put`, but keeps the stored `createdAt`
    /// and any attributes the entity does not know, and refuses
    /// ([`Error::ConditionFailed`]) to change a `readonly` attribute of an
    /// existing item; resolves to the item as stored.
    pub fn upsert<'a, W: Writable<E> + ?Sized>(&self, item: &'a W) -> Put<'a, E>
    where
        't: 'a,
    {
        Put::upsert(self.table, item.to_entity())
    }

    /// Deletes the item if it exists; deleting nothing is not an error.
    pub fn delete<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Delete<'t, E> {
        Delete::new(self.table, key, false)
    }

    /// Deletes the item, or fails with [`Error::NotFound`] if it does not
    /// exist (or has expired).
    pub fn delete_existing<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Delete<'t, E> {
        Delete::new(self.table, key, true)
    }

    /// An update of the item at `key`, by stored attribute names: what the
    /// generated update builders wrap (theirs is typed, and is the one
    /// `db.users().update(..)` reaches).
    pub fn update<K: PrimaryKey<Entity = E>>(&self, key: &K) -> Update<'t, E> {
        Update::new(self.table, key)
    }

    /// Every item of this entity in the table (a full table scan), with an
    /// optional typed filter.
    pub fn scan(&self) -> Scan<'t, E> {
        Scan::new(self.table)
    }

    /// A query of this entity; generated index methods build the spec.
    pub fn query<T: FromItem>(&self, spec: QuerySpec) -> Query<'t, T> {
        Query::new(self.table, spec).of_entity::<E>()
    }
}

/// The item at `key`, unless there is none or it has expired: the request
/// of every entity's `get`, compiled once.
async fn get_raw(
    table: &Table,
    meta: &EntityMeta,
    key: Item,
    consistent: bool,
    projection: Option<&[&str]>,
) -> Result<Option<Item>, Error> {
    let mut aliases = crate::expr::Aliases::new();
    let projection = projection.map(|attributes| table.projection_expression(meta, attributes, &mut aliases));
    let output = table
        .client()
        .get_item()
        .table_name(table.name())
        .set_key(Some(key))
        .set_consistent_read(consistent.then_some(true))
        .set_projection_expression(projection)
        .set_expression_attribute_names(aliases.into_maps().0)
        .send()
        .await
        .map_err(|e| sdk_error(meta.name, Operation::Get, e))?;
    Ok(output.item.filter(|item| !table.is_expired(item)))
}
