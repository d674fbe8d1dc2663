//! Scans of one entity through the generated clients against DynamoDB Local:
//! only that entity's items, typed filters, pages with cursors bound to
//! the scan, and expired items hidden like in every other read.

use std::collections::BTreeSet;

use dyngen_goldens::writes::*;
use dyngen_runtime::chrono::{Duration, Utc};
use dyngen_runtime::{Cursor, Error};
use dyngen_tests::run_with_table as run;

fn counter(name: &str, count: i64) -> Counter {
    Counter {
        name: name.into(),
        count,
        hits: 0,
        level: 0,
    }
}

fn comment(board: &str, id: &str, expires_in: Option<Duration>) -> Comment {
    Comment {
        board: board.into(),
        comment_id: id.into(),
        text: format!("comment {id}"),
        expires_at: expires_in.map(|d| Utc::now() + d),
    }
}

#[tokio::test]
async fn scan_reads_only_the_entity_and_applies_its_filter() {
    run("scan-entity", |client, table| async move {
        let db = Tasks::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        for i in 0..12 {
            db.counters().put(&counter(&format!("c{i:02}"), i)).await.unwrap();
        }
        for i in 0..5 {
            db.comments().put(&comment("b", &format!("{i}"), None)).await.unwrap();
        }

        let all: BTreeSet<String> = db
            .counters()
            .scan()
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(all, (0..12).map(|i| format!("c{i:02}")).collect());

        let mut big: Vec<i64> = db
            .counters()
            .scan()
            .filter(|a| a.count.gte(9) | a.name.eq("c00"))
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.count)
            .collect();
        big.sort_unstable();
        assert_eq!(big, vec![0, 9, 10, 11]);

        assert_eq!(db.comments().scan().all().await.unwrap().len(), 5);
    })
    .await;
}

#[tokio::test]
async fn scan_pages_cover_every_item_once_and_cursors_are_bound_to_the_entity() {
    run("scan-pages", |client, table| async move {
        let db = Tasks::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        for i in 0..10 {
            db.counters().put(&counter(&format!("c{i}"), i)).await.unwrap();
            db.comments().put(&comment("b", &format!("{i}"), None)).await.unwrap();
        }

        // `limit` counts items read (of both entities): pages are short,
        // some even empty, but together they hold every counter once.
        let scan = db.counters().scan().limit(3);
        let mut seen = Vec::new();
        let mut cursor: Option<Cursor> = None;
        let mut pages = 0;
        loop {
            let page = scan.page(cursor.as_ref()).await.unwrap();
            pages += 1;
            seen.extend(page.items.into_iter().map(|c| c.name));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert!(pages >= 7, "20 items read 3 at a time: {pages} pages");
        seen.sort();
        let expected: Vec<String> = {
            let mut names: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
            names.sort();
            names
        };
        assert_eq!(seen, expected);

        // A cursor of the comment scan is not one of the counter scan.
        let comment_page = db.comments().scan().limit(2).page(None).await.unwrap();
        let foreign = comment_page.next.expect("more comments");
        assert!(matches!(
            db.counters().scan().page(Some(&foreign)).await,
            Err(Error::InvalidCursor { entity: "Counter", .. })
        ));
        assert!(matches!(
            db.counters()
                .scan()
                .page(Some(&Cursor::from("not a cursor".to_owned())))
                .await,
            Err(Error::InvalidCursor { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn scan_hides_expired_items_unless_asked() {
    run("scan-ttl", |client, table| async move {
        let db = Tasks::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        db.comments()
            .put(&comment("b", "live", Some(Duration::hours(1))))
            .await
            .unwrap();
        db.comments().put(&comment("b", "forever", None)).await.unwrap();
        db.comments()
            .put(&comment("b", "expired", Some(Duration::hours(-1))))
            .await
            .unwrap();

        let ids = |comments: Vec<Comment>| -> BTreeSet<String> { comments.into_iter().map(|c| c.comment_id).collect() };
        assert_eq!(
            ids(db.comments().scan().all().await.unwrap()),
            BTreeSet::from(["live".to_owned(), "forever".to_owned()])
        );
        let shown = db.clone().show_expired();
        assert_eq!(ids(shown.comments().scan().all().await.unwrap()).len(), 3);
    })
    .await;
}
