//! Tickets and get slots: the distinct keys a batch get or a transactional
//! get reads, and the typed handles their results are looked up with.

use crate::entity::{Entity, PrimaryKey};
use crate::error::{Current, Error, Leftover, Operation};
use crate::table::Table;
use crate::Item;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

/// The key-adding methods of a read of many items (`BatchGet`,
/// `TransactGet`): `get` and `get_projected`, over their `keys` slots;
/// `$note` ends `get_projected`'s docs with what the read does with two
/// projections of one key.
macro_rules! slot_methods {
    ($note:literal) => {
        /// Adds a key; the ticket looks up its item in the result. A key
        /// added twice is read once. Fails only when the key cannot be
        /// encoded (too long, invalid composite).
        pub fn get<K>(&mut self, key: &K) -> Result<Ticket<K::Entity>, Error>
        where
            K: PrimaryKey + Clone + fmt::Debug + 'static,
        {
            self.keys.add(self.table, key)
        }

        /// Adds a read of projection `P` of the item at `key` (only `P`'s
        /// attributes are read); the ticket looks up the projection in the
        /// result.
        #[doc = $note]
        pub fn get_projected<P, K>(&mut self, key: &K) -> Result<Ticket<P>, Error>
        where
            K: PrimaryKey + Clone + fmt::Debug + 'static,
            P: crate::entity::ProjectionOf<K::Entity>,
        {
            self.keys.add_projected::<K, P>(self.table, key)
        }
    };
}
pub(crate) use slot_methods;

/// The table key of an item (partition and sort key, each as its type and
/// text), which tells two requests for one item apart.
pub(crate) type ItemKey = (String, String);

pub(crate) fn item_key(table: &Table, item: &Item) -> ItemKey {
    use aws_sdk_dynamodb::types::AttributeValue;
    let def = table.def();
    // Typed, so that `N` 1 and `S` "1" (or two `N` keys) never read as one.
    let text = |field: Option<&str>| match field.and_then(|f| item.get(f)) {
        Some(AttributeValue::S(s)) => format!("S{s}"),
        Some(AttributeValue::N(n)) => format!("N{n}"),
        Some(AttributeValue::B(b)) => format!("B{}", crate::key::hex_text(b.as_ref())),
        _ => String::new(),
    };
    (text(Some(def.pk)), text(def.sk))
}

/// A typed handle on one key of a [`BatchGet`](crate::BatchGet) (or a transactional get):
/// what its result is looked up with.
pub struct Ticket<E> {
    slot: usize,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Ticket<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Ticket<E> {}

impl<E> fmt::Debug for Ticket<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ticket({})", self.slot)
    }
}

/// What a read asks DynamoDB for: whole items (`None`), or a named
/// projection's attributes of one entity.
pub(crate) type Asked = Option<crate::entity::Projected>;

/// What tells two projected reads apart: their entity and attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct AskedId {
    entity: &'static str,
    attributes: &'static [&'static str],
}

fn asked_id(asked: Asked) -> Option<AskedId> {
    asked.map(|p| AskedId {
        entity: p.meta.name,
        attributes: p.attributes,
    })
}

/// A slot's identity: the item's key and what is asked of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SlotId {
    key: ItemKey,
    asked: Option<AskedId>,
}

/// One distinct key to read, with what is asked of it.
pub(crate) struct GetSlot {
    pub(crate) entity: &'static str,
    pub(crate) key: Item,
    pub(crate) asked: Asked,
    /// The key as given, for leftovers.
    original: Current,
    /// Reads the stored item: checks its entity tag and decodes it.
    decode: fn(Item, &str) -> Result<Current, Error>,
}

/// The distinct keys of a read, in the order first asked for.
#[derive(Default)]
pub(crate) struct GetSlots {
    pub(crate) slots: Vec<GetSlot>,
    positions: HashMap<SlotId, usize>,
}

impl GetSlots {
    pub(crate) fn add<K>(&mut self, table: &Table, key: &K) -> Result<Ticket<K::Entity>, Error>
    where
        K: PrimaryKey + Clone + fmt::Debug + 'static,
    {
        self.add_slot(table, key, None, |item, tag| {
            crate::entity::read_entity::<K::Entity>(item, tag).map(Current::new)
        })
    }

    /// Adds a read of projection `P` of the item at `key`.
    pub(crate) fn add_projected<K, P>(&mut self, table: &Table, key: &K) -> Result<Ticket<P>, Error>
    where
        K: PrimaryKey + Clone + fmt::Debug + 'static,
        P: crate::entity::ProjectionOf<K::Entity>,
    {
        let asked = Some(crate::entity::Projected::of::<K::Entity, P>());
        self.add_slot(table, key, asked, |item, tag| P::from_item(item, tag).map(Current::new))
    }

