//! The traits generated code implements.

use crate::error::{Current, DecodeError, Error};
use crate::Item;
use chrono::{DateTime, Utc};

/// The stored names of the attributes dyngen maintains for an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Maintained {
    /// `createdAt` (`timestamps`): set when the item is first written.
    pub created_at: Option<&'static str>,
    /// `updatedAt` (`timestamps`): set on every write.
    pub updated_at: Option<&'static str>,
    /// The `version` attribute: incremented on every write.
    pub version: Option<&'static str>,
    /// The `ttl` attribute: a write's own checks (existence, version,
    /// readonly attributes) treat an expired item as absent, as reads do.
    pub ttl: Option<&'static str>,
}

impl Maintained {
    pub const NONE: Maintained = Maintained {
        created_at: None,
        updated_at: None,
        version: None,
        ttl: None,
    };

    /// With `createdAt` and `updatedAt` (`timestamps`) stored as `created`
    /// and `updated`.
    pub const fn timestamps(self, created: &'static str, updated: &'static str) -> Self {
        self.created_at(created).updated_at(updated)
    }

    /// With `createdAt` stored as `field`.
    pub const fn created_at(self, field: &'static str) -> Self {
        Maintained {
            created_at: Some(field),
            ..self
        }
    }

    /// With `updatedAt` stored as `field`.
    pub const fn updated_at(self, field: &'static str) -> Self {
        Maintained {
            updated_at: Some(field),
            ..self
        }
    }

    /// With the version stored as `field`.
    pub const fn version(self, field: &'static str) -> Self {
        Maintained {
            version: Some(field),
            ..self
        }
    }

    /// With the time to live stored as `field`.
    pub const fn ttl(self, field: &'static str) -> Self {
        Maintained {
            ttl: Some(field),
            ..self
        }
    }
}

/// What the runtime knows of an entity without its type: its names and
/// maintained attributes, read from [`Entity`]'s constants. The generic
/// operations hand it to their untyped cores, so that each is compiled
/// once rather than once per entity of a user's schema.
#[derive(Debug, Clone, Copy)]
pub struct EntityMeta {
    pub name: &'static str,
    pub tag: &'static str,
    /// [`Entity::STORED`].
    pub stored: &'static [&'static str],
    pub maintained: Maintained,
    pub readonly: &'static [&'static str],
    pub fixed: &'static [FixedAttribute],
    pub key_mark: Option<KeyMark>,
    /// [`Entity::UNIQUE`].
    pub unique: &'static [UniqueSet],
    /// [`Entity::stored_now`].
    pub stored_now: fn(&DateTime<Utc>) -> aws_sdk_dynamodb::types::AttributeValue,
    /// Decodes a stored item as the entity, with its version: the
    /// `current` item of a refused write's error.
    pub decode_current: fn(Item) -> Result<Decoded, DecodeError>,
}

impl EntityMeta {
    /// Whether `item` belongs to this entity: its tag and fixed attributes,
    /// or in a table without a tag (`tag_attribute` empty) its key mark.
    pub fn claims(&self, item: &Item, tag_attribute: &str) -> bool {
        if tag_attribute.is_empty() {
            return self.key_mark.is_none_or(|mark| mark.matches(item));
        }
        tag_of(item, tag_attribute) == Some(self.tag) && self.has_fixed(item)
    }

    /// Whether `item` holds every fixed attribute.
    pub fn has_fixed(&self, item: &Item) -> bool {
        self.fixed
            .iter()
            .all(|f| matches!(item.get(f.field), Some(aws_sdk_dynamodb::types::AttributeValue::S(v)) if v == f.value))
    }

    /// The error for an item this entity does not claim.
    pub(crate) fn wrong_entity(&self, item: Item, tag_attribute: &str) -> Error {
        let found = if tag_attribute.is_empty() {
            None
        } else {
            tag_of(&item, tag_attribute).map(str::to_owned)
        };
        Error::WrongEntity {
            expected: self.name,
            found,
            item: Box::new(item),
        }
    }
}

