//! The runtime's table, item and query operations against DynamoDB Local,
//! through a hand-written entity (what generated code will look like).
//!
//! Layout: `pk` = (app, tenant), `sk` = (Event, kind, seq); `gsi1pk` =
//! (app, owner), `gsi1sk` = (Event, kind, seq). `kind` and `seq` (an `i64`)
//! are chosen so that a condition that over-matches shows: `1` / `10`,
//! `a` / `ab` / `abc`, negative numbers, and a neighbouring label `Eventual`.

use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use aws_sdk_dynamodb::Client;
use dyngen_runtime::key::KeyBuilder;
use dyngen_runtime::value::{put, put_optional, take, take_optional};
use dyngen_runtime::{
    Casing, Cursor, DecodeError, Entity, EntityClient, Error, FromItem, IndexDef, IndexKind, Item, Page, PrimaryKey,
    Projection, Query, QuerySpec, Table, TableDef,
};
use dyngen_tests::{require_dynamodb_local, unique_table_name, with_table_cleanup};
use futures::StreamExt as _;

static INDEXES: [IndexDef; 1] = [IndexDef {
    name: "gsi1",
    kind: IndexKind::Global,
    pk: "gsi1pk",
    sk: Some("gsi1sk"),
    projection: Projection::All,
}];

static DEF: TableDef = TableDef {
    pk: "pk",
    sk: Some("sk"),
    indexes: &INDEXES,
    ttl: Some("expiresAt"),
    entity_tag: "_et",
};

#[derive(Debug, Clone, PartialEq)]
struct Event {
    tenant: String,
    kind: String,
    seq: i64,
    owner: String,
    payload: String,
    expires_at: Option<i64>,
}

struct EventKey {
    tenant: String,
    kind: String,
    seq: i64,
}

fn partition_key(tenant: &str) -> Result<String, Error> {
    KeyBuilder::partition("Event", "pk")
        .label("app")
        .value("tenant", tenant, Casing::Preserve)
        .build()
}

fn owner_key(owner: &str) -> Result<String, Error> {
    KeyBuilder::partition("Event", "gsi1pk")
        .label("app")
        .value("owner", owner, Casing::Preserve)
        .build()
}

fn sort_key(attribute: &'static str, kind: &str, seq: i64) -> Result<String, Error> {
    KeyBuilder::sort("Event", attribute)
        .label("Event")
        .value("kind", kind, Casing::Preserve)
        .value("seq", &seq, Casing::Preserve)
        .build()
}

impl PrimaryKey for EventKey {
    type Entity = Event;

    fn to_key(&self) -> Result<Item, Error> {
        Ok(Item::from([
            ("pk".to_owned(), AttributeValue::S(partition_key(&self.tenant)?)),
            (
                "sk".to_owned(),
                AttributeValue::S(sort_key("sk", &self.kind, self.seq)?),
            ),
        ]))
    }
}

impl Entity for Event {
    const NAME: &'static str = "Event";
    const STORED: &'static [&'static str] = &[
        "gsi1pk",
        "gsi1sk",
        "tenant",
        "kind",
        "seq",
        "owner",
        "payload",
        "expiresAt",
    ];

    // A hand-written entity without conditions.
    type Attributes = ();

    fn attributes() {}

    fn to_item(&self) -> Result<Item, Error> {
        let mut item = self.primary_key()?;
        item.insert("gsi1pk".to_owned(), AttributeValue::S(owner_key(&self.owner)?));
        item.insert(
            "gsi1sk".to_owned(),
            AttributeValue::S(sort_key("gsi1sk", &self.kind, self.seq)?),
        );
        put(&mut item, "tenant", &self.tenant);
        put(&mut item, "kind", &self.kind);
        put(&mut item, "seq", &self.seq);
        put(&mut item, "owner", &self.owner);
        put(&mut item, "payload", &self.payload);
        put_optional(&mut item, "expiresAt", &self.expires_at);
        item.insert("_et".to_owned(), AttributeValue::S("Event".to_owned()));
        Ok(item)
    }

    fn from_item(mut item: Item) -> Result<Self, DecodeError> {
        Ok(Event {
            tenant: take(&mut item, "tenant").map_err(|e| e.at("Event", "tenant"))?,
            kind: take(&mut item, "kind").map_err(|e| e.at("Event", "kind"))?,
            seq: take(&mut item, "seq").map_err(|e| e.at("Event", "seq"))?,
            owner: take(&mut item, "owner").map_err(|e| e.at("Event", "owner"))?,
            payload: take(&mut item, "payload").map_err(|e| e.at("Event", "payload"))?,
            expires_at: take_optional(&mut item, "expiresAt").map_err(|e| e.at("Event", "expiresAt"))?,
        })
    }

    fn primary_key(&self) -> Result<Item, Error> {
        EventKey {
            tenant: self.tenant.clone(),
            kind: self.kind.clone(),
            seq: self.seq,
        }
        .to_key()
    }
}

