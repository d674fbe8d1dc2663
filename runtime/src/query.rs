//! Queries: a partition, an optional typed sort-key condition, pages bound
//! to their query by opaque cursors, and streams across pages.

use crate::entity::FromItem;
use crate::error::Error;
use crate::key::{Casing, KeySegment};
use crate::table::Table;
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

/// A query ready to run, or to receive a sort-key condition.
#[derive(Debug)]
pub struct Query<'t, T> {
    table: &'t Table,
    spec: QuerySpec,
    item: std::marker::PhantomData<fn() -> T>,
}

impl<'t, T: FromItem> Query<'t, T> {
    pub fn new(table: &'t Table, spec: QuerySpec) -> Self {
        Query {
            table,
            spec,
            item: std::marker::PhantomData,
        }
    }

    /// Fixes the next sort-key composite to `value`.
    pub fn eq<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        let _ = (composite, value, casing);
        todo!("query")
    }

    /// The next composite is greater than `value`.
    pub fn gt<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        let _ = (composite, value, casing);
        todo!("query")
    }

    pub fn gte<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        let _ = (composite, value, casing);
        todo!("query")
    }

    pub fn lt<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        let _ = (composite, value, casing);
        todo!("query")
    }

    pub fn lte<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S, casing: Casing) -> Self {
        let _ = (composite, value, casing);
        todo!("query")
    }

    /// The next composite lies between `low` and `high`, both inclusive.
    pub fn between<S: KeySegment + ?Sized>(
        self,
        composite: &'static str,
        low: &S,
        high: &S,
        casing: Casing,
    ) -> Self {
        let _ = (composite, low, high, casing);
        todo!("query")
    }

    /// The next composite (a string) starts with `prefix`.
    pub fn begins(self, composite: &'static str, prefix: &str, casing: Casing) -> Self {
        let _ = (composite, prefix, casing);
        todo!("query")
    }

    /// Newest (highest sort key) first.
    pub fn descending(self) -> Self {
        todo!("query")
    }

    /// At most `n` items per page, and in total for [`Query::all`] and [`Query::stream`].
    pub fn limit(self, n: u32) -> Self {
        let _ = n;
        todo!("query")
    }

    /// Strongly consistent reads (table and local indexes only).
    pub fn consistent(self) -> Self {
        todo!("query")
    }

    /// One page, starting after `cursor` (or at the beginning).
    pub async fn page(&self, cursor: Option<&Cursor>) -> Result<Page<T>, Error> {
        let _ = cursor;
        todo!("query")
    }

    /// Every item across pages, lazily.
    pub fn stream(self) -> impl futures::Stream<Item = Result<T, Error>> + 't {
        let _ = self;
        futures::stream::empty()
    }

    /// Every item across pages.
    pub async fn all(self) -> Result<Vec<T>, Error> {
        todo!("query")
    }

    /// Every item across pages, collected into `C` (a collection's grouped type).
    pub async fn collect<C: FromIterator<T>>(self) -> Result<C, Error> {
        Ok(self.all().await?.into_iter().collect())
    }
}

/// Declares a query stage: a wrapper around [`Query`] whose generated
/// methods only allow the next sort-key composite, so that a condition that
/// skips a composite does not compile. The stage can also run as it is.
#[macro_export]
macro_rules! query_stage {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
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
                cursor: Option<&$crate::query::Cursor>,
            ) -> Result<$crate::query::Page<$item>, $crate::Error> {
                self.0.page(cursor).await
            }

            /// Every item across pages, lazily.
            pub fn stream(self) -> impl $crate::futures_stream::Stream<Item = Result<$item, $crate::Error>> + 't {
                self.0.stream()
            }

            /// Every item across pages.
            pub async fn all(self) -> Result<Vec<$item>, $crate::Error> {
                self.0.all().await
            }

            /// The query without further sort-key conditions.
            pub fn into_query(self) -> $crate::query::Query<'t, $item> {
                self.0
            }
        }
    };
}