/// A stored item decoded as its entity (type-erased), and its version.
pub type Decoded = (Current, Option<i128>);

/// [`EntityMeta::decode_current`] of `E`.
fn decode_current<E: Entity>(item: Item) -> Result<Decoded, DecodeError> {
    E::from_item(item).map(|decoded| {
        let version = decoded.version();
        (Current::new(decoded), version)
    })
}

/// A generated entity: a Rust struct stored as one DynamoDB item.
pub trait Entity: Sized + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The entity's name as written in the schema: stored in the table's
    /// entity-tag attribute and used as the key label.
    const NAME: &'static str;

    /// Every attribute name an item of this entity may hold besides the
    /// table's primary key and the entity tag: its fields and the key
    /// attributes of its secondary indexes. `upsert` removes the ones a new
    /// value leaves out.
    const STORED: &'static [&'static str];

    /// The attributes dyngen maintains.
    const MAINTAINED: Maintained = Maintained::NONE;

    /// The stored names of the `readonly` attributes (but `createdAt`,
    /// which `upsert` keeps): `upsert` refuses to change them.
    const READONLY: &'static [&'static str] = &[];

    /// What the table's entity tag holds for this entity: its name, or the
    /// name its items are stored under (ElectroDB's model name).
    const TAG: &'static str = Self::NAME;

    /// Attributes every item of this entity holds with a fixed value,
    /// besides the tag (ElectroDB's `__edb_v__`). Every put writes them and
    /// every update sets them (with the tag); a read refuses an item that
    /// lacks them as another entity's ([`Error::WrongEntity`]).
    const FIXED: &'static [FixedAttribute] = &[];

    /// In a table without an entity tag that holds several entities: the
    /// key text that tells this entity's items from the others' (the
    /// checker proves no other entity's key can start so).
    const KEY_MARK: Option<KeyMark> = None;

    /// The entity's unique sets (`unique`, `unique [..]`): every write
    /// keeps a guard item per set's values in step, in one transaction.
    const UNIQUE: &'static [UniqueSet] = &[];

    /// The constants above, as one value the untyped cores take.
    #[doc(hidden)]
    const META: &'static EntityMeta = &EntityMeta {
        name: Self::NAME,
        tag: Self::TAG,
        stored: Self::STORED,
        maintained: Self::MAINTAINED,
        readonly: Self::READONLY,
        fixed: Self::FIXED,
        key_mark: Self::KEY_MARK,
        unique: Self::UNIQUE,
        stored_now: Self::stored_now,
        decode_current: decode_current::<Self>,
    };

    /// The entity's attributes as typed [`crate::condition::Attr`]s, for
    /// conditions and filters.
    type Attributes;

    /// A fresh set of [`Entity::Attributes`].
    fn attributes() -> Self::Attributes;

    /// Sets `createdAt` and `updatedAt` to `now` (entities with `timestamps`).
    fn touch(&mut self, _now: DateTime<Utc>) {}

    /// `now` as `updatedAt` stores it (RFC 3339 with nanoseconds unless the
    /// schema says `timestamps @format(..)`): what an update sets.
    fn stored_now(now: &DateTime<Utc>) -> aws_sdk_dynamodb::types::AttributeValue {
        aws_sdk_dynamodb::types::AttributeValue::S(crate::value::timestamp_text(now))
    }

    /// The optimistic-locking version, for entities that have one.
    fn version(&self) -> Option<i128> {
        None
    }

    /// Sets the version; fails when `version` does not fit its type.
    fn set_version(&mut self, _version: i128) -> Result<(), Error> {
        Ok(())
    }

    /// The complete item: every attribute that has a value, the primary key,
    /// each secondary key attribute whose own composites are all present (an
    /// absent optional composite leaves out the key attributes built from it,
    /// and so the item is not in that sparse index), and the entity tag.
    /// Fails on keys over DynamoDB's length limits.
    fn to_item(&self) -> Result<Item, Error>;

    /// Decodes an item. Unknown attributes (other entities' fields, keys,
    /// attributes added by a newer schema) are ignored.
    fn from_item(item: Item) -> Result<Self, DecodeError>;

    /// The primary key attributes (`pk` and `sk`) of this item.
    fn primary_key(&self) -> Result<Item, Error>;
}

