//! Native keys through every operation (`schema/ledger.dyn`): a `B`
//! partition key, an `N` sort key, and an index sorted by a signed `N`
//! amount, on DynamoDB Local.

use dyngen_adopt_examples::ledger::*;
use dyngen_runtime::aws_sdk_dynamodb::types::{AttributeValue, ScalarAttributeType};
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::{Bytes, Error, Ticket};
use dyngen_tests::{get_raw, run_with_table, RawItem};

fn entry(account: &[u8], seq: u64, amount: i64) -> Entry {
    Entry {
        account: Bytes(account.to_vec()),
        seq,
        currency: "EUR".into(),
        amount,
        memo: None,
        expires: None,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// What reads return for `e` written at some time: its timestamps are the
/// write's, so compare the rest.
fn without_times(mut e: Entry) -> Entry {
    e.created_at = DateTime::<Utc>::UNIX_EPOCH;
    e.updated_at = DateTime::<Utc>::UNIX_EPOCH;
    e
}

const ALICE: &[u8] = &[0x00, 0xff, 0x10];
const BOB: &[u8] = &[0x00, 0xff, 0x11];

#[tokio::test]
async fn native_keys_through_every_operation() {
    run_with_table("adopt-ledger", |client, name| async move {
        let db = Ledger::new(client.clone(), &name);
        db.table().create_if_missing().await.unwrap();
        // The table as declared: `B`, `N`, and an `N` index sort key.
        let described = client.describe_table().table_name(&name).send().await.unwrap();
        let definitions = described.table.unwrap().attribute_definitions.unwrap();
        let type_of = |attribute: &str| {
            definitions
                .iter()
                .find(|d| d.attribute_name == attribute)
                .map(|d| d.attribute_type.clone())
        };
        assert_eq!(type_of("account"), Some(ScalarAttributeType::B));
        assert_eq!(type_of("seq"), Some(ScalarAttributeType::N));
        assert_eq!(type_of("amount"), Some(ScalarAttributeType::N));

        // A batch of 30 entries, read back by a batch get.
        let entries: Vec<Entry> = (1..=30).map(|i| entry(ALICE, i, (i as i64 - 15) * 100)).collect();
        let mut batch = db.batch_write();
        for e in &entries {
            batch.put(e).unwrap();
        }
        assert_eq!(batch.send().await.unwrap().written, 30);
        let stored = get_raw(
            &client,
            &name,
            RawItem::from([
                ("account".to_owned(), AttributeValue::B(ALICE.to_vec().into())),
                ("seq".to_owned(), AttributeValue::N("7".into())),
            ]),
        )
        .await
        .expect("stored natively");
        assert_eq!(stored["amount"], AttributeValue::N("-800".into()));
        let mut get = db.batch_get();
        let tickets: Vec<Ticket<Entry>> = [3_u64, 29, 31]
            .iter()
            .map(|seq| {
                get.get(&EntryKey {
                    account: Bytes(ALICE.to_vec()),
                    seq: *seq,
                })
                .unwrap()
            })
            .collect();
        let got = get.send().await.unwrap();
        assert_eq!(
            got.get(tickets[0]).unwrap().cloned().map(without_times),
            Some(entries[2].clone())
        );
        assert_eq!(
            got.get(tickets[1]).unwrap().cloned().map(without_times),
            Some(entries[28].clone())
        );
        assert_eq!(got.get(tickets[2]).unwrap(), None);

        // Numeric order on the sort key, in pages.
        let partition = EntryPartition {
            account: Bytes(ALICE.to_vec()),
        };
        let middle: Vec<u64> = db
            .entries()
            .query(&partition)
            .seq_between(9, 11)
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(middle, [9, 10, 11], "9 < 10 < 11 as numbers, not as text");
        let mut paged = Vec::new();
        let mut cursor = None;
        loop {
            let page = db
                .entries()
                .query(&partition)
                .seq_gt(20)
                .limit(4)
                .page(cursor.as_ref())
                .await
                .unwrap();
            paged.extend(page.items.into_iter().map(|e| e.seq));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(paged, (21..=30).collect::<Vec<_>>());

        // The index orders signed amounts numerically.
        let debits: Vec<i64> = db
            .entries()
            .by_amount(&EntryByAmountPartition { currency: "EUR".into() })
            .amount_lt(-1200)
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.amount)
            .collect();
        assert_eq!(debits, [-1400, -1300]);

        // An update moves the entry in the index; a condition sees the value.
        let key = EntryKey {
            account: Bytes(ALICE.to_vec()),
            seq: 1,
        };
        let refused = db
            .entries()
            .update(&key)
            .condition(|a| a.amount.eq(0_i64))
            .set_amount(1)
            .await;
        assert!(matches!(refused, Err(Error::ConditionFailed { .. })), "{refused:?}");
        db.entries()
            .update(&key)
            .set_amount(99_999)
            .set_memo("refund")
            .await
            .unwrap();
        let top = db
            .entries()
            .by_amount(&EntryByAmountPartition { currency: "EUR".into() })
            .amount_gte(1500)
            .all()
            .await
            .unwrap();
        let top: Vec<(u64, i64)> = top.into_iter().map(|e| (e.seq, e.amount)).collect();
        assert_eq!(top, [(30, 1500), (1, 99_999)]);
        let stored = get_raw(
            &client,
            &name,
            RawItem::from([
                ("account".to_owned(), AttributeValue::B(ALICE.to_vec().into())),
                ("seq".to_owned(), AttributeValue::N("1".into())),
            ]),
        )
        .await
        .unwrap();
        assert!(
            matches!(&stored["updatedAt"], AttributeValue::N(_)),
            "epoch millis: {stored:?}"
        );

        // A transaction across two accounts, read back by a transactional get.
        db.transact_write()
            .put(db.entries().create(&entry(BOB, 1, 500)))
            .update(db.entries().update(&key).set_memo("moved to bob"))
            .send()
            .await
            .unwrap();
        let mut read = db.transact_get();
        let bob = read
            .get(&EntryKey {
                account: Bytes(BOB.to_vec()),
                seq: 1,
            })
            .unwrap();
        let alice = read.get(&key).unwrap();
        let found = read.send().await.unwrap();
        assert_eq!(found.get(bob).unwrap().map(|e| e.amount), Some(500));
        assert_eq!(
            found.get(alice).unwrap().and_then(|e| e.memo.clone()),
            Some("moved to bob".to_owned())
        );

        // Put replaces, upsert keeps createdAt, delete removes; TTL hides.
        let mut replaced = entry(BOB, 2, 10);
        db.entries().put(&replaced).await.unwrap();
        replaced.amount = 20;
        let upserted = db.entries().upsert(&replaced).await.unwrap();
        assert_eq!(upserted.amount, 20);
        db.entries().delete(&replaced.key()).await.unwrap();
        assert_eq!(db.entries().get(&replaced.key()).await.unwrap(), None);
        let expired = Entry {
            expires: DateTime::<Utc>::from_timestamp(1_000_000_000, 0),
            ..entry(BOB, 3, 1)
        };
        db.entries().put(&expired).await.unwrap();
        assert_eq!(db.entries().get(&expired.key()).await.unwrap(), None, "expired: hidden");
        let bobs: Vec<u64> = db
            .entries()
            .query(&EntryPartition {
                account: Bytes(BOB.to_vec()),
            })
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(bobs, [1]);
    })
    .await;
}
