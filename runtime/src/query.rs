//! Queries: a partition, an optional typed sort-key condition, pages bound
//! to their query by opaque cursors, and streams across pages.

use crate::condition::{Condition, Node};
use crate::entity::{Entity, FromItem};
use crate::error::{Error, Operation};
use crate::expr::Aliases;
use crate::key::{
    attribute, hex_bytes, hex_text, range_condition, text_range_condition, write_escaped, Casing, Comparison,
    KeySegment, KeyText, KeyType, SortKeyCondition, DELIMITER,
};
use crate::sdk::sdk_error;
use crate::table::Table;
use crate::Item;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::fmt;

/// What a generated index method knows about its query.
#[derive(Debug)]
pub struct QuerySpec {
    /// The entity or collection queried, for errors.
    pub entity: &'static str,
    /// `None` for the table's primary index.
    pub index: Option<&'static str>,
    pub pk_attribute: &'static str,
    /// The complete partition key value, or the error building it.
    pub pk_value: Result<String, Error>,
    /// The sort key attribute, if the index has one.
    pub sk_attribute: Option<&'static str>,
    /// The fixed start of every sort key this query reads: its labels, each
    /// followed by `#` (`Issue#`, `managed#Issue#`, `owned#`).
    pub sk_prefix: String,
    /// How many sort-key composites follow the labels.
    pub sk_composites: usize,
}

impl QuerySpec {
    /// A query of the table's own key (its primary index).
    pub fn table(entity: &'static str, pk_attribute: &'static str, pk_value: Result<String, Error>) -> Self {
        QuerySpec {
            entity,
            index: None,
            pk_attribute,
            pk_value,
            sk_attribute: None,
            sk_prefix: String::new(),
            sk_composites: 0,
        }
    }

    /// A query of the secondary index `index` (its DynamoDB name).
    pub fn index(
        entity: &'static str,
        index: &'static str,
        pk_attribute: &'static str,
        pk_value: Result<String, Error>,
    ) -> Self {
        QuerySpec {
            index: Some(index),
            ..QuerySpec::table(entity, pk_attribute, pk_value)
        }
    }

    /// The sort key: its attribute, the fixed start of every key this query
    /// reads, and how many composites follow it.
    pub fn sort(mut self, sk_attribute: &'static str, sk_prefix: &str, sk_composites: usize) -> Self {
        self.sk_attribute = Some(sk_attribute);
        self.sk_prefix = sk_prefix.to_owned();
        self.sk_composites = sk_composites;
        self
    }
}

/// How a query's keys are laid out, when not in dyngen's own layout (see
/// docs/key-format.md): generated code sets it with [`Query::layout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLayout {
    /// The partition key attribute's type: the spec's value is its text.
    pub partition: KeyType,
    pub sort: SortLayout,
    /// Other entities' items can have keys in this query's range: keep
    /// only items whose entity tag is this entity's.
    pub entity_filter: bool,
    /// The index projects less than the items hold: each page's items are
    /// read again from the table by their keys (BatchGetItem).
    pub fetch_items: bool,
}

impl Default for QueryLayout {
    fn default() -> Self {
        QueryLayout {
            partition: KeyType::S,
            sort: SortLayout::Segmented,
            entity_filter: false,
            fetch_items: false,
        }
    }
}

/// How a query's sort key is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortLayout {
    /// dyngen's own: escaped segments, each followed by `#`.
    Segmented,
    /// A template: the spec's prefix is the text before the first value,
    /// `after[i]` the literal text after value `i`.
    Text { after: &'static [&'static str] },
    /// One value stored natively (`N` or `B`).
    Native(KeyType),
}

/// One page of results and the cursor to the next page, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// An opaque position in a query's results. It is bound to the query it
/// came from: handing it to a query of another index or partition is an
/// [`Error::InvalidCursor`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Cursor {
    /// Accepts a cursor string from a client; it is validated when used.
    fn from(s: String) -> Self {
        Cursor(s)
    }
}

/// A collection query's filter on one member's items.
#[derive(Debug)]
struct MemberFilter {
    /// The member's tag value.
    tag: &'static str,
    filter: Node,
}

/// A query ready to run, or to receive a sort-key condition.
#[derive(Debug)]
pub struct Query<'t, T> {
    raw: RawQuery<'t>,
    item: std::marker::PhantomData<fn() -> T>,
}

/// The untyped part of a [`Query`]: everything but the item type, so that
/// it is compiled once rather than once per entity and collection.
#[derive(Debug)]
pub(crate) struct RawQuery<'t> {
    table: &'t Table,
    spec: QuerySpec,
    /// The sort key's labels and the composites fixed by [`Query::eq`] so
    /// far, each followed by `#`.
    prefix: String,
    /// How many composites [`Query::eq`] has fixed.
    fixed: usize,
    /// The condition on the composite after the fixed ones, if any.
    range: Option<SortKeyCondition>,
    ascending: bool,
    limit: Option<u32>,
    consistent: bool,
    /// The caller's filter on the items read.
    filter: Option<Node>,
    /// A collection query's filters on its members' items, by entity name:
    /// each holds for that entity's items only.
    member_filters: BTreeMap<&'static str, MemberFilter>,
    /// The first error of a builder method, reported when the query runs.
    error: Option<Error>,
    layout: QueryLayout,
    /// When not empty: only items whose entity tag is one of these.
    only_entities: &'static [&'static str],
    /// The entity's tag value and fixed attributes, for the entity filter
    /// (an entity's own query: [`crate::EntityClient::query`]).
    entity_tag: &'static str,
    entity_fixed: &'static [crate::entity::FixedAttribute],
    /// A sort-key condition no key can meet (`lt` of the smallest value):
    /// the query answers with no items and sends nothing.
    empty: bool,
    /// A named projection's stored names ([`Query::project`]), with the
    /// entity it projects; `None` reads whole items (or what the index holds).
    projection: Option<crate::entity::Projected>,
}

impl<'t, T: FromItem> Query<'t, T> {
    pub fn new(table: &'t Table, spec: QuerySpec) -> Self {
        Self::typed(RawQuery::new(table, spec))
    }

    /// Declares the key layout (templates, raw and native keys).
    pub fn layout(self, layout: QueryLayout) -> Self {
        Self::typed(self.raw.layout(layout))
    }