/// What every generated entity has the same way: its client (a wrapper
/// of [`crate::EntityClient`] that dereferences to it, for `get`, `put`,
/// `create`, `delete` and `scan`), and reading it as a [`FromItem`]
/// (through [`read_entity`], which checks the entity tag and the fixed
/// attributes). Generated code calls it once per entity; with
/// `unversioned`, the entity can also be put and deleted in batches
/// ([`crate::Unversioned`]: it has no version and no unique attributes).
#[macro_export]
macro_rules! entity_impls {
    ($entity:ident, $client:ident, unversioned) => {
        $crate::entity_impls!($entity, $client);

        impl $crate::Unversioned for $entity {}
    };
    ($entity:ident, $client:ident) => {
        #[doc = concat!("Reads and writes `", stringify!($entity), "` items: `get`, `put`, `create`, `delete`")]
        #[doc = "(from [`::dyngen_runtime::EntityClient`]) and one query per access pattern."]
        #[derive(Debug, Clone, Copy)]
        pub struct $client<'t>($crate::EntityClient<'t, $entity>);

        impl $crate::FromItem for $entity {
            fn from_item(item: $crate::Item, tag_attribute: &str) -> ::core::result::Result<Self, $crate::Error> {
                $crate::entity::read_entity(item, tag_attribute)
            }
        }

        impl<'t> ::core::ops::Deref for $client<'t> {
            type Target = $crate::EntityClient<'t, $entity>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    };
}

/// What every generated update builder has the same way: its `condition`
/// and `send` methods, awaiting it runs it (`IntoFuture`, through its
/// `send`), and it converts into the runtime's [`crate::Update`] for a
/// transaction (through its `finish`). Generated code calls it once per
/// entity.
///
/// `update_impls!(Entity, Builder, direct)` also gives the builder's
/// `finish` when its setters write straight into its `update` (no key
/// attribute to rewrite, nothing pending).
#[macro_export]
macro_rules! update_impls {
    ($entity:ident, $update:ident, direct) => {
        impl<'t> $update<'t> {
            /// The runtime update, as the setters wrote it.
            fn finish(self) -> $crate::Update<'t, $entity> {
                self.update
            }
        }

        $crate::update_impls!($entity, $update);
    };
    ($entity:ident, $update:ident) => {
        impl<'t> $update<'t> {
            /// A value inside an attribute, to set, remove, append to or add
            /// to: a struct field (`|a| a.ship_to.fields().city`), a map entry
            /// (`|a| a.labels.key("x")`) or a list element (`|a| a.lines.at(0)`).
            pub fn at<T>(
                self,
                path: impl ::core::ops::FnOnce(&<$entity as $crate::Entity>::Attributes) -> $crate::Attr<$entity, T>,
            ) -> $crate::write::At<Self, $entity, T> {
                $crate::write::At::new(self, path(&<$entity as $crate::Entity>::attributes()))
            }

            /// Updates only if the condition `build` returns holds for the stored
            /// item; otherwise `ConditionFailed`, carrying that item.
            pub fn condition(
                mut self,
                build: impl ::core::ops::FnOnce(&<$entity as $crate::Entity>::Attributes) -> $crate::Condition<$entity>,
            ) -> Self {
                self.update
                    .condition(build(&<$entity as $crate::Entity>::attributes()));
                self
            }

            /// Runs the update; resolves to the item as written.
            pub async fn send(self) -> ::core::result::Result<$entity, $crate::Error> {
                self.finish().send().await
            }

            /// Runs the update; resolves to the item as it was before.
            pub async fn send_returning_old(self) -> ::core::result::Result<$entity, $crate::Error> {
                self.finish().send_returning_old().await
            }
        }

        impl<'t> $crate::write::NestedTarget<$entity> for $update<'t> {
            fn with_raw(&mut self, f: &mut dyn ::core::ops::FnMut(&mut $crate::write::RawUpdate<'_>)) {
                $crate::write::NestedTarget::with_raw(&mut self.update, f)
            }
        }

        impl<'t> ::core::future::IntoFuture for $update<'t> {
            type Output = ::core::result::Result<$entity, $crate::Error>;
            type IntoFuture = $crate::write::WriteFuture<'t, $entity>;

            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }

        impl<'t> ::core::convert::From<$update<'t>> for $crate::Update<'t, $entity> {
            fn from(update: $update<'t>) -> Self {
                update.finish()
            }
        }
    };
}

