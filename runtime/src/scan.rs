//! Scans of one entity: every item of the table whose entity tag is the
//! entity's, with an optional typed filter. A scan reads the whole table
//! (and pays for it): for access patterns, declare an index and query it.

use crate::condition::{Condition, Node};
use crate::entity::{Entity, EntityMeta};
use crate::error::{Error, Operation};
use crate::expr::Aliases;
use crate::query::{decode_scan_cursor, encode_scan_cursor, Count, Cursor, Page};
use crate::sdk::sdk_error;
use crate::table::Table;
use crate::Item;
use aws_sdk_dynamodb::types::AttributeValue;
use futures::TryStreamExt as _;

/// A scan of entity `E`, returning `T` items (the entity's, or one of its
/// projections: [`Scan::project`]); run it with [`Scan::page`],
/// [`Scan::stream`] or [`Scan::all`].
#[derive(Debug)]
#[must_use = "a scan does nothing until it is run"]
pub struct Scan<'t, E, T = E> {
    table: &'t Table,
    filter: Option<Node>,
    limit: Option<u32>,
    consistent: bool,
    /// A projection's stored names; `None` reads whole items.
    projection: Option<&'static [&'static str]>,
    entity: std::marker::PhantomData<fn() -> (E, T)>,
}

impl<'t, E: Entity> Scan<'t, E> {
    pub(crate) fn new(table: &'t Table) -> Self {
        Scan {
            table,
            filter: None,
            limit: None,
            consistent: false,
            projection: None,
            entity: std::marker::PhantomData,
        }
    }

    /// The same scan returning projection `P`: DynamoDB reads only `P`'s
    /// attributes (the filter still sees whole items).
    pub fn project<P: crate::entity::ProjectionOf<E>>(self) -> Scan<'t, E, P> {
        Scan {
            table: self.table,
            filter: self.filter,
            limit: self.limit,
            consistent: self.consistent,
            projection: Some(P::ATTRIBUTES),
            entity: std::marker::PhantomData,
        }
    }
}

impl<'t, E: Entity, T: crate::FromItem> Scan<'t, E, T> {
    /// Only items for which the condition `build` returns holds. Like every
    /// DynamoDB filter it applies after reading: pages may be short.
    pub fn filter(mut self, build: impl FnOnce(&E::Attributes) -> Condition<E>) -> Self {
        let node = build(&E::attributes()).into_node();
        self.filter = Some(Node::all_of(self.filter.take(), node));
        self
    }

    /// At most `n` items read per request (DynamoDB's `Limit`, counted
    /// before filtering, including other entities' items).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Strongly consistent reads.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// One page, starting after `cursor` (or at the beginning).
    pub async fn page(&self, cursor: Option<&Cursor>) -> Result<Page<T>, Error> {
        let page = scan_page(
            self.table,
            E::META,
            ScanRequest {
                filter: self.filter.as_ref(),
                projection: self.projection,
                consistent: self.consistent,
            },
            self.limit,
            cursor,
        )
        .await?;
        let tag = self.table.def().entity_tag;
        let items = page
            .items
            .into_iter()
            .map(|item| T::from_item(item, tag))
            .collect::<Result<Vec<T>, _>>()?;
        Ok(Page { items, next: page.next })
    }

    /// Every item across pages, lazily.
    pub fn stream(self) -> impl futures::Stream<Item = Result<T, Error>> + 't {
        futures::stream::try_unfold((self, None::<Cursor>, false), |(scan, cursor, done)| async move {
            if done {
                return Ok::<_, Error>(None);
            }
            let page = scan.page(cursor.as_ref()).await?;
            let done = page.next.is_none();
            Ok(Some((
                futures::stream::iter(page.items.into_iter().map(Ok)),
                (scan, page.next, done),
            )))
        })
        .try_flatten()
    }

    /// Every item across pages.
    pub async fn all(self) -> Result<Vec<T>, Error> {
        self.stream().try_collect().await
    }

    /// How many of the table's items are `E`'s (and pass the filter),
    /// across every page, without reading them (`Select: COUNT`), and how
    /// many DynamoDB read to find them: the whole table, every entity's
    /// items. [`limit`](Self::limit) is the size of each request, as for
    /// [`all`](Self::all).
    pub async fn count(self) -> Result<Count, Error> {
        let request = ScanRequest {
            filter: self.filter.as_ref(),
            projection: None,
            consistent: self.consistent,
        };
        scan_count(self.table, E::META, request, self.limit).await
    }
}