    /// Only items tagged as one of `entities`: a collection whose members'
    /// sort keys are templates, which other entities' keys may share a
    /// partition with (dyngen's own layout labels them instead).
    pub fn only_entities(self, entities: &'static [&'static str]) -> Self {
        Self::typed(self.raw.only_entities(entities))
    }

    /// Fixes the next value of a template, raw or native sort key.
    pub fn text_eq<V: KeyText + ?Sized>(self, composite: &'static str, value: &V, casing: Casing) -> Self {
        Self::typed(self.raw.text_eq(composite, value, casing))
    }

    /// The next value of a template, raw or native sort key is greater than `value`.
    pub fn text_gt<V: KeyText + ?Sized>(self, composite: &'static str, value: &V, casing: Casing) -> Self {
        Self::typed(self.raw.text_gt(composite, value, casing))
    }

    pub fn text_gte<V: KeyText + ?Sized>(self, composite: &'static str, value: &V, casing: Casing) -> Self {
        Self::typed(self.raw.text_gte(composite, value, casing))
    }

    pub fn text_lt<V: KeyText + ?Sized>(self, composite: &'static str, value: &V, casing: Casing) -> Self {
        Self::typed(self.raw.text_lt(composite, value, casing))
    }

    pub fn text_lte<V: KeyText + ?Sized>(self, composite: &'static str, value: &V, casing: Casing) -> Self {
        Self::typed(self.raw.text_lte(composite, value, casing))
    }

    pub fn text_between<V: KeyText + ?Sized>(self, composite: &'static str, low: &V, high: &V, casing: Casing) -> Self {
        Self::typed(self.raw.text_between(composite, low, high, casing))
    }

    /// The next value (a string, the last of its template) starts with `prefix`.
    pub fn text_begins(self, composite: &'static str, prefix: &str, casing: Casing) -> Self {
        Self::typed(self.raw.text_begins(composite, prefix, casing))
    }

    /// Fixes the next sort-key composite to `value`.
    pub fn eq<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        Self::typed(self.raw.eq(composite, value, casing))
    }

    /// The next composite is greater than `value`.
    pub fn gt<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        Self::typed(self.raw.gt(composite, value, casing))
    }

    pub fn gte<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        Self::typed(self.raw.gte(composite, value, casing))
    }

    pub fn lt<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        Self::typed(self.raw.lt(composite, value, casing))
    }

    pub fn lte<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        Self::typed(self.raw.lte(composite, value, casing))
    }

    /// The next composite lies between `low` and `high`, both inclusive.
    pub fn between<S: KeySegment + ?Sized>(self, composite: &'static str, low: &S, high: &S, casing: Casing) -> Self {
        Self::typed(self.raw.between(composite, low, high, casing))
    }

    /// The next composite (a string) starts with `prefix`.
    pub fn begins(self, composite: &'static str, prefix: &str, casing: Casing) -> Self {
        Self::typed(self.raw.begins(composite, prefix, casing))
    }

    /// Newest (highest sort key) first.
    pub fn descending(self) -> Self {
        Self::typed(self.raw.descending())
    }

    /// At most `n` items per page, and in total for [`Query::all`] and [`Query::stream`].
    pub fn limit(self, n: u32) -> Self {
        Self::typed(self.raw.limit(n))
    }

    /// Strongly consistent reads (table and local indexes only).
    pub fn consistent(self) -> Self {
        Self::typed(self.raw.consistent())
    }

    /// The query of `T` items that `raw` describes.
    fn typed(raw: RawQuery<'t>) -> Self {
        Query {
            raw,
            item: std::marker::PhantomData,
        }
    }

    /// A query of entity `E`'s own items: the entity filter (when the
    /// layout needs one) asks for `E`'s tag and fixed attributes.
    pub(crate) fn of_entity<E: Entity>(mut self) -> Self {
        self.raw.entity_tag = E::TAG;
        self.raw.entity_fixed = E::FIXED;
        self
    }

    /// The same query returning projection `P` of the entity: DynamoDB
    /// reads only `P`'s attributes (a `ProjectionExpression`; filters
    /// still see whole items). `db.users().query(&p).project::<UserSummary>()`.
    pub fn project<P>(mut self) -> Query<'t, P>
    where
        T: Entity,
        P: crate::entity::ProjectionOf<T>,
    {
        self.raw.projection = Some(crate::entity::Projected::of::<T, P>());
        Query::typed(self.raw)
    }

    /// One page, starting after `cursor` (or at the beginning). Fails on
    /// the first item that does not read (see [`FromItem`]).
    pub async fn page(&self, cursor: Option<&Cursor>) -> Result<Page<T>, Error> {
        let page = self.raw.fetch(cursor, self.raw.limit).await?;
        Ok(Page {
            items: self.read_all(page.items)?,
            next: page.next,
        })
    }

    /// Every item across pages, lazily. An item that does not read is an
    /// `Err` in its place, and the stream goes on with the next one; a
    /// failed request ends it.
    pub fn stream(self) -> impl futures::Stream<Item = Result<T, Error>> + 't {
        use futures::StreamExt as _;
        let tag = self.raw.table.def().entity_tag;
        self.raw
            .stream_items()
            .map(move |read| read.and_then(|item| T::from_item(item, tag)))
    }

    /// Every item across pages. Fails on the first item that does not read.
    pub async fn all(self) -> Result<Vec<T>, Error> {
        self.collect().await
    }

    /// How many items the query matches, across every page, without
    /// reading them (`Select: COUNT`; the filter applies, and so does
    /// [`limit`](Self::limit) as a cap on the count), and how many DynamoDB
    /// read to find them.
    pub async fn count(self) -> Result<Count, Error> {
        self.raw.count().await
    }

    /// Every item across pages, collected into `C` (a collection's grouped
    /// type, or any other container), page by page with no copy in between.
    /// Fails on the first item that does not read.
    pub async fn collect<C: Default + Extend<T>>(self) -> Result<C, Error> {
        let mut collected = C::default();
        let mut remaining = self.raw.limit;
        let mut cursor = None;
        loop {
            if remaining == Some(0) {
                return Ok(collected);
            }
            let page = self.raw.fetch(cursor.as_ref(), remaining).await?;
            if let Some(remaining) = &mut remaining {
                *remaining = remaining.saturating_sub(u32::try_from(page.items.len()).unwrap_or(u32::MAX));
            }
            let tag = self.raw.table.def().entity_tag;
            for item in page.items {
                collected.extend(std::iter::once(T::from_item(item, tag)?));
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(collected),
            }
        }
    }

    /// Reads every item of a page.
    fn read_all(&self, items: Vec<Item>) -> Result<Vec<T>, Error> {
        let tag = self.raw.table.def().entity_tag;
        items.into_iter().map(|item| T::from_item(item, tag)).collect()
    }
}