/// What every generated collection has the same way: reading an item as
/// the member whose entity tag (and fixed attributes) it holds, or as
/// `Unknown` when no member claims it; [`crate::query::Member`] for each
/// member, so that its queries can filter that member's items; and
/// grouping items into the collection's struct (`Extend`, `FromIterator`),
/// each member into its field. Generated code calls it once per collection:
/// `collection_impls!(ItemEnum, Grouped, Member => field, ...)`.
#[macro_export]
macro_rules! collection_impls {
    ($item:ident, $grouped:ident, $($member:ident => $field:ident),+) => {
        impl $crate::FromItem for $item {
            fn from_item(item: $crate::Item, tag_attribute: &str) -> ::core::result::Result<Self, $crate::Error> {
                $(
                    if <$member as $crate::Entity>::META.claims(&item, tag_attribute) {
                        return ::core::result::Result::Ok(Self::$member(<$member as $crate::Entity>::from_item(item)?));
                    }
                )+
                ::core::result::Result::Ok(Self::Unknown($crate::UnknownItem::new(item, tag_attribute)))
            }
        }

        $(impl $crate::Member<$member> for $item {})+

        impl ::core::iter::Extend<$item> for $grouped {
            fn extend<I: ::core::iter::IntoIterator<Item = $item>>(&mut self, items: I) {
                for item in items {
                    match item {
                        $($item::$member(member) => self.$field.push(member),)+
                        $item::Unknown(unknown) => self.unknown.push(unknown),
                    }
                }
            }
        }

        impl ::core::iter::FromIterator<$item> for $grouped {
            fn from_iter<I: ::core::iter::IntoIterator<Item = $item>>(items: I) -> Self {
                let mut grouped = <Self as ::core::default::Default>::default();
                ::core::iter::Extend::extend(&mut grouped, items);
                grouped
            }
        }
    };
}

/// The primary key of one entity: exactly what identifies one item.
///
/// The associated `Entity` is what makes passing a `UserKey` to
/// `repositories().get(..)` a compile error.
/// What `put`, `create` and `upsert` write: an entity, or a draft of one
/// (`IssueDraft`, generated for entities with generated defaults) whose
/// left-out attributes are made (`uuid()`, `ulid()`, `now()`) as it is
/// written.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written as `{E}`",
    label = "neither `{E}` nor a draft of it",
    note = "`put`, `create` and `upsert` of the `{E}` client take `{E}` itself, or its draft when it has generated defaults"
)]
pub trait Writable<E: Entity> {
    /// The entity to write: `self`, or the draft completed.
    fn to_entity(&self) -> std::borrow::Cow<'_, E>;
}

impl<E: Entity> Writable<E> for E {
    fn to_entity(&self) -> std::borrow::Cow<'_, E> {
        std::borrow::Cow::Borrowed(self)
    }
}

pub trait PrimaryKey: Send + Sync {
    type Entity: Entity;