impl FromItem for Event {
    fn from_item(item: Item, tag_attribute: &str) -> Result<Self, Error> {
        dyngen_runtime::entity::read_entity(item, tag_attribute)
    }
}

fn event(tenant: &str, kind: &str, seq: i64) -> Event {
    Event {
        tenant: tenant.to_owned(),
        kind: kind.to_owned(),
        seq,
        owner: format!("owner-of-{tenant}"),
        payload: format!("{tenant}/{kind}/{seq}"),
        expires_at: None,
    }
}

fn key(tenant: &str, kind: &str, seq: i64) -> EventKey {
    EventKey {
        tenant: tenant.to_owned(),
        kind: kind.to_owned(),
        seq,
    }
}

/// The table query of one tenant's events.
fn by_tenant<'t>(table: &'t Table, tenant: &str) -> Query<'t, Event> {
    EntityClient::<Event>::new(table).query(QuerySpec {
        entity: "Event",
        index: None,
        pk_attribute: "pk",
        pk_value: partition_key(tenant),
        sk_attribute: Some("sk"),
        sk_prefix: "Event#".to_owned(),
        sk_composites: 2,
    })
}

/// The `gsi1` query of one owner's events.
fn by_owner<'t>(table: &'t Table, owner: &str) -> Query<'t, Event> {
    EntityClient::<Event>::new(table).query(QuerySpec {
        entity: "Event",
        index: Some("gsi1"),
        pk_attribute: "gsi1pk",
        pk_value: owner_key(owner),
        sk_attribute: Some("gsi1sk"),
        sk_prefix: "Event#".to_owned(),
        sk_composites: 2,
    })
}

/// Creates the table (twice: the second call must be a no-op) and runs `body`.
async fn with_table<F, Fut>(prefix: &str, client: &Client, body: F)
where
    F: FnOnce(Table) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let name = unique_table_name(prefix);
    with_table_cleanup(client, &name, move |client, name| async move {
        let table = Table::new(client, name, &DEF);
        table.create_if_missing().await.expect("create table");
        table.create_if_missing().await.expect("create table again (no-op)");
        body(table).await;
    })
    .await;
}

const KINDS: [&str; 7] = ["1", "10", "2", "a", "ab", "abc", "b"];
const SEQS: [i64; 6] = [-10, -1, 0, 1, 10, 100];

/// Every (kind, seq) in tenant `t1`, plus the same kinds in `t2` and an item
/// under the neighbouring label `Eventual` that must never be read.
async fn seed(table: &Table) -> Vec<Event> {
    let events = EntityClient::<Event>::new(table);
    let mut all = Vec::new();
    for kind in KINDS {
        for seq in SEQS {
            let e = event("t1", kind, seq);
            events.put(&e).await.expect("put");
            all.push(e);
        }
    }
    for kind in KINDS {
        events.put(&event("t2", kind, 1)).await.expect("put t2");
    }
    // Same partition, same entity tag and fields, but sort key label
    // `Eventual`: only a prefix without its `#` would match it.
    let mut intruder = event("t1", "a", 1).to_item().unwrap();
    intruder.insert("sk".to_owned(), AttributeValue::S("Eventual#a#".to_owned()));
    intruder.insert("payload".to_owned(), AttributeValue::S("intruder".to_owned()));
    table
        .client()
        .put_item()
        .table_name(table.name())
        .set_item(Some(intruder))
        .send()
        .await
        .expect("put intruder");
    // Key order: kinds by bytes, then seq numerically.
    all.sort_by(|a, b| (a.kind.as_bytes(), a.seq).cmp(&(b.kind.as_bytes(), b.seq)));
    all
}

