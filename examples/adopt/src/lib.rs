//! dyngen serving tables other libraries laid out, byte for byte.
//!
//! Each module is generated from `schema/<name>.dyn` by `build.rs`, and the
//! functions next to it do what the original library's operations do,
//! through the generated API. The tests in `tests/` write items with raw SDK
//! calls in the original's exact layout, read them through these modules,
//! and check that what dyngen writes is exactly what the original writes.
//! See docs/key-format.md ("Declared layouts") and README ("Adopting an
//! existing table").

/// protosource's `dynamodbstore` events table.
pub mod protosource {
    dyngen_runtime::include_generated!("protosource");

    use dyngen_runtime::Error;

    /// The most actions one `TransactWriteItems` takes.
    pub const MAX_TRANSACTION: usize = 100;

    /// protosource's `Save`: every event is created (a version that exists
    /// already cancels its transaction, and the transaction writes
    /// nothing), in transactions of at most 100. Atomic per transaction.
    pub async fn save(table: &Events, events: &[Event]) -> Result<(), Error> {
        for chunk in events.chunks(MAX_TRANSACTION) {
            let mut transaction = table.transact_write();
            for event in chunk {
                transaction = transaction.put(table.events().create(event));
            }
            transaction.send().await?;
        }
        Ok(())
    }

    /// protosource's `Load`: every event of the aggregate, in ascending
    /// version order, across pages.
    pub async fn load(table: &Events, aggregate_id: &str) -> Result<Vec<Event>, Error> {
        table
            .events()
            .query(&EventPartition {
                aggregate_id: aggregate_id.to_owned(),
            })
            .consistent()
            .all()
            .await
    }

    /// protosource's `LoadTail`: the last `n` events, in ascending order
    /// (a descending query with a limit, reversed).
    pub async fn load_tail(table: &Events, aggregate_id: &str, n: u32) -> Result<Vec<Event>, Error> {
        let mut events = table
            .events()
            .query(&EventPartition {
                aggregate_id: aggregate_id.to_owned(),
            })
            .descending()
            .limit(n)
            .consistent()
            .all()
            .await?;
        events.reverse();
        Ok(events)
    }
}

/// A dynastorev2 store of `[]byte` values.
pub mod dynastore {
    dyngen_runtime::include_generated!("dynastore");
}

/// The schemeless event store.
pub mod schemeless {
    dyngen_runtime::include_generated!("schemeless");

    use dyngen_runtime::chrono::{DateTime, Utc};
    use dyngen_runtime::key::Month;
    use dyngen_runtime::Error;

    /// The adapter's first bucket: `getAllEvents` starts at 2020-01.
    pub fn first_month() -> Month {
        Month::new(2020, 1).unwrap_or_else(|| Month::of(&DateTime::<Utc>::UNIX_EPOCH))
    }

    /// The adapter's `getAllEvents`: every event in time order, month
    /// bucket by month bucket from `from` to `to`, each read by key from the
    /// keys-only `timeBucketIndex`.
    pub async fn all_events(table: &EventStore, from: Month, to: Month) -> Result<Vec<Event>, Error> {
        table
            .events()
            .by_month_across(&EventByMonthPartition { created_month: from }, to, |q| q.into_query())
            .all()
            .await
    }

    /// The same, reading up to `concurrency` months at once.
    pub async fn all_events_concurrently(
        table: &EventStore,
        from: Month,
        to: Month,
        concurrency: usize,
    ) -> Result<Vec<Event>, Error> {
        table
            .events()
            .by_month_across(&EventByMonthPartition { created_month: from }, to, |q| q.into_query())
            .all_concurrent(concurrency)
            .await
    }
}

/// A single-table design with `TYPE#value` templates (not a seed).
pub mod shop {
    dyngen_runtime::include_generated!("shop");
}

/// The version-control example as an ElectroDB service stores it
/// (`schema/electrodb-vcs.dyn`, `format: electrodb`). `electrodb/vcs.mjs`
/// is the same model written in ElectroDB; `tests/electrodb.rs` runs both
/// on one table.
pub mod electrodb_vcs {
    dyngen_runtime::include_generated!("electrodb-vcs");
}

/// A catalog in ElectroDB's format (`schema/electrodb-catalog.dyn`): model
/// names and versions, numbers and booleans in keys, `casing none`, and an
/// index without a sort key. `electrodb/catalog.mjs` is the same model.
pub mod electrodb_catalog {
    dyngen_runtime::include_generated!("electrodb-catalog");
}

/// A ledger with native `B` and `N` keys on the table and an index
/// (`schema/ledger.dyn`).
pub mod ledger {
    dyngen_runtime::include_generated!("ledger");
}