    /// The `pk` (and `sk`) attributes of the item this key identifies.
    fn to_key(&self) -> Result<Item, Error>;
}

/// What a read yields per item: an entity, or one member of a collection.
pub trait FromItem: Sized + Send + 'static {
    /// Reads one item; `tag_attribute` is the table's entity tag. An entity
    /// refuses an item tagged as another entity, or not tagged
    /// ([`Error::WrongEntity`], see [`read_entity`]); a collection keeps an
    /// item no member claims as its `Unknown` member ([`UnknownItem`]).
    /// Nothing is skipped.
    fn from_item(item: Item, tag_attribute: &str) -> Result<Self, Error>;
}

/// An attribute with a fixed value on every item of an entity
/// ([`Entity::FIXED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedAttribute {
    pub field: &'static str,
    pub value: &'static str,
}

/// Whether `item` holds every [`Entity::FIXED`] attribute of `E`.
pub fn has_fixed<E: Entity>(item: &Item) -> bool {
    E::META.has_fixed(item)
}

impl crate::value::Encoder {
    /// Writes an entity's fixed attributes (generated `to_item`).
    pub fn fixed(&mut self, fixed: &[FixedAttribute]) {
        for f in fixed {
            self.key(f.field, f.value);
        }
    }
}

/// The tag and the fixed attributes of an entity as the SETs of an update,
/// so that an item an older writer left without them is marked again (as
/// ElectroDB's updates do). Nothing for entities without fixed attributes.
pub(crate) fn marks(
    meta: &EntityMeta,
    tag_attribute: &'static str,
) -> Vec<(&'static str, aws_sdk_dynamodb::types::AttributeValue)> {
    if meta.fixed.is_empty() {
        return Vec::new();
    }
    let tag = (!tag_attribute.is_empty()).then(|| {
        (
            tag_attribute,
            aws_sdk_dynamodb::types::AttributeValue::S(meta.tag.to_owned()),
        )
    });
    tag.into_iter()
        .chain(
            meta.fixed
                .iter()
                .map(|f| (f.field, aws_sdk_dynamodb::types::AttributeValue::S(f.value.to_owned()))),
        )
        .collect()
}

/// Attributes whose values, together, at most one item of an entity holds
/// ([`Entity::UNIQUE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueSet {
    /// The attributes as the schema names them (for errors).
    pub attributes: &'static [&'static str],
    /// Their stored names, in the same order.
    pub fields: &'static [&'static str],
}

/// How items of an entity are told apart without an entity tag: every
/// key of the entity in `attribute` starts with `prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMark {
    pub attribute: &'static str,
    pub prefix: &'static str,
}

impl KeyMark {
    /// Whether `item` has this mark.
    pub fn matches(&self, item: &Item) -> bool {
        match item.get(self.attribute) {
            Some(aws_sdk_dynamodb::types::AttributeValue::S(key)) => key.starts_with(self.prefix),
            _ => false,
        }
    }
}

/// The entity tag of `item`: `None` when it has none, or one that is not a
/// string.
pub fn tag_of<'i>(item: &'i Item, tag_attribute: &str) -> Option<&'i str> {
    match item.get(tag_attribute) {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(tag)) => Some(tag),
        _ => None,
    }
}

/// Reads `item` as an `E`, after checking that its entity tag is `E`'s
/// (exactly: tags are case-sensitive). An item of another entity, or one
/// without a tag, is [`Error::WrongEntity`] and is never decoded as `E`:
/// `get` with a `UserKey` cannot return a `Post` item stored under it.
///
/// In a table without an entity tag (`tag_attribute` is empty), the keys
/// tell entities apart: an entity with a [`Entity::KEY_MARK`] checks it;
/// the only entity of a table has none to check.
pub fn read_entity<E: Entity>(item: Item, tag_attribute: &str) -> Result<E, Error> {
    if E::META.claims(&item, tag_attribute) {
        Ok(E::from_item(item)?)
    } else {
        Err(E::META.wrong_entity(item, tag_attribute))
    }
}