fn pairs(events: &[Event]) -> Vec<(String, i64)> {
    events.iter().map(|e| (e.kind.clone(), e.seq)).collect()
}

fn expected(all: &[Event], keep: impl Fn(&str, i64) -> bool) -> Vec<(String, i64)> {
    pairs(&all.iter().filter(|e| keep(&e.kind, e.seq)).cloned().collect::<Vec<_>>())
}

/// Runs `query` (strongly consistent) to the end: its (kind, seq) pairs.
async fn run(query: Query<'_, Event>) -> Vec<(String, i64)> {
    pairs(&query.consistent().all().await.expect("query"))
}

fn assert_invalid_cursor<T: std::fmt::Debug>(result: Result<T, Error>, reason_contains: &str) {
    match result {
        Err(Error::InvalidCursor { entity, reason }) => {
            assert_eq!(entity, "Event");
            assert!(
                reason.contains(reason_contains),
                "reason `{reason}` lacks `{reason_contains}`"
            );
        }
        other => panic!("expected InvalidCursor ({reason_contains}), got {other:?}"),
    }
}

#[tokio::test]
async fn create_table_is_idempotent_and_enables_ttl() {
    let client = require_dynamodb_local!();
    with_table("rt-create", &client, |table| async move {
        let described = table
            .client()
            .describe_table()
            .table_name(table.name())
            .send()
            .await
            .expect("describe table");
        let t = described.table().expect("table description");
        assert_eq!(t.table_status().map(|s| s.as_str()), Some("ACTIVE"));
        let gsis = t.global_secondary_indexes();
        assert_eq!(gsis.len(), 1);
        assert_eq!(gsis[0].index_name(), Some("gsi1"));

        let ttl = table
            .client()
            .describe_time_to_live()
            .table_name(table.name())
            .send()
            .await
            .expect("describe ttl");
        let ttl = ttl.time_to_live_description().expect("ttl description");
        assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
        assert_eq!(ttl.attribute_name(), Some("expiresAt"));
    })
    .await;
}