impl<'t> RawQuery<'t> {
    /// The items of [`Query::stream`], as stored.
    fn stream_items(self) -> impl futures::Stream<Item = Result<Item, Error>> + 't {
        struct State<'t> {
            query: RawQuery<'t>,
            cursor: Option<Cursor>,
            buffer: std::vec::IntoIter<Item>,
            /// Items still to yield when the query has a limit.
            remaining: Option<u32>,
            /// No request is left to make: the last page had no cursor, or failed.
            exhausted: bool,
        }
        let state = State {
            remaining: self.limit,
            query: self,
            cursor: None,
            buffer: Vec::new().into_iter(),
            exhausted: false,
        };
        futures::stream::unfold(state, |mut state| async move {
            loop {
                if state.remaining == Some(0) {
                    return None;
                }
                if let Some(item) = state.buffer.next() {
                    if let Some(remaining) = &mut state.remaining {
                        *remaining -= 1;
                    }
                    return Some((Ok(item), state));
                }
                if state.exhausted {
                    return None;
                }
                // Ask for no more than is still wanted.
                match state.query.fetch(state.cursor.as_ref(), state.remaining).await {
                    Ok(page) => {
                        state.buffer = page.items.into_iter();
                        state.exhausted = page.next.is_none();
                        state.cursor = page.next;
                    }
                    Err(err) => {
                        state.exhausted = true;
                        return Some((Err(err), state));
                    }
                }
            }
        })
    }

    pub(crate) fn new(table: &'t Table, spec: QuerySpec) -> Self {
        RawQuery {
            table,
            prefix: spec.sk_prefix.clone(),
            spec,
            fixed: 0,
            range: None,
            ascending: true,
            limit: None,
            consistent: false,
            filter: None,
            member_filters: BTreeMap::new(),
            error: None,
            layout: QueryLayout::default(),
            only_entities: &[],
            entity_tag: "",
            entity_fixed: &[],
            empty: false,
            projection: None,
        }
    }

    /// Declares the key layout (templates, raw and native keys).
    pub(crate) fn layout(mut self, layout: QueryLayout) -> Self {
        self.layout = layout;
        self
    }

    /// Only items tagged as one of `entities`: a collection whose members'
    /// sort keys are templates, which other entities' keys may share a
    /// partition with (dyngen's own layout labels them instead).
    pub(crate) fn only_entities(mut self, entities: &'static [&'static str]) -> Self {
        self.only_entities = entities;
        self
    }

    /// The stored text of `value` (cased), or `None` after recording the
    /// error: for templates, raw and native keys.
    fn text_of<V: KeyText + ?Sized>(&mut self, composite: &'static str, value: &V, casing: Casing) -> Option<String> {
        let mut text = String::new();
        if let Err(message) = value.write_text(&mut text) {
            self.invalid(composite, message);
            return None;
        }
        Some(match casing {
            Casing::Preserve => text,
            Casing::Lower => text.to_lowercase(),
            Casing::Upper => text.to_uppercase(),
        })
    }

    /// Fixes the next value of a template, raw or native sort key.
    pub(crate) fn text_eq<V: KeyText + ?Sized>(mut self, composite: &'static str, value: &V, casing: Casing) -> Self {
        if !self.check_next(composite) {
            return self;
        }
        let Some(text) = self.text_of(composite, value, casing) else {
            return self;
        };
        let ends_key = match self.layout.sort {
            SortLayout::Text { after } => after.get(self.fixed).is_none_or(|a| a.is_empty()),
            _ => false,
        };
        if text.is_empty() && self.prefix.is_empty() && ends_key && self.fixed + 1 == self.spec.sk_composites {
            // A raw key is never empty (DynamoDB refuses empty key values).
            self.empty = true;
        }
        if let SortLayout::Text { after } = self.layout.sort {
            if let Some(d) = after.get(self.fixed).and_then(|a| a.chars().next()) {
                if text.contains(d) {
                    // No item's key holds such a value (writes refuse it).
                    self.empty = true;
                }
            }
            self.prefix.push_str(&text);
            self.prefix.push_str(after.get(self.fixed).copied().unwrap_or(""));
        } else {
            self.prefix.push_str(&text);
        }
        self.fixed += 1;
        self
    }

    fn text_compare(mut self, composite: &'static str, comparison: Comparison) -> Self {
        // A raw key is never empty: against the empty value, `>`/`>=` hold
        // for every key and `<`/`<=` for none; DynamoDB refuses an empty
        // comparison value.
        if self.prefix.is_empty() {
            match &comparison {
                Comparison::Gt(v) | Comparison::Gte(v) if v.is_empty() => return self,
                Comparison::Lt(v) | Comparison::Lte(v) if v.is_empty() => {
                    self.empty = true;
                    return self;
                }
                Comparison::Between(a, b) if a.is_empty() && b.is_empty() => {
                    self.empty = true;
                    return self;
                }
                Comparison::Between(a, b) if a.is_empty() => {
                    self.range = Some(SortKeyCondition::LessOrEqual(b.clone()));
                    return self;
                }
                _ => {}
            }
        }
        let condition = match self.layout.sort {
            SortLayout::Native(_) => Some(match comparison {
                Comparison::Gt(v) => SortKeyCondition::Greater(v),
                Comparison::Gte(v) => SortKeyCondition::GreaterOrEqual(v),
                Comparison::Lt(v) => SortKeyCondition::Less(v),
                Comparison::Lte(v) => SortKeyCondition::LessOrEqual(v),
                Comparison::Between(a, b) => SortKeyCondition::Between(a, b),
                Comparison::Begins(s) => SortKeyCondition::BeginsWith(s),
            }),
            _ => text_range_condition(&self.prefix, &comparison),
        };
        match condition {
            Some(condition) => self.range = Some(condition),
            None => self.empty = true,
        }
        let _ = composite;
        self
    }

    /// The next value of a template, raw or native sort key is greater than `value`.
    pub(crate) fn text_gt<V: KeyText + ?Sized>(mut self, composite: &'static str, value: &V, casing: Casing) -> Self {
        match self
            .check_next(composite)
            .then(|| self.text_of(composite, value, casing))
            .flatten()
        {
            Some(v) => self.text_compare(composite, Comparison::Gt(v)),
            None => self,
        }
    }

    pub(crate) fn text_gte<V: KeyText + ?Sized>(mut self, composite: &'static str, value: &V, casing: Casing) -> Self {
        match self
            .check_next(composite)
            .then(|| self.text_of(composite, value, casing))
            .flatten()
        {
            Some(v) => self.text_compare(composite, Comparison::Gte(v)),
            None => self,
        }
    }

    pub(crate) fn text_lt<V: KeyText + ?Sized>(mut self, composite: &'static str, value: &V, casing: Casing) -> Self {
        match self
            .check_next(composite)
            .then(|| self.text_of(composite, value, casing))
            .flatten()
        {
            Some(v) => self.text_compare(composite, Comparison::Lt(v)),
            None => self,
        }
    }

    pub(crate) fn text_lte<V: KeyText + ?Sized>(mut self, composite: &'static str, value: &V, casing: Casing) -> Self {
        match self
            .check_next(composite)
            .then(|| self.text_of(composite, value, casing))
            .flatten()
        {
            Some(v) => self.text_compare(composite, Comparison::Lte(v)),
            None => self,
        }
    }

    pub(crate) fn text_between<V: KeyText + ?Sized>(
        mut self,
        composite: &'static str,
        low: &V,
        high: &V,
        casing: Casing,
    ) -> Self {
        if !self.check_next(composite) {
            return self;
        }
        let (Some(low), Some(high)) = (
            self.text_of(composite, low, casing),
            self.text_of(composite, high, casing),
        ) else {
            return self;
        };
        if let SortLayout::Native(KeyType::N) = self.layout.sort {
            // Numbers compare as numbers: `between(9, 10)` is not empty.
            let (a, b) = (low.parse::<f64>(), high.parse::<f64>());
            if let (Ok(a), Ok(b)) = (a, b) {
                if a > b {
                    self.empty = true;
                    return self;
                }
            }
        } else if low > high {
            self.empty = true;
            return self;
        }
        self.text_compare(composite, Comparison::Between(low, high))
    }

    /// The next value (a string, the last of its template) starts with `prefix`.
    pub(crate) fn text_begins(mut self, composite: &'static str, prefix: &str, casing: Casing) -> Self {
        match self
            .check_next(composite)
            .then(|| self.text_of(composite, prefix, casing))
            .flatten()
        {
            Some(p) if p.is_empty() && self.prefix.is_empty() => self,
            Some(p) => self.text_compare(composite, Comparison::Begins(p)),
            None => self,
        }
    }

    /// A sort-key value as DynamoDB receives it.
    fn sort_value(&self, text: &str) -> AttributeValue {
        match self.layout.sort {
            SortLayout::Native(ty) => attribute(ty, text.to_owned()),
            _ => AttributeValue::S(text.to_owned()),
        }
    }

    /// Fixes the next sort-key composite to `value`.
    pub(crate) fn eq<S: KeySegment + ?Sized>(mut self, composite: &'static str, value: &S, casing: Casing) -> Self {
        if self.check_next(composite) {
            if let Some(segment) = self.segment(composite, value, casing) {
                self.prefix.push_str(&segment);
                self.prefix.push(DELIMITER);
                self.fixed += 1;
            }
        }
        self
    }

    /// The next composite is greater than `value`.
    pub(crate) fn gt<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        self.compare(composite, value, casing, Comparison::Gt)
    }

    pub(crate) fn gte<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        self.compare(composite, value, casing, Comparison::Gte)
    }

    pub(crate) fn lt<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        self.compare(composite, value, casing, Comparison::Lt)
    }

    pub(crate) fn lte<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        self.compare(composite, value, casing, Comparison::Lte)
    }

    /// The next composite lies between `low` and `high`, both inclusive.
    pub(crate) fn between<S: KeySegment + ?Sized>(
        mut self,
        composite: &'static str,
        low: &S,
        high: &S,
        casing: Casing,
    ) -> Self {
        if self.check_next(composite) {
            if let Some(low) = self.segment(composite, low, casing) {
                if let Some(high) = self.segment(composite, high, casing) {
                    self.range = Some(range_condition(&self.prefix, &Comparison::Between(low, high)));
                }
            }
        }
        self
    }

    /// The next composite (a string) starts with `prefix`.
    pub(crate) fn begins(mut self, composite: &'static str, prefix: &str, casing: Casing) -> Self {
        if self.check_next(composite) {
            let mut escaped = String::with_capacity(prefix.len());
            write_escaped(prefix, casing, &mut escaped);
            self.range = Some(range_condition(&self.prefix, &Comparison::Begins(escaped)));
        }
        self
    }

    /// Newest (highest sort key) first.
    pub(crate) fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    /// At most `n` items per page, and in total for [`Query::all`] and [`Query::stream`].
    pub(crate) fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Strongly consistent reads (table and local indexes only).
    pub(crate) fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// The filter expression: the caller's filter, and the expiry filter
    /// when the table hides expired items.
    fn filter_expression(&self, aliases: &mut Aliases) -> Result<Option<String>, Error> {
        let mut parts = Vec::new();
        // With `fetch_items` the index entries hold no tag: the items are
        // kept to this entity after they are read (`fetch_items`).
        if self.layout.entity_filter && !self.layout.fetch_items && !self.table.def().entity_tag.is_empty() {
            let tag = aliases.name(self.table.def().entity_tag);
            let name = aliases.value(AttributeValue::S(self.tag_value().to_owned()));
            parts.push(format!("{tag} = {name}"));
            for fixed in self.entity_fixed {
                let field = aliases.name(fixed.field);
                let value = aliases.value(AttributeValue::S(fixed.value.to_owned()));
                parts.push(format!("{field} = {value}"));
            }
        }
        if !self.only_entities.is_empty() && !self.table.def().entity_tag.is_empty() {
            let tag = aliases.name(self.table.def().entity_tag);
            let names: Vec<String> = self
                .only_entities
                .iter()
                .map(|e| aliases.value(AttributeValue::S((*e).to_owned())))
                .collect();
            parts.push(format!("{tag} IN ({})", names.join(", ")));
        }
        parts.extend(self.table.expiry_condition(self.spec.index, aliases));
        if let Some(filter) = &self.filter {
            parts.push(format!("({})", filter.render(self.spec.entity, aliases)?));
        }
        for (entity, member) in &self.member_filters {
            let tag = aliases.name(self.table.def().entity_tag);
            let name = aliases.value(AttributeValue::S(member.tag.to_owned()));
            parts.push(format!(
                "({tag} <> {name} OR ({}))",
                member.filter.render(entity, aliases)?
            ));
        }
        Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
    }

    /// Records `error` unless an earlier one is recorded.
    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    fn invalid(&mut self, composite: &'static str, message: impl Into<String>) {
        let entity = self.spec.entity;
        self.fail(Error::InvalidKey {
            entity,
            attribute: composite,
            message: message.into(),
        });
    }

    /// Whether a condition on one more composite is allowed; records the
    /// error when it is not.
    fn check_next(&mut self, composite: &'static str) -> bool {
        if self.error.is_some() {
            false
        } else if self.spec.sk_attribute.is_none() {
            self.invalid(composite, "the index has no sort key to put a condition on");
            false
        } else if self.range.is_some() {
            self.invalid(
                composite,
                "a range condition must be the query's last sort-key condition",
            );
            false
        } else if self.fixed >= self.spec.sk_composites {
            self.invalid(
                composite,
                format!("the sort key has only {} composite(s)", self.spec.sk_composites),
            );
            false
        } else {
            true
        }
    }

    /// The escaped segment of `value`, or `None` after recording the error.
    fn segment<S: KeySegment + ?Sized>(
        &mut self,
        composite: &'static str,
        value: &S,
        casing: Casing,
    ) -> Option<String> {
        let mut out = String::new();
        match value.write_segment(casing, &mut out) {
            Ok(()) => Some(out),
            Err(message) => {
                self.invalid(composite, message);
                None
            }
        }
    }

    fn compare<S: KeySegment + ?Sized>(
        mut self,
        composite: &'static str,
        value: &S,
        casing: Casing,
        comparison: fn(String) -> Comparison,
    ) -> Self {
        if self.check_next(composite) {
            if let Some(segment) = self.segment(composite, value, casing) {
                self.range = Some(range_condition(&self.prefix, &comparison(segment)));
            }
        }
        self
    }

    /// The sort-key condition DynamoDB receives; `None` for none at all.
    fn sort_key_condition(&self) -> Option<SortKeyCondition> {
        self.spec.sk_attribute?;
        if let Some(range) = &self.range {
            return Some(range.clone());
        }
        let text = matches!(self.layout.sort, SortLayout::Text { .. });
        if self.prefix.is_empty() {
            // Nothing fixed: the whole partition.
            None
        } else if (self.spec.sk_composites > 0 || text) && self.fixed == self.spec.sk_composites {
            // Every value fixed (or a template of literal text only): one key.
            Some(SortKeyCondition::Equals(self.prefix.clone()))
        } else {
            // The prefix ends in `#`, so it matches whole segments only. A
            // sort key of labels alone (e.g. a collection's) reads every
            // key that starts with them.
            Some(SortKeyCondition::BeginsWith(self.prefix.clone()))
        }
    }

    /// The partition key value, or the error that kept it from being built.
    fn partition(&self) -> Result<&str, Error> {
        if let Some(error) = &self.error {
            return Err(crate::error::duplicate(error));
        }
        match &self.spec.pk_value {
            Ok(pk) => Ok(pk),
            Err(error) => Err(crate::error::duplicate(error)),
        }
    }

    /// One `Query` request with at most `limit` items, as stored.
    async fn fetch(&self, cursor: Option<&Cursor>, limit: Option<u32>) -> Result<Page<Item>, Error> {
        let Some(request) = self.request(cursor, limit, true)? else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let output = request
            .send()
            .await
            .map_err(|e| sdk_error(self.spec.entity, Operation::Query, e))?;
        let next = match &output.last_evaluated_key {
            Some(key) if !key.is_empty() => Some(self.encode_cursor(self.partition()?, key)?),
            _ => None,
        };
        let mut items = output.items.unwrap_or_default();
        if self.layout.fetch_items && !items.is_empty() {
            items = self.fetch_items(items).await?;
        }
        Ok(Page { items, next })
    }

    /// [`Query::count`]: `Select: COUNT` requests, page after page, until
    /// the last page or `limit` matching items.
    async fn count(&self) -> Result<Count, Error> {
        let mut total = Count::default();
        if self.limit == Some(0) {
            return Ok(total);
        }
        // Built once; each page only changes its start and limit.
        let Some(request) = self.request(None, None, false)? else {
            return Ok(total);
        };
        let request = request.select(aws_sdk_dynamodb::types::Select::Count);
        let mut remaining = self.limit;
        let mut start = None;
        loop {
            if remaining == Some(0) {
                return Ok(total);
            }
            let output = request
                .clone()
                .set_limit(remaining.map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk_error(self.spec.entity, Operation::Query, e))?;
            let page = Count::of_page(output.count, output.scanned_count);
            total.add(page);
            if let Some(remaining) = &mut remaining {
                *remaining = remaining.saturating_sub(u32::try_from(page.count).unwrap_or(u32::MAX));
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(total),
            }
        }
    }

    /// The `Query` request for at most `limit` items after `cursor`, or
    /// `None` when the answer is known to be empty without asking.
    fn request(
        &self,
        cursor: Option<&Cursor>,
        limit: Option<u32>,
        project: bool,
    ) -> Result<Option<aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder>, Error> {
        let entity = self.spec.entity;
        let pk = self.partition()?;
        if limit == Some(0) {
            // DynamoDB rejects `Limit: 0`; zero items is an empty last page.
            return Ok(None);
        }
        let condition = self.sort_key_condition();
        let numeric = matches!(self.layout.sort, SortLayout::Native(KeyType::N));
        if let Some(SortKeyCondition::Between(low, high)) = &condition {
            // `between(a, b)` with a > b (or an empty range such as `lt` of the
            // smallest value) selects nothing; DynamoDB would reject the
            // inverted bounds, so answer without a request.
            if low > high && !numeric {
                return Ok(None);
            }
        }
        if self.empty {
            return Ok(None);
        }
        if self.layout.fetch_items && self.filter.is_some() {
            // DynamoDB would apply it to index entries holding keys only:
            // every item would fail it, and the query would return nothing.
            return Err(Error::UnsupportedQuery {
                entity,
                reason: "a filter on an access pattern that reads a keys-only index (`fetch`): its entries hold \
                         only keys, so DynamoDB would filter every item out; filter the items it returns instead"
                    .to_owned(),
            });
        }

        let mut aliases = Aliases::new();
        let filter = self.filter_expression(&mut aliases)?;
        // `Select: COUNT` takes no projection; with `fetch_items` the items
        // read from the table are projected instead.
        let projection = match self.projection {
            Some(p) if project && !self.layout.fetch_items => {
                Some(self.table.projection_expression(p.meta, p.attributes, &mut aliases))
            }
            _ => None,
        };
        let (names, values) = aliases.into_maps();
        let mut expression = String::from("#pk = :pk");
        let mut request = self
            .table
            .client()
            .query()
            .table_name(self.table.name())
            // Set before the key condition's names, which add to these maps.
            .set_filter_expression(filter)
            .set_projection_expression(projection)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .set_index_name(self.spec.index.map(str::to_owned))
            .expression_attribute_names("#pk", self.spec.pk_attribute)
            .expression_attribute_values(":pk", attribute(self.layout.partition, pk.to_owned()))
            // Ascending is DynamoDB's default: sent only when descending.
            .set_scan_index_forward((!self.ascending).then_some(false))
            .set_consistent_read(self.consistent.then_some(true))
            .set_limit(limit.map(|n| i32::try_from(n).unwrap_or(i32::MAX)));
        if let (Some(sk), Some(condition)) = (self.spec.sk_attribute, &condition) {
            request = request.expression_attribute_names("#sk", sk);
            let one = |op: &str, value: &String, expression: &mut String| {
                expression.push_str(&format!(" AND #sk {op} :sk"));
                self.sort_value(value)
            };
            match condition {
                SortKeyCondition::Equals(value) => {
                    let v = one("=", value, &mut expression);
                    request = request.expression_attribute_values(":sk", v);
                }
                SortKeyCondition::Greater(value) => {
                    let v = one(">", value, &mut expression);
                    request = request.expression_attribute_values(":sk", v);
                }
                SortKeyCondition::GreaterOrEqual(value) => {
                    let v = one(">=", value, &mut expression);
                    request = request.expression_attribute_values(":sk", v);
                }
                SortKeyCondition::Less(value) => {
                    let v = one("<", value, &mut expression);
                    request = request.expression_attribute_values(":sk", v);
                }
                SortKeyCondition::LessOrEqual(value) => {
                    let v = one("<=", value, &mut expression);
                    request = request.expression_attribute_values(":sk", v);
                }
                SortKeyCondition::BeginsWith(value) => {
                    expression.push_str(" AND begins_with(#sk, :sk)");
                    request = request.expression_attribute_values(":sk", self.sort_value(value));
                }
                // DynamoDB rejects empty key values: an empty lower bound is
                // below every key anyway.
                SortKeyCondition::Between(low, high) if low.is_empty() => {
                    expression.push_str(" AND #sk <= :hi");
                    request = request.expression_attribute_values(":hi", self.sort_value(high));
                }
                SortKeyCondition::Between(low, high) => {
                    expression.push_str(" AND #sk BETWEEN :lo AND :hi");
                    request = request
                        .expression_attribute_values(":lo", self.sort_value(low))
                        .expression_attribute_values(":hi", self.sort_value(high));
                }
            }
        }
        if let Some(cursor) = cursor {
            let start = self.start_key(cursor, pk, condition.as_ref())?;
            request = request.set_exclusive_start_key(Some(start));
        }
        Ok(Some(request.key_condition_expression(expression)))
    }

    /// The table's items for the index items `found` (their table keys), in
    /// the index's order, with BatchGetItem in chunks of 100 and retries of
    /// what DynamoDB leaves unprocessed. An index entry whose item is gone
    /// (deleted since: indexes follow the table eventually) is left out.
    async fn fetch_items(&self, found: Vec<Item>) -> Result<Vec<Item>, Error> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let entity = self.spec.entity;
        let def = self.table.def();
        let table_name = self.table.name();
        let keys: Vec<Item> = found
            .into_iter()
            .map(|item| {
                std::iter::once(def.pk)
                    .chain(def.sk)
                    .filter_map(|f| item.get(f).map(|v| (f.to_owned(), v.clone())))
                    .collect()
            })
            .collect();
        let policy = crate::retry::RetryPolicy::default();
        let mut items = std::collections::HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            // Duplicates would make BatchGetItem fail; an index holds each item once.
            let mut pending: Vec<Item> = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                attempt += 1;
                if attempt > 1 {
                    if attempt > policy.max_attempts {
                        return Err(Error::Unprocessed {
                            entity,
                            operation: Operation::BatchGet,
                        });
                    }
                    tokio::time::sleep(policy.delay(attempt - 1)).await;
                }
                let mut aliases = Aliases::new();
                let projection = self
                    .projection
                    .map(|p| self.table.projection_expression(p.meta, p.attributes, &mut aliases));
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .set_projection_expression(projection)
                    .set_expression_attribute_names(aliases.into_maps().0)
                    .build()
                    .map_err(|e| Error::sdk(entity, Operation::BatchGet, e))?;
                let output = self
                    .table
                    .client()
                    .batch_get_item()
                    .request_items(table_name, request)
                    .send()
                    .await
                    .map_err(|e| sdk_error(entity, Operation::BatchGet, e))?;
                for item in output
                    .responses
                    .unwrap_or_default()
                    .remove(table_name)
                    .unwrap_or_default()
                {
                    items.insert(crate::slots::item_key(self.table, &item), item);
                }
                pending = output
                    .unprocessed_keys
                    .unwrap_or_default()
                    .remove(table_name)
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
        }
        // Other entities' items under keys this query reads are not its
        // results (the filter a query without `fetch` sends).
        let tag = def.entity_tag;
        let others = self.layout.entity_filter && !tag.is_empty();
        let own_tag = self.tag_value();
        let fixed = self.entity_fixed;
        Ok(keys
            .iter()
            .filter_map(|key| items.remove(&crate::slots::item_key(self.table, key)))
            .filter(|item| {
                !others
                    || (crate::entity::tag_of(item, tag) == Some(own_tag)
                        && fixed
                            .iter()
                            .all(|f| matches!(item.get(f.field), Some(AttributeValue::S(v)) if v == f.value)))
            })
            // The index holds no TTL to filter on: expired items are left
            // out here, as every other read leaves them out.
            .filter(|item| !self.table.is_expired(item))
            .collect())
    }

    /// The tag value of the entity this query reads (its name when the
    /// query was not made by [`crate::EntityClient::query`]).
    fn tag_value(&self) -> &'static str {
        if self.entity_tag.is_empty() {
            self.spec.entity
        } else {
            self.entity_tag
        }
    }

    fn invalid_cursor(&self, reason: impl Into<String>) -> Error {
        Error::InvalidCursor {
            entity: self.spec.entity,
            reason: reason.into(),
        }
    }

    fn encode_cursor(&self, pk: &str, key: &Item) -> Result<Cursor, Error> {
        let attributes = cursor_attributes(key).map_err(|name| {
            self.invalid_cursor(format!(
                "the last evaluated key's attribute `{name}` is no string, number or binary"
            ))
        })?;
        let position = CursorData {
            index: self.spec.index.unwrap_or(""),
            partition: pk,
            key: attributes,
        };
        Ok(Cursor(position.encode()))
    }

    /// The `ExclusiveStartKey` of `cursor`, after checking that it belongs
    /// to this query.
    fn start_key(&self, cursor: &Cursor, pk: &str, condition: Option<&SortKeyCondition>) -> Result<Item, Error> {
        let Some(bytes) = decode_base64(cursor.as_str()) else {
            return Err(self.invalid_cursor("malformed cursor"));
        };
        let Some(position) = CursorData::decode(&bytes) else {
            return Err(self.invalid_cursor("malformed cursor"));
        };
        if position.index != self.spec.index.unwrap_or("") {
            return Err(self.invalid_cursor("cursor belongs to another index"));
        }
        if position.partition != pk {
            return Err(self.invalid_cursor("cursor belongs to another partition"));
        }

        let def = self.table.def();
        let allowed = [
            Some(def.pk),
            def.sk,
            Some(self.spec.pk_attribute),
            self.spec.sk_attribute,
        ];
        let mut start = Item::with_capacity(position.key.len());
        let mut sort_text = None;
        for (name, ty, value) in position.key {
            if !allowed.contains(&Some(name)) {
                return Err(self.invalid_cursor(format!("cursor names attribute `{name}`, which is no key here")));
            }
            if Some(name) == self.spec.sk_attribute {
                sort_text = Some(value.clone());
            }
            if start.insert(name.to_owned(), attribute(ty, value)).is_some() {
                return Err(self.invalid_cursor("malformed cursor"));
            }
        }
        if start.get(self.spec.pk_attribute) != Some(&attribute(self.layout.partition, pk.to_owned())) {
            return Err(self.invalid_cursor("cursor belongs to another partition"));
        }
        // DynamoDB rejects a start key outside the key condition with a
        // validation error; say what is wrong instead.
        if let (Some(_), Some(condition)) = (self.spec.sk_attribute, condition) {
            let Some(value) = sort_text else {
                return Err(self.invalid_cursor("malformed cursor"));
            };
            let numeric = matches!(self.layout.sort, SortLayout::Native(KeyType::N));
            if !inside(condition, &value, numeric) {
                return Err(self.invalid_cursor("cursor lies outside this query's sort-key condition"));
            }
        }
        Ok(start)
    }
}