/// A named projection of entity `E` (generated: `UserSummary` for
/// `projection Summary [..]`): what a read asks DynamoDB for, aliased in a
/// `ProjectionExpression`, and the type it returns
/// (`client.get_projected::<UserSummary>(..)`, `query.project::<UserSummary>()`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a projection of `{E}`",
    label = "not one of `{E}`'s projections",
    note = "an entity's reads can return only the projections the schema declares for it (`projection Name [..]`)"
)]
pub trait ProjectionOf<E: Entity>: FromItem + Clone + std::fmt::Debug + Sync {
    /// The stored names of its attributes (the entity's primary key's
    /// among them).
    const ATTRIBUTES: &'static [&'static str];
}

/// What a projected read asks for: a named projection's stored names, of
/// entity `meta`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Projected {
    pub(crate) meta: &'static EntityMeta,
    pub(crate) attributes: &'static [&'static str],
}

impl Projected {
    pub(crate) fn of<E: Entity, P: ProjectionOf<E>>() -> Self {
        Projected {
            meta: E::META,
            attributes: P::ATTRIBUTES,
        }
    }
}

/// How a projection's item shows which entity it is: what the read
/// asked for, or what the index projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The entity tag and fixed attributes, as every whole item.
    Full,
    /// The entity tag only: the index leaves out the fixed attributes.
    Tag,
    /// Nothing: the index projects no tag, and the keys it reads are
    /// this entity's alone (checked by `dyngen check`, E0311).
    Keys,
}

/// `item`, after checking (as `claim` allows) that it is `E`'s: a
/// projection's `FromItem`. Another entity's item is [`Error::WrongEntity`].
pub fn claimed<E: Entity>(item: Item, tag_attribute: &str, claim: Claim) -> Result<Item, Error> {
    let meta = E::META;
    let ok = match claim {
        Claim::Full => meta.claims(&item, tag_attribute),
        Claim::Tag => tag_attribute.is_empty() || tag_of(&item, tag_attribute) == Some(meta.tag),
        Claim::Keys => true,
    };
    if ok {
        Ok(item)
    } else {
        Err(meta.wrong_entity(item, tag_attribute))
    }
}

/// What every generated projection type has the same way: its
/// `FromItem`, which checks the item's entity as `claim` says
/// ([`Claim`]) and decodes it with the type's own `decode`; for a named
/// projection, given its stored names, its [`ProjectionOf`] impl.
#[macro_export]
macro_rules! projection_impls {
    ($entity:ident, $projection:ident, $claim:ident, [$($attribute:literal),* $(,)?]) => {
        $crate::projection_impls!($entity, $projection, $claim);

        impl $crate::ProjectionOf<$entity> for $projection {
            const ATTRIBUTES: &'static [&'static str] = &[$($attribute),*];
        }
    };
    ($entity:ident, $projection:ident, $claim:ident) => {
        impl $crate::FromItem for $projection {
            fn from_item(item: $crate::Item, tag_attribute: &str) -> ::core::result::Result<Self, $crate::Error> {
                let item = $crate::entity::claimed::<$entity>(item, tag_attribute, $crate::entity::Claim::$claim)?;
                ::core::result::Result::Ok(Self::decode(item)?)
            }
        }
    };
}

/// An item under a collection's key that no member of the collection
/// claims: its entity tag is missing, or names an entity that is not a
/// member (one a newer schema added, or a tag in the wrong case). A
/// collection query returns it as its `Unknown` member, as it is stored,
/// rather than drop it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownItem {
    /// The item's entity tag, if it has one (a string).
    pub tag: Option<String>,
    /// The item as stored.
    pub item: Item,
}

impl UnknownItem {
    pub fn new(item: Item, tag_attribute: &str) -> Self {
        UnknownItem {
            tag: tag_of(&item, tag_attribute).map(str::to_owned),
            item,
        }
    }
}