#[tokio::test]
async fn get_put_create_delete() {
    let client = require_dynamodb_local!();
    with_table("rt-items", &client, |table| async move {
        let events = EntityClient::<Event>::new(&table);

        assert_eq!(events.get(&key("t1", "a", 1)).await.unwrap(), None);
        assert_eq!(events.get_consistent(&key("t1", "a", 1)).await.unwrap(), None);

        let mut e = event("t1", "a", 1);
        e.expires_at = Some(4_102_444_800);
        events.put(&e).await.unwrap();
        assert_eq!(events.get(&key("t1", "a", 1)).await.unwrap(), Some(e.clone()));
        assert_eq!(
            events.get_consistent(&key("t1", "a", 1)).await.unwrap(),
            Some(e.clone())
        );
        // Another seq of the same kind is another item.
        assert_eq!(events.get(&key("t1", "a", 10)).await.unwrap(), None);

        // put replaces.
        let mut changed = e.clone();
        changed.payload = "changed".to_owned();
        changed.expires_at = None;
        events.put(&changed).await.unwrap();
        assert_eq!(
            events.get_consistent(&key("t1", "a", 1)).await.unwrap(),
            Some(changed.clone())
        );

        // create refuses an existing item and leaves it alone.
        match events.create(&e).await {
            Err(Error::AlreadyExists { entity: "Event" }) => {}
            other => panic!("expected AlreadyExists, got {other:?}"),
        }
        assert_eq!(events.get_consistent(&key("t1", "a", 1)).await.unwrap(), Some(changed));
        let fresh = event("t1", "b", 2);
        events.create(&fresh).await.unwrap();
        assert!(matches!(
            events.create(&fresh).await,
            Err(Error::AlreadyExists { entity: "Event" })
        ));

        // delete is idempotent.
        events.delete(&key("t1", "a", 1)).await.unwrap();
        events.delete(&key("t1", "a", 1)).await.unwrap();
        assert_eq!(events.get_consistent(&key("t1", "a", 1)).await.unwrap(), None);

        // delete_existing needs the item.
        match events.delete_existing(&key("t1", "a", 1)).await {
            Err(Error::NotFound { entity: "Event" }) => {}
            other => panic!("expected NotFound, got {other:?}"),
        }
        events.delete_existing(&key("t1", "b", 2)).await.unwrap();
        assert_eq!(events.get_consistent(&key("t1", "b", 2)).await.unwrap(), None);
        assert!(matches!(
            events.delete_existing(&key("t1", "b", 2)).await,
            Err(Error::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn oversized_items_are_rejected_before_sending() {
    let client = require_dynamodb_local!();
    with_table("rt-size", &client, |table| async move {
        let events = EntityClient::<Event>::new(&table);
        let mut big = event("t1", "big", 1);
        big.payload = "x".repeat(400 * 1024);
        for result in [events.put(&big).await, events.create(&big).await] {
            match result {
                Err(Error::ItemTooLarge { entity, size, max }) => {
                    assert_eq!(entity, "Event");
                    assert_eq!(max, 400 * 1024);
                    assert!(size > max);
                }
                other => panic!("expected ItemTooLarge, got {other:?}"),
            }
        }
        assert_eq!(events.get_consistent(&key("t1", "big", 1)).await.unwrap(), None);

        // Just under the limit goes through.
        let overhead = dyngen_runtime::size::item_size(&big.to_item().unwrap()) - big.payload.len();
        big.payload = "x".repeat(400 * 1024 - overhead);
        events.put(&big).await.expect("an item of exactly 400 KB is accepted");
        assert_eq!(events.get_consistent(&key("t1", "big", 1)).await.unwrap(), Some(big));
    })
    .await;
}

#[tokio::test]
async fn sort_key_conditions_match_exactly() {
    let client = require_dynamodb_local!();
    with_table("rt-query", &client, |table| async move {
        let all = seed(&table).await;
        let p = Casing::Preserve;
        let t = &table;

        // No condition: every Event of the partition, in key order, and
        // neither the `Eventual` item nor tenant t2.
        assert_eq!(run(by_tenant(t, "t1")).await, expected(&all, |_, _| true));
        assert_eq!(run(by_tenant(t, "t2")).await.len(), KINDS.len());

        // eq on the first composite: `1` is not a prefix match for `10`.
        assert_eq!(
            run(by_tenant(t, "t1").eq("kind", "1", p)).await,
            expected(&all, |k, _| k == "1")
        );
        assert_eq!(
            run(by_tenant(t, "t1").eq("kind", "a", p)).await,
            expected(&all, |k, _| k == "a")
        );
        // eq on both: exactly one item (1, not 10 or 100).
        assert_eq!(
            run(by_tenant(t, "t1").eq("kind", "1", p).eq("seq", &1i64, p)).await,
            vec![("1".to_owned(), 1)]
        );
        assert_eq!(
            run(by_tenant(t, "t1").eq("kind", "1", p).eq("seq", &-1i64, p)).await,
            vec![("1".to_owned(), -1)]
        );
        assert_eq!(run(by_tenant(t, "t1").eq("kind", "zzz", p)).await, vec![]);

        // begins on a string composite.
        assert_eq!(
            run(by_tenant(t, "t1").begins("kind", "a", p)).await,
            expected(&all, |k, _| k.starts_with('a'))
        );
        assert_eq!(
            run(by_tenant(t, "t1").begins("kind", "ab", p)).await,
            expected(&all, |k, _| k.starts_with("ab"))
        );
        assert_eq!(
            run(by_tenant(t, "t1").begins("kind", "1", p)).await,
            expected(&all, |k, _| k.starts_with('1'))
        );

        // Ranges on the first (string) composite.
        assert_eq!(
            run(by_tenant(t, "t1").gt("kind", "1", p)).await,
            expected(&all, |k, _| k > "1")
        );
        assert_eq!(
            run(by_tenant(t, "t1").gte("kind", "ab", p)).await,
            expected(&all, |k, _| k >= "ab")
        );
        assert_eq!(
            run(by_tenant(t, "t1").lt("kind", "10", p)).await,
            expected(&all, |k, _| k < "10")
        );
        assert_eq!(
            run(by_tenant(t, "t1").lte("kind", "1", p)).await,
            expected(&all, |k, _| k <= "1")
        );
        assert_eq!(
            run(by_tenant(t, "t1").lte("kind", "ab", p)).await,
            expected(&all, |k, _| k <= "ab")
        );
        assert_eq!(
            run(by_tenant(t, "t1").between("kind", "1", "2", p)).await,
            expected(&all, |k, _| ("1"..="2").contains(&k))
        );
        assert_eq!(
            run(by_tenant(t, "t1").between("kind", "a", "ab", p)).await,
            expected(&all, |k, _| ("a"..="ab").contains(&k))
        );

        // Ranges on the second (i64) composite, after fixing the first.
        let a = || by_tenant(t, "t1").eq("kind", "a", p);
        let in_a = |keep: fn(i64) -> bool| expected(&all, move |k, s| k == "a" && keep(s));
        assert_eq!(run(a().gt("seq", &-1i64, p)).await, in_a(|s| s > -1));
        assert_eq!(run(a().gt("seq", &1i64, p)).await, in_a(|s| s > 1));
        assert_eq!(run(a().gte("seq", &-1i64, p)).await, in_a(|s| s >= -1));
        assert_eq!(run(a().gte("seq", &10i64, p)).await, in_a(|s| s >= 10));
        assert_eq!(run(a().lt("seq", &1i64, p)).await, in_a(|s| s < 1));
        assert_eq!(run(a().lt("seq", &-1i64, p)).await, in_a(|s| s < -1));
        assert_eq!(run(a().lte("seq", &1i64, p)).await, in_a(|s| s <= 1));
        assert_eq!(run(a().lte("seq", &-10i64, p)).await, in_a(|s| s <= -10));
        assert_eq!(
            run(a().between("seq", &-1i64, &10i64, p)).await,
            in_a(|s| (-1..=10).contains(&s))
        );
        assert_eq!(run(a().between("seq", &2i64, &9i64, p)).await, vec![]);
        // The same condition under kind `ab` reads nothing of kind `a` or `abc`.
        assert_eq!(
            run(by_tenant(t, "t1").eq("kind", "ab", p).between("seq", &-1i64, &10i64, p)).await,
            expected(&all, |k, s| k == "ab" && (-1..=10).contains(&s))
        );

        // Descending is the reverse order.
        let mut reversed = expected(&all, |k, _| k == "a");
        reversed.reverse();
        assert_eq!(run(a().descending()).await, reversed);
        let mut reversed = expected(&all, |k, s| k == "b" && s <= 1);
        reversed.reverse();
        assert_eq!(
            run(by_tenant(t, "t1").eq("kind", "b", p).lte("seq", &1i64, p).descending()).await,
            reversed
        );

        // The global index, by owner.
        let by_gsi = by_owner(t, "owner-of-t1").all().await.expect("gsi query");
        assert_eq!(
            pairs(&by_gsi).len(),
            all.len() + 1,
            "the intruder has the same gsi1 keys"
        );
        let by_gsi = pairs(&by_owner(t, "owner-of-t1").eq("kind", "10", p).all().await.unwrap());
        assert_eq!(by_gsi, expected(&all, |k, _| k == "10"));
    })
    .await;
}

#[tokio::test]
async fn pages_streams_and_limits() {
    let client = require_dynamodb_local!();
    with_table("rt-pages", &client, |table| async move {
        let all = seed(&table).await;
        let t = &table;

        // page() with cursors: 42 items by 5 is 9 pages.
        let query = by_tenant(t, "t1").limit(5);
        let mut read = Vec::new();
        let mut pages = 0;
        let mut cursor: Option<Cursor> = None;
        loop {
            let Page { items, next } = query.page(cursor.as_ref()).await.expect("page");
            assert!(items.len() <= 5);
            pages += 1;
            read.extend(items);
            if let Some(next) = &next {
                assert!(next
                    .as_str()
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(pages < 100, "pagination does not end");
        }
        assert!(pages >= 3, "{pages} pages");
        assert_eq!(pairs(&read), expected(&all, |_, _| true));

        // A cursor is a plain string: it survives a round trip through a client.
        let first = query.page(None).await.unwrap();
        let text = first.next.clone().expect("a next page").to_string();
        let second = query.page(Some(&Cursor::from(text))).await.unwrap();
        assert_eq!(pairs(&second.items), pairs(&all[5..10]));

        // Descending pages.
        let query = by_tenant(t, "t1")
            .eq("kind", "a", Casing::Preserve)
            .descending()
            .limit(2);
        let mut read = Vec::new();
        let mut cursor = None;
        for _ in 0..10 {
            let page = query.page(cursor.as_ref()).await.unwrap();
            read.extend(page.items);
            cursor = page.next;
            if cursor.is_none() {
                break;
            }
        }
        let mut reversed = expected(&all, |k, _| k == "a");
        reversed.reverse();
        assert_eq!(pairs(&read), reversed);

        // stream() and all() stop after `limit` items in total.
        let streamed: Vec<Event> = by_tenant(t, "t1")
            .limit(7)
            .stream()
            .map(|r| r.expect("stream item"))
            .collect()
            .await;
        assert_eq!(pairs(&streamed), pairs(&all[..7]));
        let limited = by_tenant(t, "t1").limit(11).all().await.unwrap();
        assert_eq!(pairs(&limited), pairs(&all[..11]));
        let everything = by_tenant(t, "t1").all().await.unwrap();
        assert_eq!(pairs(&everything), expected(&all, |_, _| true));
        let everything: Vec<Event> = by_tenant(t, "t1").stream().map(|r| r.unwrap()).collect().await;
        assert_eq!(everything.len(), all.len());
        // A limit above the number of items yields them all.
        assert_eq!(by_tenant(t, "t2").limit(100).all().await.unwrap().len(), KINDS.len());
        assert_eq!(by_tenant(t, "t3").limit(3).all().await.unwrap(), vec![]);

        // Items of another entity under the same sort-key prefix are never
        // read as this entity, nor skipped: a page fails naming both
        // entities, and a stream yields an error in each one's place and
        // goes on.
        for seq in 0..6 {
            let mut other = event("t4", "x", seq).to_item().unwrap();
            other.insert("_et".to_owned(), AttributeValue::S("Other".to_owned()));
            table
                .client()
                .put_item()
                .table_name(table.name())
                .set_item(Some(other))
                .send()
                .await
                .unwrap();
        }
        let events = EntityClient::<Event>::new(t);
        for seq in 10..14 {
            events.put(&event("t4", "x", seq)).await.unwrap();
        }
        let refused = by_tenant(t, "t4").limit(3).page(None).await.unwrap_err();
        assert!(
            matches!(&refused, Error::WrongEntity { expected: "Event", found: Some(found), .. } if found == "Other"),
            "{refused:?}"
        );
        assert_eq!(refused.to_string(), "expected a `Event` item, found a `Other` item");
        assert!(matches!(by_tenant(t, "t4").all().await, Err(Error::WrongEntity { .. })));
        let streamed: Vec<Result<Event, Error>> = by_tenant(t, "t4").limit(30).stream().collect().await;
        let (events, foreign): (Vec<_>, Vec<_>) = streamed.into_iter().partition(Result::is_ok);
        assert_eq!(foreign.len(), 6);
        assert!(foreign
            .iter()
            .all(|e| matches!(e, Err(Error::WrongEntity { expected: "Event", .. }))));
        let seqs: Vec<i64> = events.into_iter().map(|e| e.unwrap().seq).collect();
        assert_eq!(seqs, [10, 11, 12, 13]);
        // The limit counts what the stream yields, errors included.
        assert_eq!(by_tenant(t, "t4").limit(3).stream().collect::<Vec<_>>().await.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn cursors_are_bound_to_their_query() {
    let client = require_dynamodb_local!();
    with_table("rt-cursor", &client, |table| async move {
        seed(&table).await;
        let t = &table;
        let p = Casing::Preserve;

        let from_t1 = by_tenant(t, "t1")
            .limit(2)
            .page(None)
            .await
            .unwrap()
            .next
            .expect("cursor");
        let from_gsi = by_owner(t, "owner-of-t1")
            .limit(2)
            .page(None)
            .await
            .unwrap()
            .next
            .expect("cursor");

        // Another partition of the same index.
        assert_invalid_cursor(by_tenant(t, "t2").page(Some(&from_t1)).await, "another partition");
        // Another index, same partition key value or not.
        assert_invalid_cursor(by_tenant(t, "t1").page(Some(&from_gsi)).await, "another index");
        assert_invalid_cursor(by_owner(t, "owner-of-t1").page(Some(&from_t1)).await, "another index");
        // Outside the sort-key condition of the query it is used with.
        assert_invalid_cursor(
            by_tenant(t, "t1").eq("kind", "b", p).page(Some(&from_t1)).await,
            "sort-key condition",
        );
        // Garbage.
        for garbage in [
            "",
            "not a cursor!",
            "AAAA",
            "_-_-_-_-",
            "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "é",
            &"A".repeat(100_000),
        ] {
            assert_invalid_cursor(
                by_tenant(t, "t1").page(Some(&Cursor::from(garbage.to_owned()))).await,
                "malformed",
            );
        }
        // Every truncation of a good cursor, and a flipped character.
        let good = from_t1.as_str();
        for n in 0..good.len() {
            let truncated = Cursor::from(good[..n].to_owned());
            assert!(matches!(
                by_tenant(t, "t1").page(Some(&truncated)).await,
                Err(Error::InvalidCursor { .. })
            ));
        }
        let mut flipped = good.as_bytes().to_vec();
        flipped[0] = if flipped[0] == b'B' { b'C' } else { b'B' };
        let flipped = Cursor::from(String::from_utf8(flipped).unwrap());
        assert!(matches!(
            by_tenant(t, "t1").page(Some(&flipped)).await,
            Err(Error::InvalidCursor { .. })
        ));

        // The good cursor still works where it belongs.
        let next = by_tenant(t, "t1").limit(2).page(Some(&from_t1)).await.unwrap();
        assert_eq!(next.items.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn builder_errors_are_reported_when_the_query_runs() {
    let client = require_dynamodb_local!();
    with_table("rt-builder", &client, |table| async move {
        let t = &table;
        let p = Casing::Preserve;
        // A condition after a range condition.
        let query = by_tenant(t, "t1").gt("kind", "a", p).eq("seq", &1i64, p);
        assert!(matches!(
            query.page(None).await,
            Err(Error::InvalidKey {
                entity: "Event",
                attribute: "seq",
                ..
            })
        ));
        // Reported by every run, and by stream() as its only item.
        assert!(query.page(None).await.is_err());
        let results: Vec<_> = query.stream().collect().await;
        assert_eq!(results.len(), 1);
        assert!(matches!(results[0], Err(Error::InvalidKey { .. })));
        // More composites than the sort key has.
        let query = by_tenant(t, "t1")
            .eq("kind", "a", p)
            .eq("seq", &1i64, p)
            .eq("more", "x", p);
        assert!(matches!(
            query.all().await,
            Err(Error::InvalidKey { attribute: "more", .. })
        ));
        // A limit of zero reads nothing (DynamoDB itself rejects `Limit: 0`).
        let page = by_tenant(t, "t1").limit(0).page(None).await.unwrap();
        assert!(page.items.is_empty() && page.next.is_none());
        assert!(by_tenant(t, "t1").limit(0).all().await.unwrap().is_empty());
        // A partition key that failed to build.
        let too_long = "x".repeat(3000);
        assert!(matches!(
            by_tenant(t, &too_long).all().await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));
    })
    .await;
}