/// The typed key attributes of a last evaluated key, sorted by name (equal
/// positions give equal cursors); `Err` names an attribute of another type.
fn cursor_attributes(key: &Item) -> Result<Vec<(&str, KeyType, String)>, &str> {
    let mut attributes = Vec::with_capacity(key.len());
    for (name, value) in key {
        let typed = match value {
            AttributeValue::S(v) => (KeyType::S, v.clone()),
            AttributeValue::N(v) => (KeyType::N, v.clone()),
            AttributeValue::B(v) => (KeyType::B, hex_text(v.as_ref())),
            _ => return Err(name.as_str()),
        };
        attributes.push((name.as_str(), typed.0, typed.1));
    }
    attributes.sort_unstable_by(|a, b| a.0.cmp(b.0));
    Ok(attributes)
}

/// Whether a sort key value (its text; `numeric` for `N` keys) meets
/// `condition`.
fn inside(condition: &SortKeyCondition, value: &str, numeric: bool) -> bool {
    use std::cmp::Ordering;
    let cmp = |a: &str, b: &str| -> Ordering {
        if numeric {
            match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => a.cmp(b),
            }
        } else {
            a.cmp(b)
        }
    };
    match condition {
        SortKeyCondition::Equals(v) => cmp(value, v) == Ordering::Equal,
        SortKeyCondition::BeginsWith(prefix) => value.starts_with(prefix.as_str()),
        SortKeyCondition::Between(low, high) => {
            cmp(low, value) != Ordering::Greater && cmp(value, high) != Ordering::Greater
        }
        SortKeyCondition::Greater(v) => cmp(value, v) == Ordering::Greater,
        SortKeyCondition::GreaterOrEqual(v) => cmp(value, v) != Ordering::Less,
        SortKeyCondition::Less(v) => cmp(value, v) == Ordering::Less,
        SortKeyCondition::LessOrEqual(v) => cmp(value, v) != Ordering::Greater,
    }
}