/// What a scan asks for besides its entity, page and limit.
#[derive(Clone, Copy)]
struct ScanRequest<'a> {
    filter: Option<&'a Node>,
    projection: Option<&'static [&'static str]>,
    consistent: bool,
}

/// One page of a scan's items, as stored: the request of every entity's
/// scan, compiled once.
async fn scan_page(
    table: &Table,
    meta: &EntityMeta,
    request: ScanRequest<'_>,
    limit: Option<u32>,
    cursor: Option<&Cursor>,
) -> Result<Page<Item>, Error> {
    let def = table.def();
    let invalid = |reason: String| Error::InvalidCursor {
        entity: meta.name,
        reason,
    };
    let start = cursor
        .map(|c| decode_scan_cursor(meta.name, [Some(def.pk), def.sk], c).map_err(invalid))
        .transpose()?;
    let output = scan_request(table, meta, request)?
        .set_exclusive_start_key(start)
        .set_limit(limit.map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
        .send()
        .await
        .map_err(|e| sdk_error(meta.name, Operation::Scan, e))?;
    let items = output.items.unwrap_or_default();
    let next = match output.last_evaluated_key {
        Some(key) if !key.is_empty() => Some(
            encode_scan_cursor(meta.name, &key)
                .ok_or_else(|| invalid("the last evaluated key is not made of strings, numbers or binaries".into()))?,
        ),
        _ => None,
    };
    Ok(Page { items, next })
}

/// [`Scan::count`]: `Select: COUNT` requests over the whole table, of at
/// most `limit` items each.
async fn scan_count(
    table: &Table,
    meta: &EntityMeta,
    request: ScanRequest<'_>,
    limit: Option<u32>,
) -> Result<Count, Error> {
    let request = scan_request(table, meta, request)?
        .select(aws_sdk_dynamodb::types::Select::Count)
        .set_limit(limit.map(|n| i32::try_from(n).unwrap_or(i32::MAX)));
    let mut total = Count::default();
    let mut start = None;
    loop {
        let output = request
            .clone()
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| sdk_error(meta.name, Operation::Scan, e))?;
        total.add(Count::of_page(output.count, output.scanned_count));
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(total),
        }
    }
}

/// The `Scan` request of entity `meta`'s items, without its start key
/// and limit.
fn scan_request(
    table: &Table,
    meta: &EntityMeta,
    request: ScanRequest<'_>,
) -> Result<aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder, Error> {
    let ScanRequest {
        filter,
        projection,
        consistent,
    } = request;
    let def = table.def();
    let mut aliases = Aliases::new();
    let mut parts = Vec::new();
    if !def.entity_tag.is_empty() {
        let tag = aliases.name(def.entity_tag);
        let name = aliases.value(AttributeValue::S(meta.tag.to_owned()));
        parts.push(format!("{tag} = {name}"));
        for fixed in meta.fixed {
            let field = aliases.name(fixed.field);
            let value = aliases.value(AttributeValue::S(fixed.value.to_owned()));
            parts.push(format!("{field} = {value}"));
        }
    } else if let Some(mark) = meta.key_mark {
        // No tag: this entity's keys start with its mark.
        let key = aliases.name(mark.attribute);
        let prefix = aliases.value(AttributeValue::S(mark.prefix.to_owned()));
        parts.push(format!("begins_with({key}, {prefix})"));
    }
    parts.extend(table.expiry_condition(None, &mut aliases));
    if let Some(node) = filter {
        parts.push(format!("({})", node.render(meta.name, &mut aliases)?));
    }
    let filter = (!parts.is_empty()).then(|| parts.join(" AND "));
    let projection = projection.map(|attributes| table.projection_expression(meta, attributes, &mut aliases));
    let (names, values) = aliases.into_maps();
    Ok(table
        .client()
        .scan()
        .table_name(table.name())
        .set_filter_expression(filter)
        .set_projection_expression(projection)
        .set_expression_attribute_names(names)
        .set_expression_attribute_values(values)
        .set_consistent_read(consistent.then_some(true)))
}