    fn add_slot<K, T>(
        &mut self,
        table: &Table,
        key: &K,
        asked: Asked,
        decode: fn(Item, &str) -> Result<Current, Error>,
    ) -> Result<Ticket<T>, Error>
    where
        K: PrimaryKey + Clone + fmt::Debug + 'static,
    {
        let item = key.to_key()?;
        let id = SlotId {
            key: item_key(table, &item),
            asked: asked_id(asked),
        };
        let slot = match self.positions.get(&id) {
            Some(&slot) => slot,
            None => {
                self.slots.push(GetSlot {
                    entity: K::Entity::NAME,
                    key: item,
                    asked,
                    original: Current::new(key.clone()),
                    decode,
                });
                self.positions.insert(id, self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        Ok(Ticket {
            slot,
            entity: PhantomData,
        })
    }

    /// The slot of `key` among the reads asking for `asked`.
    pub(crate) fn position(&self, key: &ItemKey, asked: Asked) -> Option<usize> {
        let id = SlotId {
            key: key.clone(),
            asked: asked_id(asked),
        };
        self.positions.get(&id).copied()
    }

    /// The slots, grouped by what they ask for (whole items first), each
    /// group in the order its keys were added: one group's keys can share
    /// a request.
    pub(crate) fn groups(&self) -> Vec<Vec<usize>> {
        let mut asked: Vec<Option<AskedId>> = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, slot) in self.slots.iter().enumerate() {
            let id = asked_id(slot.asked);
            match asked.iter().position(|g| *g == id) {
                Some(group) => groups[group].push(i),
                None => {
                    asked.push(id);
                    groups.push(vec![i]);
                }
            }
        }
        // Whole items first: a stable sort keeps the other groups' order.
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by_key(|&g| asked[g].is_some());
        order.into_iter().map(|g| std::mem::take(&mut groups[g])).collect()
    }

    /// Records read items in `results`: the answers to reads asking for `asked`.
    pub(crate) fn record(&self, table: &Table, results: &mut [Fetched], items: Vec<Item>, asked: Asked) {
        for item in items {
            if let Some(slot) = self.position(&item_key(table, &item), asked) {
                self.record_slot(table, results, slot, item);
            }
        }
    }

    /// Records the item read for `slot`.
    pub(crate) fn record_slot(&self, table: &Table, results: &mut [Fetched], slot: usize, item: Item) {
        results[slot] = if table.is_expired(&item) {
            Fetched::Missing
        } else {
            match (self.slots[slot].decode)(item, table.def().entity_tag) {
                Ok(value) => Fetched::Found(value),
                Err(error) => Fetched::Invalid(error),
            }
        };
    }

    pub(crate) fn into_result(self, results: Vec<Fetched>) -> GetResult {
        let mut leftovers = Vec::new();
        let mut slots = Vec::with_capacity(results.len());
        for (slot, fetched) in self.slots.into_iter().zip(results) {
            if let Fetched::Unread = fetched {
                leftovers.push(Leftover {
                    entity: slot.entity,
                    operation: Operation::BatchGet,
                    value: slot.original,
                });
                slots.push((slot.entity, Fetched::Unread));
            } else {
                slots.push((slot.entity, fetched));
            }
        }
        GetResult { slots, leftovers }
    }
}

/// What became of one key.
pub(crate) enum Fetched {
    Found(Current),
    Missing,
    /// Stored, but another entity's or not decodable.
    Invalid(Error),
    /// Not read: still unprocessed after every retry.
    Unread,
}

/// The items a batch or transactional get read, looked up by [`Ticket`].
pub struct GetResult {
    slots: Vec<(&'static str, Fetched)>,
    pub(crate) leftovers: Vec<Leftover>,
}

impl GetResult {
    /// The item of `ticket`: `Ok(None)` when there is none (or it has
    /// expired); [`Error::Unprocessed`] when DynamoDB did not read it after
    /// every retry (its key is among [`GetResult::leftovers`]);
    /// [`Error::Decode`] when the stored item does not decode, and
    /// [`Error::WrongEntity`] when it is another entity's.
    pub fn get<E: 'static>(&self, ticket: Ticket<E>) -> Result<Option<&E>, Error> {
        let Some((entity, fetched)) = self.slots.get(ticket.slot) else {
            return Ok(None);
        };
        match fetched {
            Fetched::Found(value) => Ok(value.get()),
            Fetched::Missing => Ok(None),
            Fetched::Invalid(error) => Err(crate::error::duplicate(error)),
            Fetched::Unread => Err(Error::Unprocessed {
                entity,
                operation: Operation::BatchGet,
            }),
        }
    }

    /// Every item found that is an `E`, in the order their keys were first
    /// added. A stored item that could not be read (another entity's item
    /// under the key, or one that does not decode) is not among them: it is
    /// in [`GetResult::unreadable`], never dropped silently.
    pub fn items<E: 'static>(&self) -> impl Iterator<Item = &E> {
        self.slots.iter().filter_map(|(_, fetched)| match fetched {
            Fetched::Found(value) => value.get(),
            _ => None,
        })
    }

    /// Why each stored item that could not be read was not:
    /// [`Error::WrongEntity`] or [`Error::Decode`], in the order their keys
    /// were first added. Empty when every item found was read.
    pub fn unreadable(&self) -> impl Iterator<Item = &Error> {
        self.slots.iter().filter_map(|(_, fetched)| match fetched {
            Fetched::Invalid(error) => Some(error),
            _ => None,
        })
    }

    /// The keys that were not read after every retry, typed by
    /// [`Leftover::get`]; empty when everything was read.
    pub fn leftovers(&self) -> &[Leftover] {
        &self.leftovers
    }

    /// Whether every key was read.
    pub fn is_complete(&self) -> bool {
        self.leftovers.is_empty()
    }
}