/// One access pattern read across a range of time buckets (`month(created)`
/// partitions): one query per bucket, in bucket order. Buckets are disjoint
/// ranges of their source, so results in bucket order, each bucket in
/// sort-key order, are in key order.
#[derive(Debug)]
#[must_use = "a query does nothing until it is run"]
pub struct Buckets<'t, T> {
    queries: Vec<Query<'t, T>>,
}

impl<'t, T: FromItem> Buckets<'t, T> {
    pub fn new(queries: Vec<Query<'t, T>>) -> Self {
        Buckets { queries }
    }

    /// How many buckets (queries) the range covers.
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// Every item, bucket after bucket, lazily (one request at a time).
    pub fn stream(self) -> impl futures::Stream<Item = Result<T, Error>> + 't {
        use futures::StreamExt as _;
        futures::stream::iter(self.queries).flat_map(|q| q.stream())
    }

    /// Every item, bucket after bucket.
    pub async fn all(self) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        for query in self.queries {
            out.extend(query.all().await?);
        }
        Ok(out)
    }

    /// The items of every bucket, counted as [`Query::count`] does.
    pub async fn count(self) -> Result<Count, Error> {
        let mut total = Count::default();
        for query in self.queries {
            total.add(query.count().await?);
        }
        Ok(total)
    }

    /// Every item, reading up to `concurrency` buckets at once; the results
    /// are merged back in bucket order, so the order is [`Buckets::all`]'s.
    pub async fn all_concurrent(self, concurrency: usize) -> Result<Vec<T>, Error> {
        use futures::StreamExt as _;
        // Boxed: the queries' futures as one type, which keeps the stream
        // `Send` for any caller.
        let reads: Vec<futures::future::BoxFuture<'t, Result<Vec<T>, Error>>> = self
            .queries
            .into_iter()
            .map(|query| Box::pin(query.all()) as _)
            .collect();
        let pages: Vec<Result<Vec<T>, Error>> = futures::stream::iter(reads)
            .buffered(concurrency.max(1))
            .collect()
            .await;
        let mut out = Vec::new();
        for page in pages {
            out.extend(page?);
        }
        Ok(out)
    }
}

/// What [`Query::count`] and [`Scan::count`](crate::Scan::count) return:
/// DynamoDB's `Count` and `ScannedCount`, summed over every page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    /// The items that matched: the key condition, the entity's own items,
    /// and the filter when there is one.
    pub count: u64,
    /// The items DynamoDB read to find them (what a query or scan is billed
    /// by): more than `count` when a filter, or other entities' items in
    /// the same partition or table, left some out.
    pub scanned_count: u64,
}

impl Count {
    pub(crate) fn of_page(count: i32, scanned_count: i32) -> Count {
        Count {
            count: u64::try_from(count).unwrap_or(0),
            scanned_count: u64::try_from(scanned_count).unwrap_or(0),
        }
    }

    pub(crate) fn add(&mut self, page: Count) {
        self.count += page.count;
        self.scanned_count += page.scanned_count;
    }
}

/// The version byte of cursors whose key attributes are all strings.
const CURSOR_VERSION: u8 = 1;
/// The version byte of cursors with a number or binary key attribute.
const CURSOR_VERSION_TYPED: u8 = 2;
/// Longer cursor strings are rejected before decoding (real ones stay far
/// below: keys are at most 2048 + 1024 bytes per index).
const CURSOR_MAX_LEN: usize = 16 * 1024;
/// At most the table's and one index's key attributes.
const CURSOR_MAX_ATTRIBUTES: usize = 4;

/// What a cursor holds: version 1 is the version byte, then the index name
/// (empty for the table), the partition key value, the number of key
/// attributes (one byte) and each attribute's name and string value. Every
/// string is a 4-byte big-endian length and its UTF-8 bytes. Version 2
/// (some key attribute is `N` or `B`) writes a type byte (`S`, `N`, `B`)
/// between each name and value, and a `B` value as hex.
#[derive(Debug, PartialEq, Eq)]
struct CursorData<'a> {
    index: &'a str,
    partition: &'a str,
    key: Vec<(&'a str, KeyType, String)>,
}

impl<'a> CursorData<'a> {
    fn encode(&self) -> String {
        fn field(out: &mut Vec<u8>, s: &str) {
            // Key attributes are far below 4 GiB.
            out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        let typed = self.key.iter().any(|(_, ty, _)| *ty != KeyType::S);
        let mut out = Vec::with_capacity(64);
        out.push(if typed { CURSOR_VERSION_TYPED } else { CURSOR_VERSION });
        field(&mut out, self.index);
        field(&mut out, self.partition);
        out.push(u8::try_from(self.key.len()).unwrap_or(u8::MAX));
        for (name, ty, value) in &self.key {
            field(&mut out, name);
            if typed {
                out.push(match ty {
                    KeyType::S => b'S',
                    KeyType::N => b'N',
                    KeyType::B => b'B',
                });
            }
            field(&mut out, value);
        }
        URL_SAFE_NO_PAD.encode(out)
    }

    /// `None` for anything that is not a well-formed version 1 or 2 cursor.
    fn decode(bytes: &'a [u8]) -> Option<Self> {
        struct Reader<'a>(&'a [u8]);
        impl<'a> Reader<'a> {
            fn take(&mut self, n: usize) -> Option<&'a [u8]> {
                if n > self.0.len() {
                    return None;
                }
                let (head, tail) = self.0.split_at(n);
                self.0 = tail;
                Some(head)
            }
            fn byte(&mut self) -> Option<u8> {
                self.take(1).map(|b| b[0])
            }
            fn field(&mut self) -> Option<&'a str> {
                let len = self.take(4)?;
                let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]);
                std::str::from_utf8(self.take(usize::try_from(len).ok()?)?).ok()
            }
        }
        let mut reader = Reader(bytes);
        let typed = match reader.byte()? {
            CURSOR_VERSION => false,
            CURSOR_VERSION_TYPED => true,
            _ => return None,
        };
        let index = reader.field()?;
        let partition = reader.field()?;
        let count = usize::from(reader.byte()?);
        if count == 0 || count > CURSOR_MAX_ATTRIBUTES {
            return None;
        }
        let mut key = Vec::with_capacity(count);
        for _ in 0..count {
            let name = reader.field()?;
            let ty = if typed {
                match reader.byte()? {
                    b'S' => KeyType::S,
                    b'N' => KeyType::N,
                    b'B' => KeyType::B,
                    _ => return None,
                }
            } else {
                KeyType::S
            };
            let value = reader.field()?;
            if ty == KeyType::B && hex_text(&hex_bytes(value)) != value {
                return None;
            }
            key.push((name, ty, value.to_owned()));
        }
        reader.0.is_empty().then_some(CursorData { index, partition, key })
    }
}

/// The index name scan cursors carry: no index is named so.
const SCAN_CURSOR: &str = "#scan";

/// A scan's cursor: the table's key attributes of the last item read.
pub(crate) fn encode_scan_cursor(entity: &str, key: &Item) -> Option<Cursor> {
    let position = CursorData {
        index: SCAN_CURSOR,
        partition: entity,
        key: cursor_attributes(key).ok()?,
    };
    Some(Cursor(position.encode()))
}

/// The start key of a scan's cursor; `Err` says why it is not one of this
/// entity's scan cursors.
pub(crate) fn decode_scan_cursor(entity: &str, allowed: [Option<&str>; 2], cursor: &Cursor) -> Result<Item, String> {
    let bytes = decode_base64(cursor.as_str()).ok_or("malformed cursor")?;
    let position = CursorData::decode(&bytes).ok_or("malformed cursor")?;
    if position.index != SCAN_CURSOR || position.partition != entity {
        return Err("cursor belongs to another query".into());
    }
    let mut start = Item::with_capacity(position.key.len());
    for (name, ty, value) in position.key {
        if !allowed.contains(&Some(name)) {
            return Err(format!("cursor names attribute `{name}`, which is no key here"));
        }
        if start.insert(name.to_owned(), attribute(ty, value)).is_some() {
            return Err("malformed cursor".into());
        }
    }
    Ok(start)
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.len() > CURSOR_MAX_LEN {
        return None;
    }
    URL_SAFE_NO_PAD.decode(s).ok()
}

impl<T: Entity + FromItem> Query<'_, T> {
    /// Only items for which the condition `build` returns (given the
    /// entity's attributes) holds. DynamoDB applies filters after reading:
    /// a page may hold fewer items than its limit, even none, and still have
    /// a next page. Several filters must all hold.
    pub fn filter(mut self, build: impl FnOnce(&T::Attributes) -> Condition<T>) -> Self {
        let node = build(&T::attributes()).into_node();
        self.raw.filter = Some(Node::all_of(self.raw.filter.take(), node));
        self
    }
}

/// The item type of a collection that has entity `E` among its members
/// (generated: `impl Member<Issue> for ActivityItem {}`).
#[diagnostic::on_unimplemented(
    message = "`{E}` is not a member of this collection",
    label = "this collection's items are not `{E}` items",
    note = "a collection query can only filter the items of its own members"
)]
pub trait Member<E: Entity>: FromItem {}

impl<C: FromItem> Query<'_, C> {
    /// Only those items of member `E` for which the condition `build`
    /// returns (given `E`'s attributes) holds; the other members' items are
    /// not affected: `db.activity(&key).filter_member::<Issue>(|a|
    /// a.status.eq(IssueStatus::Open))` reads the repository, its pull
    /// requests and its open issues. Sent as the filter `(tag <> "Issue" OR
    /// (condition))` per filtered member, so it has a filter's costs: items
    /// left out are still read. Several filters of one member must all hold.
    pub fn filter_member<E: Entity>(mut self, build: impl FnOnce(&E::Attributes) -> Condition<E>) -> Self
    where
        C: Member<E>,
    {
        let node = build(&E::attributes()).into_node();
        let previous = self.raw.member_filters.remove(E::NAME).map(|m| m.filter);
        self.raw.member_filters.insert(
            E::NAME,
            MemberFilter {
                tag: E::TAG,
                filter: Node::all_of(previous, node),
            },
        );
        self
    }
}

/// The range methods of a query stage's composite: `_gt`, `_gte`, `_lt`,
/// `_lte` and `_between`, and `_begins` when a last method name is given
/// (strings). [`query_stage!`] calls it for each composite whose key text
/// sorts like its values; the method names come from the schema.
///
/// `sort_key_ranges!(Stage, Item, "part", codec, Casing, value, gt, gte,
/// lt, lte, between[, begins])`: `Stage` wraps a `Query<'t, Item>`;
/// `codec` is `segmented` (dyngen's own layout) or `text` (templates and
/// native keys); `Casing` is the key's [`crate::Casing`] variant; `value`
/// says how the argument reaches the key codec:
/// - `plain(T)`: a `T`, by reference;
/// - `wrap(T, W)`: a `T`, through its stored form `W(value)` (timestamps);
/// - `into(B)`: anything `Into<B>` (time buckets, shards), converted;
/// - `as_str(T)`: an enum, by its stored string.
#[macro_export]
macro_rules! sort_key_ranges {
    ($stage:ident, $item:ty, $part:literal, $codec:ident, $casing:ident, $kind:ident($($value:tt)*),
     $gt:ident, $gte:ident, $lt:ident, $lte:ident, $between:ident $(, $begins:ident)?) => {
        #[allow(clippy::should_implement_trait)]
        impl<'t> $stage<'t> {
            #[doc = concat!("Only items whose `", $part, "` is greater than `value`.")]
            pub fn $gt(self, value: $crate::__key_arg!(type $kind($($value)*))) -> $crate::query::Query<'t, $item> {
                $crate::__key_call!($codec gt, self.0, $part, $casing, $crate::__key_arg!(ref value, $kind($($value)*)))
            }

            #[doc = concat!("Only items whose `", $part, "` is greater than or equal to `value`.")]
            pub fn $gte(self, value: $crate::__key_arg!(type $kind($($value)*))) -> $crate::query::Query<'t, $item> {
                $crate::__key_call!($codec gte, self.0, $part, $casing, $crate::__key_arg!(ref value, $kind($($value)*)))
            }

            #[doc = concat!("Only items whose `", $part, "` is less than `value`.")]
            pub fn $lt(self, value: $crate::__key_arg!(type $kind($($value)*))) -> $crate::query::Query<'t, $item> {
                $crate::__key_call!($codec lt, self.0, $part, $casing, $crate::__key_arg!(ref value, $kind($($value)*)))
            }

            #[doc = concat!("Only items whose `", $part, "` is less than or equal to `value`.")]
            pub fn $lte(self, value: $crate::__key_arg!(type $kind($($value)*))) -> $crate::query::Query<'t, $item> {
                $crate::__key_call!($codec lte, self.0, $part, $casing, $crate::__key_arg!(ref value, $kind($($value)*)))
            }

            #[doc = concat!("Only items whose `", $part, "` lies between `low` and `high`, both included.")]
            pub fn $between(
                self,
                low: $crate::__key_arg!(type $kind($($value)*)),
                high: $crate::__key_arg!(type $kind($($value)*)),
            ) -> $crate::query::Query<'t, $item> {
                $crate::__key_call!(
                    $codec between,
                    self.0,
                    $part,
                    $casing,
                    $crate::__key_arg!(ref low, $kind($($value)*)),
                    $crate::__key_arg!(ref high, $kind($($value)*))
                )
            }

            $(
                #[doc = concat!("Only items whose `", $part, "` starts with `prefix`.")]
                pub fn $begins(self, prefix: &str) -> $crate::query::Query<'t, $item> {
                    $crate::__key_call!($codec begins, self.0, $part, $casing, prefix)
                }
            )?
        }
    };
}

/// The parameter type, or the argument as the key codec takes it, of
/// [`sort_key_ranges!`]'s methods.
#[doc(hidden)]
#[macro_export]
macro_rules! __key_arg {
    (type plain($t:ty)) => { $t };
    (type wrap($t:ty, $w:path)) => { $t };
    (type into($b:ty)) => { impl ::core::convert::Into<$b> };
    (type as_str($t:ty)) => { $t };
    (ref $v:ident, plain($t:ty)) => { &$v };
    (ref $v:ident, wrap($t:ty, $w:path)) => { &$w($v) };
    (ref $v:ident, into($b:ty)) => { &::core::convert::Into::<$b>::into($v) };
    (ref $v:ident, as_str($t:ty)) => { $v.as_str() };
}

/// A range call on the query, in the codec's family of methods:
/// [`sort_key_ranges!`]'s bodies.
#[doc(hidden)]
#[macro_export]
macro_rules! __key_call {
    (segmented $method:ident, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.$method($part, $($arg),+, $crate::Casing::$casing)
    };
    (text eq, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.text_eq($part, $($arg),+, $crate::Casing::$casing)
    };
    (text gt, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.text_gt($part, $($arg),+, $crate::Casing::$casing)
    };
    (text gte, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.text_gte($part, $($arg),+, $crate::Casing::$casing)
    };
    (text lt, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.text_lt($part, $($arg),+, $crate::Casing::$casing)
    };
    (text lte, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.text_lte($part, $($arg),+, $crate::Casing::$casing)
    };
    (text between, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.text_between($part, $($arg),+, $crate::Casing::$casing)
    };
    (text begins, $query:expr, $part:literal, $casing:ident, $($arg:expr),+) => {
        $query.text_begins($part, $($arg),+, $crate::Casing::$casing)
    };
}

/// Declares a query stage: a wrapper around [`Query`] whose methods only
/// allow the next sort-key composite, so that a condition that skips a
/// composite does not compile. The stage can also run as it is.
///
/// `query_stage!(/// docs  Stage, Item)` declares the bare stage.
/// Generated code calls it once per sort-key composite, in the long form
/// `query_stage!(/// docs  Stage, Item, "part", codec, Casing, value, eq =>
/// Next[, gt, gte, lt, lte, between[, begins]])`: `eq` fixes the composite
/// and leads to the stage `Next`, or to the plain query when `Next` is
/// `query`; the range methods follow when their names are given (see
/// [`sort_key_ranges!`] for the other arguments). Every stage can `count()`,
/// except one whose next composite is named `count`: its `count(value)`
/// fixes that composite, and `into_query().count()` counts.
#[macro_export]
macro_rules! query_stage {
    ($($stage:tt)*) => {
        $crate::__query_stage!(entity $($stage)*);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __query_stage {
    (@eq $mode:ident $name:ident, $item:ty, $part:literal, $codec:ident, $casing:ident, $kind:ident $value:tt, $eq:ident => query) => {
        #[allow(clippy::should_implement_trait)]
        impl<'t> $name<'t> {
            #[doc = concat!("Only items whose `", $part, "` equals `value`.")]
            pub fn $eq(self, value: $crate::__key_arg!(type $kind $value)) -> $crate::query::Query<'t, $item> {
                $crate::__key_call!($codec eq, self.0, $part, $casing, $crate::__key_arg!(ref value, $kind $value))
            }
        }
    };
    (@eq $mode:ident $name:ident, $item:ty, $part:literal, $codec:ident, $casing:ident, $kind:ident $value:tt, $eq:ident => $next:ident) => {
        #[allow(clippy::should_implement_trait)]
        impl<'t> $name<'t> {
            #[doc = concat!("Only items whose `", $part, "` equals `value`.")]
            pub fn $eq(self, value: $crate::__key_arg!(type $kind $value)) -> $next<'t> {
                $next($crate::__key_call!($codec eq, self.0, $part, $casing, $crate::__key_arg!(ref value, $kind $value)))
            }
        }
    };
    // A composite named `count`: its equality method takes the name, so
    // this stage counts through `into_query().count()`.
    ($mode:ident $(#[$meta:meta])* $name:ident, $item:ty, $part:literal, $codec:ident, $casing:ident, $kind:ident $value:tt,
     count => $next:ident $(, $gt:ident, $gte:ident, $lt:ident, $lte:ident, $between:ident $(, $begins:ident)?)?) => {
        $crate::__query_stage!(@stage $mode $(#[$meta])* $name, $item);
        $crate::__query_stage!(@eq $mode $name, $item, $part, $codec, $casing, $kind $value, count => $next);
        $($crate::sort_key_ranges!($name, $item, $part, $codec, $casing, $kind $value, $gt, $gte, $lt, $lte, $between $(, $begins)?);)?
    };
    ($mode:ident $(#[$meta:meta])* $name:ident, $item:ty, $part:literal, $codec:ident, $casing:ident, $kind:ident $value:tt,
     $eq:ident => query $(, $gt:ident, $gte:ident, $lt:ident, $lte:ident, $between:ident $(, $begins:ident)?)?) => {
        $crate::__query_stage!($mode $(#[$meta])* $name, $item);
        $crate::__query_stage!(@eq $mode $name, $item, $part, $codec, $casing, $kind $value, $eq => query);

        $($crate::sort_key_ranges!($name, $item, $part, $codec, $casing, $kind $value, $gt, $gte, $lt, $lte, $between $(, $begins)?);)?
    };
    ($mode:ident $(#[$meta:meta])* $name:ident, $item:ty, $part:literal, $codec:ident, $casing:ident, $kind:ident $value:tt,
     $eq:ident => $next:ident $(, $gt:ident, $gte:ident, $lt:ident, $lte:ident, $between:ident $(, $begins:ident)?)?) => {
        $crate::__query_stage!($mode $(#[$meta])* $name, $item);
        $crate::__query_stage!(@eq $mode $name, $item, $part, $codec, $casing, $kind $value, $eq => $next);

        $($crate::sort_key_ranges!($name, $item, $part, $codec, $casing, $kind $value, $gt, $gte, $lt, $lte, $between $(, $begins)?);)?
    };
    ($mode:ident $(#[$meta:meta])* $name:ident, $item:ty) => {
        $crate::__query_stage!(@stage $mode $(#[$meta])* $name, $item);

        impl<'t> $name<'t> {
            /// How many items match, across pages, without reading them.
            pub async fn count(self) -> ::core::result::Result<$crate::query::Count, $crate::Error> {
                self.0.count().await
            }
        }
    };
    (@stage $mode:ident $(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug)]
        #[must_use = "a query does nothing until it is run"]
        pub struct $name<'t>($crate::query::Query<'t, $item>);

        impl<'t> $name<'t> {
            /// Newest (highest sort key) first.
            pub fn descending(self) -> Self {
                Self(self.0.descending())
            }

            /// At most `n` items per page, and in total.
            pub fn limit(self, n: u32) -> Self {
                Self(self.0.limit(n))
            }

            /// Strongly consistent reads (table and local indexes only).
            pub fn consistent(self) -> Self {
                Self(self.0.consistent())
            }

            /// One page, starting after `cursor`.
            pub async fn page(
                &self,
                cursor: ::core::option::Option<&$crate::query::Cursor>,
            ) -> ::core::result::Result<$crate::query::Page<$item>, $crate::Error> {
                self.0.page(cursor).await
            }

            /// Every item across pages, lazily.
            pub fn stream(self) -> impl $crate::futures_stream::Stream<Item = ::core::result::Result<$item, $crate::Error>> + 't {
                self.0.stream()
            }

            /// Every item across pages.
            pub async fn all(self) -> ::core::result::Result<::std::vec::Vec<$item>, $crate::Error> {
                self.0.all().await
            }

            /// The query without further sort-key conditions.
            pub fn into_query(self) -> $crate::query::Query<'t, $item> {
                self.0
            }
        }
        $crate::__query_stage!(@filter $mode $name, $item);
    };
    (@filter entity $name:ident, $item:ty) => {
        impl<'t> $name<'t> {
            /// Only items for which the condition `build` returns holds; see
            /// `Query::filter`.
            pub fn filter(
                self,
                build: impl ::core::ops::FnOnce(&<$item as $crate::Entity>::Attributes) -> $crate::Condition<$item>,
            ) -> $crate::query::Query<'t, $item> {
                self.0.filter(build)
            }

        }
    };
    (@filter projection $name:ident, $item:ty) => {};
}

/// [`query_stage!`] for a projection's query (an access pattern on an
/// index that projects less than all): the same stages, without `filter`,
/// which would see only the projected attributes.
#[macro_export]
macro_rules! projection_query_stage {
    ($($stage:tt)*) => {
        $crate::__query_stage!(projection $($stage)*);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_data_round_trips() {
        let data = CursorData {
            index: "gsi1",
            partition: "app#a$23b#",
            key: vec![
                ("gsi1pk", KeyType::S, "x#".into()),
                ("pk", KeyType::S, "app#".into()),
                ("sk", KeyType::S, "Thing#\u{10FFFF}é#".into()),
            ],
        };
        let encoded = data.encode();
        assert!(encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let bytes = decode_base64(&encoded).unwrap();
        assert_eq!(bytes[0], CURSOR_VERSION, "all-string keys keep version 1");
        assert_eq!(CursorData::decode(&bytes), Some(data));
        // Number and binary keys (version 2) keep their types.
        let typed = CursorData {
            index: "",
            partition: "agg#1",
            key: vec![
                ("a", KeyType::S, "agg#1".into()),
                ("b", KeyType::B, hex_text(&[0, 255, 16])),
                ("v", KeyType::N, "42".into()),
            ],
        };
        let bytes = decode_base64(&typed.encode()).unwrap();
        assert_eq!(bytes[0], CURSOR_VERSION_TYPED);
        assert_eq!(CursorData::decode(&bytes), Some(typed));
    }

    #[test]
    fn malformed_cursors_are_rejected_without_panicking() {
        let good = CursorData {
            index: "",
            partition: "p#",
            key: vec![("pk", KeyType::S, "p#".into()), ("sk", KeyType::S, "s#".into())],
        }
        .encode();
        let bytes = decode_base64(&good).unwrap();
        // Every truncation and every trailing addition is rejected.
        for n in 0..bytes.len() {
            assert_eq!(CursorData::decode(&bytes[..n]), None, "truncated to {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(CursorData::decode(&longer), None);
        // Wrong version, absurd lengths, invalid UTF-8.
        let mut wrong = bytes.clone();
        wrong[0] = 3;
        assert_eq!(CursorData::decode(&wrong), None);
        assert_eq!(CursorData::decode(&[1, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(
            CursorData::decode(&[1, 0, 0, 0, 1, 0xff, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
            None
        );
        // Random bytes never panic.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..200 {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 24) as u8
                })
                .collect();
            let _ = CursorData::decode(&data);
        }
        for s in ["", "!!!", "a", "====", "é", &"A".repeat(CURSOR_MAX_LEN + 1)] {
            let _ = decode_base64(s).and_then(|b| CursorData::decode(&b).map(|_| ()));
        }
    }
}
