//! Writes through generated code (`dyngen_goldens::writes`, from
//! `generator/tests/fixtures/writes.dyn`) against DynamoDB Local: every
//! update operator, secondary-index keys that follow the attributes they are
//! built from (read back through the indexes), sparse indexes, a read-only
//! composite, typed conditions and filters, optimistic locking, maintained
//! timestamps and TTL hiding.
//!
//! Every test runs in its own table, so they run in parallel.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration as StdDuration;

use aws_sdk_dynamodb::types::AttributeValue;
use dyngen_goldens::writes::*;
use dyngen_runtime::chrono::{DateTime, Duration, Utc};
use dyngen_runtime::rust_decimal::Decimal;
use dyngen_runtime::{Condition, Error, Item, Operation, PrimaryKey};
use dyngen_tests::{require_dynamodb_local, unique_table_name, with_table_cleanup};

/// Runs `body` with a handle on a fresh table (created, and deleted
/// afterwards, also when `body` panics).
async fn run<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(Tasks) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let client = require_dynamodb_local!();
    let table = unique_table_name(prefix);
    with_table_cleanup(&client, &table, move |client, table| async move {
        let db = Tasks::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        body(db).await;
    })
    .await;
}

const BOARD: &str = "board-1";

fn epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(0, 0).expect("epoch")
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn note(text: &str, author: Option<&str>) -> Note {
    Note {
        text: text.to_owned(),
        author: author.map(str::to_owned),
    }
}

/// A plain task on [`BOARD`]: team `core`, origin `web`, no assignee.
fn task(id: &str) -> Task {
    Task {
        board: BOARD.to_owned(),
        task_id: id.to_owned(),
        title: format!("Task {id}"),
        assignee: None,
        priority: Priority::Low,
        team: "core".to_owned(),
        points: 0,
        budget: 0,
        estimate: None,
        cost: Decimal::ZERO,
        tags: None,
        history: Vec::new(),
        notes: Vec::new(),
        labels: BTreeMap::new(),
        note: None,
        done: false,
        origin: "web".to_owned(),
        expires_at: None,
        created_at: epoch(),
        updated_at: epoch(),
        version: 0,
    }
}

/// A task with a value in every attribute but `expiresAt`.
fn rich_task(id: &str) -> Task {
    Task {
        title: "Write the docs".to_owned(),
        assignee: Some("ann".to_owned()),
        priority: Priority::High,
        points: 5,
        budget: 10,
        estimate: Some(2.5),
        cost: dec("12.50"),
        tags: Some(set(&["docs", "urgent"])),
        history: strings(&["filed", "triaged"]),
        notes: vec![note("first", Some("ann"))],
        labels: BTreeMap::from([("area".to_owned(), "docs".to_owned())]),
        note: Some(note("remember", None)),
        ..task(id)
    }
}

fn key(id: &str) -> TaskKey {
    TaskKey {
        board: BOARD.to_owned(),
        task_id: id.to_owned(),
    }
}

fn ids(tasks: &[Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.task_id.as_str()).collect()
}

async fn pause() {
    // Timestamps have nanosecond precision; a pause makes "later" certain.
    tokio::time::sleep(StdDuration::from_millis(5)).await;
}

/// The stored task, by a strongly consistent read.
async fn stored(db: &Tasks, id: &str) -> Option<Task> {
    db.tasks().get_consistent(&key(id)).await.expect("get task")
}

/// The stored item under `key`, read with the SDK.
async fn raw_get(db: &Tasks, key: &impl PrimaryKey) -> Option<Item> {
    db.table()
        .client()
        .get_item()
        .table_name(db.table().name())
        .set_key(Some(key.to_key().expect("key")))
        .consistent_read(true)
        .send()
        .await
        .expect("raw get")
        .item
}

/// Removes attributes of a stored item with the SDK, bypassing dyngen.
async fn raw_remove(db: &Tasks, key: &impl PrimaryKey, attributes: &[&str]) {
    let mut request = db
        .table()
        .client()
        .update_item()
        .table_name(db.table().name())
        .set_key(Some(key.to_key().expect("key")));
    let mut names = Vec::new();
    for (i, attribute) in attributes.iter().enumerate() {
        names.push(format!("#r{i}"));
        request = request.expression_attribute_names(format!("#r{i}"), *attribute);
    }
    request
        .update_expression(format!("REMOVE {}", names.join(", ")))
        .send()
        .await
        .expect("raw remove");
}

/// The ids the `byTeam` index finds for `team`.
async fn by_team(db: &Tasks, team: &str) -> Vec<String> {
    let found = db
        .tasks()
        .by_team(&TaskByTeamPartition { team: team.to_owned() })
        .all()
        .await
        .expect("query byTeam");
    ids(&found).into_iter().map(str::to_owned).collect()
}

/// The ids the `byAssignee` index finds for `assignee`.
async fn by_assignee(db: &Tasks, assignee: &str) -> Vec<String> {
    let found = db
        .tasks()
        .by_assignee(&TaskByAssigneePartition {
            assignee: assignee.to_owned(),
        })
        .all()
        .await
        .expect("query byAssignee");
    ids(&found).into_iter().map(str::to_owned).collect()
}

/// The ids the `byOrigin` index finds on [`BOARD`] for exactly `origin` and
/// `team`, sorted (items with equal index keys come in no defined order).
async fn by_origin(db: &Tasks, origin: &str, team: &str) -> Vec<String> {
    let found = db
        .tasks()
        .by_origin(&TaskByOriginPartition {
            board: BOARD.to_owned(),
        })
        .origin(origin)
        .team(team)
        .all()
        .await
        .expect("query byOrigin");
    let mut ids: Vec<String> = ids(&found).into_iter().map(str::to_owned).collect();
    ids.sort();
    ids
}

/// The error of a refused write, after checking it is `ConditionFailed` on
/// `operation` of `entity`.
fn condition_failed<T: Debug>(result: Result<T, Error>, entity: &str, operation: Operation) -> Error {
    match result {
        Err(err) => {
            assert!(
                matches!(&err, Error::ConditionFailed { entity: e, operation: o, .. } if *e == entity && *o == operation),
                "expected ConditionFailed on {operation} of {entity}, got {err:?}"
            );
            err
        }
        Ok(value) => panic!("expected ConditionFailed on {operation} of {entity}, got Ok({value:?})"),
    }
}

/// The error of a write refused for its version, after checking it is a
/// `VersionConflict` on `operation` of a `Task` with these versions.
fn version_conflict<T: Debug>(result: Result<T, Error>, operation: Operation, expected: i128, found: i128) -> Error {
    match result {
        Err(err) => {
            match &err {
                Error::VersionConflict {
                    entity,
                    operation: o,
                    expected: e,
                    found: f,
                    ..
                } => {
                    assert_eq!((*entity, *o, *e, *f), ("Task", operation, expected, found), "{err:?}");
                }
                other => panic!("expected VersionConflict on {operation}, got {other:?}"),
            }
            err
        }
        Ok(value) => panic!("expected VersionConflict on {operation}, got Ok({value:?})"),
    }
}

fn assert_not_found<T: Debug>(result: Result<T, Error>, entity: &str) {
    match result {
        Err(Error::NotFound { entity: e }) if e == entity => {}
        other => panic!("expected NotFound for {entity}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Update operators
// ---------------------------------------------------------------------------

#[tokio::test]
async fn update_sets_and_removes_attributes_and_returns_the_item_as_written() {
    run("writes-set-remove", |db| async move {
        let created = db.tasks().create(&rich_task("t1")).await.unwrap();
        assert_eq!(created.version, 1);
        pause().await;

        let expires = DateTime::from_timestamp(4_102_444_800, 0).unwrap();
        let before = Utc::now();
        let written = db
            .tasks()
            .update(&key("t1"), 1)
            .set_points(-7)
            .set_budget(u32::MAX)
            .set_estimate(0.25)
            .set_cost(dec("99.99"))
            .set_tags(set(&["a", "b"]))
            .set_history(strings(&["x"]))
            .set_notes(vec![note("n1", None), note("n2", Some("bo"))])
            .set_labels(BTreeMap::from([("k".to_owned(), "v".to_owned())]))
            .set_note(note("changed", Some("cy")))
            .set_done(true)
            .set_expires_at(expires)
            .await
            .unwrap();
        let after = Utc::now();
        let expected = Task {
            points: -7,
            budget: u32::MAX,
            estimate: Some(0.25),
            cost: dec("99.99"),
            tags: Some(set(&["a", "b"])),
            history: strings(&["x"]),
            notes: vec![note("n1", None), note("n2", Some("bo"))],
            labels: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
            note: Some(note("changed", Some("cy"))),
            done: true,
            expires_at: Some(expires),
            version: 2,
            updated_at: written.updated_at,
            ..created.clone()
        };
        assert_eq!(written, expected);
        assert!(
            before <= written.updated_at && written.updated_at <= after,
            "{written:?}"
        );
        assert_eq!(written.created_at, created.created_at);
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&written));

        // Removing optional attributes leaves the rest alone.
        let removed = db
            .tasks()
            .update(&key("t1"), 2)
            .remove_estimate()
            .remove_tags()
            .remove_note()
            .remove_expires_at()
            .await
            .unwrap();
        let expected = Task {
            estimate: None,
            tags: None,
            note: None,
            expires_at: None,
            version: 3,
            updated_at: removed.updated_at,
            ..written.clone()
        };
        assert_eq!(removed, expected);
        assert!(removed.updated_at > written.updated_at);
        let raw = raw_get(&db, &key("t1")).await.unwrap();
        for gone in ["estimate", "tags", "note", "expiresAt"] {
            assert!(!raw.contains_key(gone), "{gone} still stored: {raw:?}");
        }
        assert_eq!(stored(&db, "t1").await, Some(removed));
    })
    .await;
}

#[tokio::test]
async fn setting_an_empty_set_removes_the_attribute() {
    run("writes-empty-set", |db| async move {
        db.tasks().create(&rich_task("t1")).await.unwrap();
        let written = db
            .tasks()
            .update(&key("t1"), 1)
            .set_tags(BTreeSet::new())
            .await
            .unwrap();
        assert_eq!(written.tags, None);
        assert!(!raw_get(&db, &key("t1")).await.unwrap().contains_key("tags"));
    })
    .await;
}

#[tokio::test]
async fn set_if_absent_writes_only_attributes_the_item_lacks() {
    run("writes-if-absent", |db| async move {
        let created = db
            .tasks()
            .create(&Task {
                note: Some(note("kept", None)),
                ..task("t1")
            })
            .await
            .unwrap();
        assert_eq!((created.estimate, created.tags.as_ref()), (None, None));

        let first = db
            .tasks()
            .update(&key("t1"), 1)
            .set_estimate_if_absent(2.0)
            .set_tags_if_absent(set(&["a"]))
            .set_note_if_absent(note("ignored", None))
            .await
            .unwrap();
        assert_eq!(first.estimate, Some(2.0));
        assert_eq!(first.tags, Some(set(&["a"])));
        assert_eq!(first.note, Some(note("kept", None)));

        let second = db
            .tasks()
            .update(&key("t1"), 2)
            .set_estimate_if_absent(3.0)
            .set_tags_if_absent(set(&["b"]))
            .await
            .unwrap();
        assert_eq!(second.estimate, Some(2.0));
        assert_eq!(second.tags, Some(set(&["a"])));
        assert_eq!(second.version, 3);
        assert_eq!(stored(&db, "t1").await, Some(second));
    })
    .await;
}

#[tokio::test]
async fn add_and_subtract_apply_to_the_stored_number() {
    run("writes-add-subtract", |db| async move {
        db.tasks()
            .create(&Task {
                points: 10,
                budget: 3,
                cost: dec("1.10"),
                ..task("t1")
            })
            .await
            .unwrap();

        let written = db
            .tasks()
            .update(&key("t1"), 1)
            .add_points(5)
            .add_budget(4)
            .add_estimate(1.5) // absent: counts as zero
            .add_cost(dec("0.15"))
            .await
            .unwrap();
        assert_eq!(
            (written.points, written.budget, written.estimate, written.cost),
            (15, 7, Some(1.5), dec("1.25"))
        );

        let written = db
            .tasks()
            .update(&key("t1"), 2)
            .subtract_points(20)
            .subtract_budget(7)
            .subtract_estimate(0.25)
            .subtract_cost(dec("2.5"))
            .await
            .unwrap();
        assert_eq!(
            (written.points, written.budget, written.estimate, written.cost),
            (-5, 0, Some(1.25), dec("-1.25"))
        );
        // A negative delta works both ways.
        let written = db
            .tasks()
            .update(&key("t1"), 3)
            .add_points(-5)
            .subtract_cost(dec("-1.25"))
            .await
            .unwrap();
        assert_eq!((written.points, written.cost), (-10, Decimal::ZERO));
        assert_eq!(stored(&db, "t1").await, Some(written));

        // Increments apply to what is stored, not to what the caller read:
        // two counter updates without a version both count.
        let counter = Counter {
            name: "c".into(),
            count: 1,
            hits: 0,
            level: 0,
        };
        db.counters().put(&counter).await.unwrap();
        let a = db.counters().update(&counter.key()).add_count(10);
        let b = db.counters().update(&counter.key()).add_count(100);
        a.await.unwrap();
        let last = b.await.unwrap();
        assert_eq!(last.count, 111);
    })
    .await;
}

#[tokio::test]
async fn u32_budget_overflow_and_underflow_are_refused_and_change_nothing() {
    run("writes-u32-bounds", |db| async move {
        db.tasks()
            .create(&Task {
                budget: u32::MAX - 1,
                ..task("t1")
            })
            .await
            .unwrap();

        let at_max = db.tasks().update(&key("t1"), 1).add_budget(1).await.unwrap();
        assert_eq!((at_max.budget, at_max.version), (u32::MAX, 2));

        // MAX + 1 does not fit a u32: refused, nothing written (not even the version).
        let err = condition_failed(
            db.tasks().update(&key("t1"), 2).add_budget(1).set_done(true).await,
            "Task",
            Operation::Update,
        );
        assert_eq!(err.current::<Task>(), Some(&at_max));
        let err = condition_failed(
            db.tasks().update(&key("t1"), 2).add_budget(u32::MAX).await,
            "Task",
            Operation::Update,
        );
        assert_eq!(err.current::<Task>(), Some(&at_max));
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&at_max));

        // Down to exactly zero is fine; below zero is refused.
        let zero = db
            .tasks()
            .update(&key("t1"), 2)
            .subtract_budget(u32::MAX)
            .await
            .unwrap();
        assert_eq!((zero.budget, zero.version), (0, 3));
        let err = condition_failed(
            db.tasks().update(&key("t1"), 3).subtract_budget(1).await,
            "Task",
            Operation::Update,
        );
        assert_eq!(err.current::<Task>(), Some(&zero));
        assert_eq!(stored(&db, "t1").await, Some(zero));
    })
    .await;
}

#[tokio::test]
async fn i32_level_overflow_and_underflow_are_refused_and_change_nothing() {
    run("writes-i32-bounds", |db| async move {
        let counters = db.counters();
        let k = CounterKey { name: "lvl".into() };
        counters
            .put(&Counter {
                name: "lvl".into(),
                count: 0,
                hits: 0,
                level: i32::MAX - 2,
            })
            .await
            .unwrap();

        let err = condition_failed(counters.update(&k).add_level(3).await, "Counter", Operation::Update);
        assert_eq!(err.current::<Counter>().map(|c| c.level), Some(i32::MAX - 2));
        // Subtracting a negative number is adding: refused the same way.
        condition_failed(
            counters.update(&k).subtract_level(-3).await,
            "Counter",
            Operation::Update,
        );
        assert_eq!(counters.get(&k).await.unwrap().unwrap().level, i32::MAX - 2);
        assert_eq!(counters.update(&k).add_level(2).await.unwrap().level, i32::MAX);

        let min = counters.update(&k).set_level(i32::MIN + 1).await.unwrap();
        assert_eq!(min.level, i32::MIN + 1);
        let err = condition_failed(
            counters.update(&k).subtract_level(2).await,
            "Counter",
            Operation::Update,
        );
        assert_eq!(err.current::<Counter>(), Some(&min));
        condition_failed(
            counters.update(&k).add_level(i32::MIN).await,
            "Counter",
            Operation::Update,
        );
        // Only the failing update is refused: the level is untouched, and a
        // refused update of several attributes writes none of them.
        condition_failed(
            counters.update(&k).add_count(5).subtract_level(2).await,
            "Counter",
            Operation::Update,
        );
        assert_eq!(counters.get(&k).await.unwrap(), Some(min));
        assert_eq!(counters.update(&k).subtract_level(1).await.unwrap().level, i32::MIN);
        // i32::MIN - i32::MIN = 0 is in range even though -i32::MIN is not an i32.
        assert_eq!(counters.update(&k).subtract_level(i32::MIN).await.unwrap().level, 0);
    })
    .await;
}

#[tokio::test]
async fn add_and_subtract_count_an_absent_number_as_zero() {
    run("writes-absent-number", |db| async move {
        let counters = db.counters();
        let k = CounterKey { name: "fresh".into() };
        counters
            .put(&Counter {
                name: "fresh".into(),
                count: 9,
                hits: 9,
                level: 9,
            })
            .await
            .unwrap();
        raw_remove(&db, &k, &["count", "hits", "level"]).await;
        let raw = raw_get(&db, &k).await.unwrap();
        assert!(!raw.contains_key("count") && !raw.contains_key("hits") && !raw.contains_key("level"));

        // 0 - 1 is no u64: refused.
        condition_failed(counters.update(&k).subtract_hits(1).await, "Counter", Operation::Update);
        let written = counters
            .update(&k)
            .add_hits(5)
            .subtract_level(3)
            .add_count(-4)
            .await
            .unwrap();
        assert_eq!((written.count, written.hits, written.level), (-4, 5, -3));
        assert_eq!(counters.get(&k).await.unwrap(), Some(written));
    })
    .await;
}

#[tokio::test]
async fn append_and_prepend_extend_lists_in_order() {
    run("writes-lists", |db| async move {
        db.tasks()
            .create(&Task {
                history: strings(&["b"]),
                notes: vec![note("second", None)],
                ..task("t1")
            })
            .await
            .unwrap();

        let written = db
            .tasks()
            .update(&key("t1"), 1)
            .append_history(strings(&["c", "d"]))
            .prepend_notes([note("first", Some("ann"))])
            .await
            .unwrap();
        assert_eq!(written.history, strings(&["b", "c", "d"]));
        assert_eq!(written.notes, vec![note("first", Some("ann")), note("second", None)]);

        let written = db
            .tasks()
            .update(&key("t1"), 2)
            .prepend_history(strings(&["a0", "a1"]))
            .append_notes([note("third", None)])
            .await
            .unwrap();
        assert_eq!(written.history, strings(&["a0", "a1", "b", "c", "d"]));
        assert_eq!(
            written.notes,
            vec![note("first", Some("ann")), note("second", None), note("third", None)]
        );
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&written));

        // An absent list counts as empty.
        raw_remove(&db, &key("t1"), &["history", "notes"]).await;
        let written = db
            .tasks()
            .update(&key("t1"), 3)
            .append_history(strings(&["only"]))
            .prepend_notes([note("alone", None)])
            .await
            .unwrap();
        assert_eq!(written.history, strings(&["only"]));
        assert_eq!(written.notes, vec![note("alone", None)]);
    })
    .await;
}

#[tokio::test]
async fn add_to_and_delete_from_sets_and_deleting_the_last_element_removes_the_set() {
    run("writes-sets", |db| async move {
        db.tasks().create(&task("t1")).await.unwrap();

        // Adding to an absent set creates it.
        let written = db
            .tasks()
            .update(&key("t1"), 1)
            .add_to_tags(strings(&["a", "b"]))
            .await
            .unwrap();
        assert_eq!(written.tags, Some(set(&["a", "b"])));
        let written = db
            .tasks()
            .update(&key("t1"), 2)
            .add_to_tags(strings(&["b", "c"]))
            .await
            .unwrap();
        assert_eq!(written.tags, Some(set(&["a", "b", "c"])));
        // Deleting an element that is not there is fine.
        let written = db
            .tasks()
            .update(&key("t1"), 3)
            .delete_from_tags(strings(&["a", "zzz"]))
            .await
            .unwrap();
        assert_eq!(written.tags, Some(set(&["b", "c"])));
        assert_eq!(stored(&db, "t1").await.unwrap().tags, Some(set(&["b", "c"])));

        // Deleting the last elements leaves no (empty) set behind.
        let written = db
            .tasks()
            .update(&key("t1"), 4)
            .delete_from_tags(strings(&["b", "c"]))
            .await
            .unwrap();
        assert_eq!(written.tags, None);
        assert_eq!(written.version, 5);
        assert!(!raw_get(&db, &key("t1")).await.unwrap().contains_key("tags"));
        assert_eq!(stored(&db, "t1").await.unwrap().tags, None);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Secondary-index keys follow their composites
// ---------------------------------------------------------------------------

#[tokio::test]
async fn set_team_moves_the_item_in_by_team_and_by_origin() {
    run("writes-set-team", |db| async move {
        db.tasks().create(&task("t1")).await.unwrap();
        db.tasks().create(&task("t2")).await.unwrap();
        assert_eq!(by_team(&db, "core").await, ["t1", "t2"]);
        assert_eq!(by_origin(&db, "web", "core").await, ["t1", "t2"]);

        let written = db.tasks().update(&key("t1"), 1).set_team("ops", "web").await.unwrap();
        assert_eq!((written.team.as_str(), written.origin.as_str()), ("ops", "web"));

        // The old keys no longer find it; the new ones do.
        assert_eq!(by_team(&db, "core").await, ["t2"]);
        assert_eq!(by_team(&db, "ops").await, ["t1"]);
        assert_eq!(by_origin(&db, "web", "core").await, ["t2"]);
        assert_eq!(by_origin(&db, "web", "ops").await, ["t1"]);
        // The byTeam sort key kept priority and title.
        let found = db
            .tasks()
            .by_team(&TaskByTeamPartition { team: "ops".into() })
            .priority(Priority::Low)
            .title("Task t1")
            .all()
            .await
            .unwrap();
        assert_eq!(found, vec![written]);
    })
    .await;
}

#[tokio::test]
async fn set_priority_and_set_title_rewrite_the_by_team_and_by_assignee_sort_keys() {
    run("writes-set-priority", |db| async move {
        db.tasks()
            .create(&Task {
                assignee: Some("ann".into()),
                ..task("t1")
            })
            .await
            .unwrap();
        let team = TaskByTeamPartition { team: "core".into() };
        let ann = TaskByAssigneePartition { assignee: "ann".into() };
        let by_team_key = |priority: Priority, title: &'static str| {
            let db = db.clone();
            let team = team.clone();
            async move {
                let found = db
                    .tasks()
                    .by_team(&team)
                    .priority(priority)
                    .title(title)
                    .all()
                    .await
                    .unwrap();
                ids(&found).into_iter().map(str::to_owned).collect::<Vec<_>>()
            }
        };
        let by_assignee_priority = |priority: Priority| {
            let db = db.clone();
            let ann = ann.clone();
            async move {
                let found = db
                    .tasks()
                    .by_assignee(&ann)
                    .priority(priority)
                    .task_id("t1")
                    .all()
                    .await
                    .unwrap();
                ids(&found).into_iter().map(str::to_owned).collect::<Vec<_>>()
            }
        };
        assert_eq!(by_team_key(Priority::Low, "Task t1").await, ["t1"]);
        assert_eq!(by_assignee_priority(Priority::Low).await, ["t1"]);

        let written = db
            .tasks()
            .update(&key("t1"), 1)
            .set_priority(Priority::High, "Task t1")
            .await
            .unwrap();
        assert_eq!(written.priority, Priority::High);
        assert!(by_team_key(Priority::Low, "Task t1").await.is_empty());
        assert_eq!(by_team_key(Priority::High, "Task t1").await, ["t1"]);
        assert!(by_assignee_priority(Priority::Low).await.is_empty());
        assert_eq!(by_assignee_priority(Priority::High).await, ["t1"]);

        let written = db
            .tasks()
            .update(&key("t1"), 2)
            .set_title("Renamed", Priority::High)
            .await
            .unwrap();
        assert_eq!((written.title.as_str(), written.priority), ("Renamed", Priority::High));
        assert!(by_team_key(Priority::High, "Task t1").await.is_empty());
        assert_eq!(by_team_key(Priority::High, "Renamed").await, ["t1"]);
        assert_eq!(by_assignee_priority(Priority::High).await, ["t1"]);
        assert_eq!(stored(&db, "t1").await, Some(written));
    })
    .await;
}

#[tokio::test]
async fn set_assignee_moves_the_item_between_by_assignee_partitions() {
    run("writes-set-assignee", |db| async move {
        db.tasks()
            .create(&Task {
                assignee: Some("ann".into()),
                ..task("t1")
            })
            .await
            .unwrap();
        assert_eq!(by_assignee(&db, "ann").await, ["t1"]);

        let written = db.tasks().update(&key("t1"), 1).set_assignee("bob").await.unwrap();
        assert_eq!(written.assignee.as_deref(), Some("bob"));
        assert!(by_assignee(&db, "ann").await.is_empty());
        assert_eq!(by_assignee(&db, "bob").await, ["t1"]);
    })
    .await;
}

#[tokio::test]
async fn remove_assignee_leaves_the_sparse_index_and_set_assignee_brings_it_back() {
    run("writes-sparse", |db| async move {
        db.tasks()
            .create(&Task {
                assignee: Some("ann".into()),
                ..task("t1")
            })
            .await
            .unwrap();
        db.tasks().create(&task("t2")).await.unwrap(); // never assigned
        assert_eq!(by_assignee(&db, "ann").await, ["t1"]);

        let written = db.tasks().update(&key("t1"), 1).remove_assignee().await.unwrap();
        assert_eq!(written.assignee, None);
        assert!(by_assignee(&db, "ann").await.is_empty());
        let raw = raw_get(&db, &key("t1")).await.unwrap();
        assert!(!raw.contains_key("assignee") && !raw.contains_key("gsi1pk"), "{raw:?}");
        // Other indexes still hold it.
        assert_eq!(by_team(&db, "core").await, ["t1", "t2"]);

        // Changed while out of the index: the key written on return is current.
        db.tasks()
            .update(&key("t1"), 2)
            .set_priority(Priority::High, "Task t1")
            .await
            .unwrap();
        let written = db.tasks().update(&key("t1"), 3).set_assignee("ann").await.unwrap();
        assert_eq!(written.assignee.as_deref(), Some("ann"));
        assert_eq!(by_assignee(&db, "ann").await, ["t1"]);
        let found = db
            .tasks()
            .by_assignee(&TaskByAssigneePartition { assignee: "ann".into() })
            .priority(Priority::High)
            .all()
            .await
            .unwrap();
        assert_eq!(found, vec![written]);

        // Assigning a never-assigned task adds it too.
        db.tasks().update(&key("t2"), 1).set_assignee("ann").await.unwrap();
        assert_eq!(by_assignee(&db, "ann").await, ["t1", "t2"]);
    })
    .await;
}

#[tokio::test]
async fn set_team_with_a_wrong_origin_is_refused_and_changes_nothing() {
    run("writes-readonly", |db| async move {
        let created = db.tasks().create(&task("t1")).await.unwrap();

        let err = condition_failed(
            db.tasks()
                .update(&key("t1"), 1)
                .set_team("ops", "mobile")
                .set_points(3)
                .await,
            "Task",
            Operation::Update,
        );
        assert_eq!(err.current::<Task>(), Some(&created));
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&created));
        assert_eq!(by_team(&db, "core").await, ["t1"]);
        assert!(by_team(&db, "ops").await.is_empty());
        assert_eq!(by_origin(&db, "web", "core").await, ["t1"]);
        assert!(by_origin(&db, "mobile", "ops").await.is_empty());

        // With the stored origin it goes through, and origin stays.
        let written = db.tasks().update(&key("t1"), 1).set_team("ops", "web").await.unwrap();
        assert_eq!((written.team.as_str(), written.origin.as_str()), ("ops", "web"));
        assert_eq!(by_origin(&db, "web", "ops").await, ["t1"]);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Existence and returned values
// ---------------------------------------------------------------------------

#[tokio::test]
async fn update_of_a_missing_item_is_not_found_and_creates_nothing() {
    run("writes-update-missing", |db| async move {
        assert_not_found(db.tasks().update(&key("nope"), 0).set_points(1).await, "Task");
        assert_not_found(db.tasks().update(&key("nope"), 3).set_points(1).await, "Task");
        assert_eq!(stored(&db, "nope").await, None);
        assert!(raw_get(&db, &key("nope")).await.is_none());

        let ck = CounterKey { name: "nope".into() };
        assert_not_found(db.counters().update(&ck).add_count(1).await, "Counter");
        assert!(raw_get(&db, &ck).await.is_none());

        let pk = PageKey {
            site: "s".into(),
            path: "/nope".into(),
        };
        assert_not_found(db.pages().update(&pk, "ann").set_body("x").await, "Page");
        assert!(raw_get(&db, &pk).await.is_none());
        assert!(db
            .pages()
            .recent(&PageRecentPartition { site: "s".into() })
            .all()
            .await
            .unwrap()
            .is_empty());

        // The same for delete_existing and a versioned delete.
        assert_not_found(db.tasks().delete(&key("nope"), 1).await, "Task");
        assert_not_found(db.counters().delete_existing(&ck).await, "Counter");
        db.counters().delete(&ck).await.expect("deleting nothing is fine");
    })
    .await;
}

#[tokio::test]
async fn send_returning_old_returns_the_item_before_the_update() {
    run("writes-returning-old", |db| async move {
        let created = db.tasks().create(&task("t1")).await.unwrap();
        let old = db
            .tasks()
            .update(&key("t1"), 1)
            .set_points(42)
            .set_team("ops", "web")
            .send_returning_old()
            .await
            .unwrap();
        assert_eq!(old, created);
        let now = stored(&db, "t1").await.unwrap();
        assert_eq!((now.points, now.team.as_str(), now.version), (42, "ops", 2));

        let counter = Counter {
            name: "c".into(),
            count: 1,
            hits: 2,
            level: 3,
        };
        db.counters().put(&counter).await.unwrap();
        let old = db
            .counters()
            .update(&counter.key())
            .add_count(1)
            .send_returning_old()
            .await
            .unwrap();
        assert_eq!(old, counter);
        assert_eq!(db.counters().get(&counter.key()).await.unwrap().unwrap().count, 2);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

type Check = Box<dyn Fn(&TaskAttributes) -> Condition<Task> + Send + Sync>;

fn check(f: impl Fn(&TaskAttributes) -> Condition<Task> + Send + Sync + 'static) -> Check {
    Box::new(f)
}

#[tokio::test]
async fn update_conditions_of_every_form_hold_or_refuse_with_the_stored_item() {
    run("writes-conditions", |db| async move {
        let mut current = db.tasks().create(&rich_task("t1")).await.unwrap();
        let created_at = current.created_at;

        // (what, a condition that holds for the stored item, one that does not)
        let cases: Vec<(&str, Check, Check)> = vec![
            (
                "eq",
                check(|a| a.title.eq("Write the docs")),
                check(|a| a.title.eq("Write")),
            ),
            ("eq bool", check(|a| a.done.eq(false)), check(|a| a.done.eq(true))),
            (
                "eq enum",
                check(|a| a.priority.eq(Priority::High)),
                check(|a| a.priority.eq(Priority::Low)),
            ),
            ("ne", check(|a| a.team.ne("ops")), check(|a| a.team.ne("core"))),
            (
                "ne absent",
                check(|a| a.expires_at.ne(epoch())),
                check(|a| a.assignee.ne("ann")),
            ),
            ("lt", check(|a| a.points.lt(6)), check(|a| a.points.lt(5))),
            ("lte", check(|a| a.points.lte(5)), check(|a| a.points.lte(4))),
            ("gt", check(|a| a.budget.gt(9_u32)), check(|a| a.budget.gt(10_u32))),
            ("gte", check(|a| a.estimate.gte(2.5)), check(|a| a.estimate.gte(2.6))),
            (
                "between",
                check(|a| a.cost.between(dec("12.5"), dec("13"))),
                check(|a| a.cost.between(dec("12.51"), dec("13"))),
            ),
            (
                "between timestamps",
                check(move |a| a.created_at.between(created_at, created_at)),
                check(move |a| a.created_at.gt(created_at)),
            ),
            (
                "is_in",
                check(|a| a.priority.is_in([Priority::Low, Priority::High])),
                check(|a| a.priority.is_in([Priority::Low])),
            ),
            (
                "is_in nothing",
                check(|a| !a.points.is_in(Vec::<i64>::new())),
                check(|a| a.points.is_in(Vec::<i64>::new())),
            ),
            (
                "exists",
                check(|a| a.assignee.exists()),
                check(|a| a.expires_at.exists()),
            ),
            (
                "not_exists",
                check(|a| a.expires_at.not_exists()),
                check(|a| a.note.not_exists()),
            ),
            (
                "size of a string",
                check(|a| a.title.size().eq(14)),
                check(|a| a.title.size().ne(14)),
            ),
            (
                "size of a list",
                check(|a| a.history.size().gte(2)),
                check(|a| a.history.size().gt(2)),
            ),
            (
                "size of a set",
                check(|a| a.tags.size().lte(2)),
                check(|a| a.tags.size().lt(2)),
            ),
            (
                "size between",
                check(|a| a.labels.size().between(1, 1)),
                check(|a| a.labels.size().between(2, 9)),
            ),
            (
                "begins_with",
                check(|a| a.title.begins_with("Write")),
                check(|a| a.title.begins_with("docs")),
            ),
            (
                "contains substring",
                check(|a| a.title.contains("the d")),
                check(|a| a.title.contains("xyz")),
            ),
            (
                "list contains",
                check(|a| a.history.contains("triaged")),
                check(|a| a.history.contains("closed")),
            ),
            (
                "list index",
                check(|a| a.history.at(1).eq("triaged")),
                check(|a| a.history.at(0).eq("triaged")),
            ),
            (
                "list index out of range",
                check(|a| a.history.at(2).not_exists()),
                check(|a| a.history.at(2).exists()),
            ),
            (
                "struct field in a list",
                check(|a| a.notes.at(0).fields().author.eq("ann")),
                check(|a| a.notes.at(0).fields().author.eq("bob")),
            ),
            (
                "set contains",
                check(|a| a.tags.contains("urgent")),
                check(|a| a.tags.contains("later")),
            ),
            (
                "map key",
                check(|a| a.labels.key("area").eq("docs")),
                check(|a| a.labels.key("area").eq("api")),
            ),
            (
                "map key absent",
                check(|a| a.labels.key("team").not_exists()),
                check(|a| a.labels.key("team").exists()),
            ),
            (
                "nested struct field",
                check(|a| a.note.fields().text.eq("remember")),
                check(|a| a.note.fields().text.begins_with("forget")),
            ),
            (
                "absent nested field",
                check(|a| a.note.fields().author.not_exists()),
                check(|a| a.note.fields().author.exists()),
            ),
            (
                "eq_attr",
                check(|a| a.notes.at(0).fields().author.eq_attr(&a.assignee)),
                check(|a| a.title.eq_attr(&a.team)),
            ),
            (
                "and",
                check(|a| a.done.eq(false) & a.points.eq(5)),
                check(|a| a.done.eq(false) & a.points.eq(6)),
            ),
            (
                "or",
                check(|a| a.done.eq(true) | a.points.eq(5)),
                check(|a| a.done.eq(true) | a.points.eq(6)),
            ),
            ("not", check(|a| !a.done.eq(true)), check(|a| !a.done.eq(false))),
            (
                "nested and/or/not",
                check(|a| (a.team.eq("ops") | a.tags.contains("docs")) & !(a.budget.lt(10_u32) | a.done.eq(true))),
                check(|a| (a.team.eq("ops") | a.tags.contains("docs")) & !(a.budget.lt(11_u32) | a.done.eq(true))),
            ),
            (
                "methods and, or, not",
                check(|a| a.done.eq(true).or(a.points.eq(5)).and(a.done.eq(true).not())),
                check(|a| a.done.eq(false).and(a.points.eq(5)).not()),
            ),
        ];

        for (what, holds, fails) in &cases {
            let err = condition_failed(
                db.tasks()
                    .update(&key("t1"), current.version)
                    .set_points(1000)
                    .condition(|a| fails(a))
                    .await,
                "Task",
                Operation::Update,
            );
            assert_eq!(
                err.current::<Task>(),
                Some(&current),
                "{what}: the refusal carries the stored item"
            );

            let written = db
                .tasks()
                .update(&key("t1"), current.version)
                .condition(|a| holds(a))
                .await
                .unwrap_or_else(|e| panic!("{what}: the condition that holds was refused: {e:?}"));
            assert_eq!(written.version, current.version + 1, "{what}");
            assert_eq!(written.points, 5, "{what}: a refused update wrote");
            current = written;
        }
        assert_eq!(stored(&db, "t1").await, Some(current));
    })
    .await;
}

#[tokio::test]
async fn several_conditions_on_one_update_must_all_hold() {
    run("writes-conditions-and", |db| async move {
        db.tasks().create(&rich_task("t1")).await.unwrap();
        condition_failed(
            db.tasks()
                .update(&key("t1"), 1)
                .condition(|a| a.done.eq(false))
                .condition(|a| a.points.eq(6))
                .await,
            "Task",
            Operation::Update,
        );
        let written = db
            .tasks()
            .update(&key("t1"), 1)
            .condition(|a| a.done.eq(false))
            .condition(|a| a.points.eq(5))
            .set_done(true)
            .await
            .unwrap();
        assert!(written.done);
    })
    .await;
}

#[tokio::test]
async fn put_with_a_failing_condition_is_refused_with_the_stored_item() {
    run("writes-put-condition", |db| async move {
        let created = db.tasks().create(&rich_task("t1")).await.unwrap();
        let replacement = Task {
            title: "Replaced".into(),
            ..created.clone()
        };
        let err = condition_failed(
            db.tasks()
                .put(&replacement)
                .condition(|a| a.done.eq(true) | a.tags.contains("later"))
                .await,
            "Task",
            Operation::Put,
        );
        assert_eq!(err.current::<Task>(), Some(&created));
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&created));

        let written = db
            .tasks()
            .put(&replacement)
            .condition(|a| a.note.fields().text.eq("remember") & a.notes.at(0).fields().text.eq("first"))
            .await
            .unwrap();
        assert_eq!((written.title.as_str(), written.version), ("Replaced", 2));
        assert_eq!(stored(&db, "t1").await, Some(written));
    })
    .await;
}

#[tokio::test]
async fn create_tells_an_existing_item_from_a_failing_condition() {
    run("writes-create-condition", |db| async move {
        // A condition on attributes of an item that does not exist yet.
        let created = db
            .tasks()
            .create(&task("t1"))
            .condition(|a| a.title.not_exists())
            .await
            .unwrap();
        assert_eq!(created.version, 1);

        let err = condition_failed(
            db.tasks().create(&task("t2")).condition(|a| a.done.eq(false)).await,
            "Task",
            Operation::Create,
        );
        assert!(err.current::<Task>().is_none(), "{err:?}");
        assert_eq!(stored(&db, "t2").await, None);

        match db.tasks().create(&task("t1")).condition(|a| a.title.not_exists()).await {
            Err(Error::AlreadyExists { entity: "Task" }) => {}
            other => panic!("expected AlreadyExists, got {other:?}"),
        }
        assert_eq!(stored(&db, "t1").await, Some(created));
    })
    .await;
}

#[tokio::test]
async fn delete_with_a_failing_condition_keeps_the_item() {
    run("writes-delete-condition", |db| async move {
        let created = db.tasks().create(&rich_task("t1")).await.unwrap();
        let err = condition_failed(
            db.tasks()
                .delete(&key("t1"), 1)
                .condition(|a| a.labels.key("area").eq("api"))
                .await,
            "Task",
            Operation::Delete,
        );
        assert_eq!(err.current::<Task>(), Some(&created));
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&created));

        db.tasks()
            .delete(&key("t1"), 1)
            .condition(|a| a.labels.key("area").eq("docs") & a.tags.size().eq(2))
            .await
            .unwrap();
        assert_eq!(stored(&db, "t1").await, None);
        assert!(by_team(&db, "core").await.is_empty());

        // An entity without a version: a plain delete with a condition.
        let comment = Comment {
            board: BOARD.into(),
            comment_id: "c1".into(),
            text: "hello".into(),
            expires_at: None,
        };
        db.comments().put(&comment).await.unwrap();
        let err = condition_failed(
            db.comments()
                .delete(&comment.key())
                .condition(|a| a.text.ne("hello"))
                .await,
            "Comment",
            Operation::Delete,
        );
        assert_eq!(err.current::<Comment>(), Some(&comment));
        db.comments()
            .delete_existing(&comment.key())
            .condition(|a| a.text.eq("hello"))
            .await
            .unwrap();
        assert_eq!(db.comments().get(&comment.key()).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn conditions_and_filters_on_reserved_word_attributes_work() {
    run("writes-reserved", |db| async move {
        // `name`, `count`, `level` and `path` are DynamoDB reserved words.
        let counter = Counter {
            name: "hits".into(),
            count: 2,
            hits: 0,
            level: 1,
        };
        db.counters().put(&counter).await.unwrap();
        let written = db
            .counters()
            .update(&counter.key())
            .condition(|a| a.name.eq("hits") & a.count.gte(2) & a.level.lt(2))
            .add_count(1)
            .await
            .unwrap();
        assert_eq!(written.count, 3);
        condition_failed(
            db.counters()
                .update(&counter.key())
                .condition(|a| a.count.eq(2))
                .add_count(1)
                .await,
            "Counter",
            Operation::Update,
        );
        db.counters()
            .put(&Counter {
                count: 0,
                ..counter.clone()
            })
            .condition(|a| a.count.eq(3) & a.name.begins_with("hit"))
            .await
            .unwrap();

        for path in ["/docs/a", "/docs/b", "/blog/c"] {
            db.pages()
                .create(&Page {
                    site: "s".into(),
                    path: path.into(),
                    author: "ann".into(),
                    body: "text".into(),
                    created_at: epoch(),
                    updated_at: epoch(),
                })
                .await
                .unwrap();
        }
        let pk = PageKey {
            site: "s".into(),
            path: "/docs/a".into(),
        };
        db.pages()
            .update(&pk, "ann")
            .condition(|a| a.path.begins_with("/docs"))
            .set_body("changed")
            .await
            .unwrap();
        let found = db
            .pages()
            .query(&PagePartition { site: "s".into() })
            .filter(|a| a.path.begins_with("/docs/") & a.body.eq("text"))
            .all()
            .await
            .unwrap();
        assert_eq!(found.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["/docs/b"]);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Query filters
// ---------------------------------------------------------------------------

#[tokio::test]
async fn query_filters_select_items_on_table_and_index_queries() {
    run("writes-filters", |db| async move {
        for (id, done, points, team) in [
            ("t1", true, 1, "core"),
            ("t2", false, 5, "core"),
            ("t3", true, 8, "ops"),
            ("t4", true, 9, "core"),
        ] {
            db.tasks()
                .create(&Task {
                    done,
                    points,
                    team: team.into(),
                    tags: (points > 4).then(|| set(&["big"])),
                    ..task(id)
                })
                .await
                .unwrap();
        }
        let board = TaskPartition { board: BOARD.into() };

        let done = db
            .tasks()
            .query(&board)
            .filter(|a| a.done.eq(true))
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&done), ["t1", "t3", "t4"]);
        let done_and_big = db
            .tasks()
            .query(&board)
            .filter(|a| a.done.eq(true))
            .filter(|a| a.tags.contains("big"))
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&done_and_big), ["t3", "t4"]);
        // A filter after a sort-key condition.
        let found = db
            .tasks()
            .query(&board)
            .task_id_gte("t2")
            .filter(|a| a.points.lt(9) | a.tags.not_exists())
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&found), ["t2", "t3"]);
        // On an index.
        let found = db
            .tasks()
            .by_team(&TaskByTeamPartition { team: "core".into() })
            .filter(|a| a.points.gt(4))
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&found), ["t2", "t4"]);
        let found = db
            .tasks()
            .by_origin(&TaskByOriginPartition { board: BOARD.into() })
            .origin("web")
            .filter(|a| !a.done.eq(true))
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&found), ["t2"]);
    })
    .await;
}

#[tokio::test]
async fn filtered_pages_may_be_short_but_every_match_is_returned() {
    run("writes-filter-pages", |db| async move {
        let matching = ["t01", "t05", "t08"];
        for i in 0..10 {
            let id = format!("t{i:02}");
            db.tasks()
                .create(&Task {
                    done: matching.contains(&id.as_str()),
                    ..task(&id)
                })
                .await
                .unwrap();
        }
        let board = TaskPartition { board: BOARD.into() };
        let query = db.tasks().query(&board).filter(|a| a.done.eq(true)).limit(2);

        let mut found = Vec::new();
        let mut page_sizes = Vec::new();
        let mut short_page_with_more = false;
        let mut cursor = None;
        loop {
            let page = query.page(cursor.as_ref()).await.unwrap();
            assert!(page.items.len() <= 2);
            page_sizes.push(page.items.len());
            if page.items.len() < 2 && page.next.is_some() {
                short_page_with_more = true;
            }
            found.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(page_sizes.len() < 20, "too many pages: {page_sizes:?}");
        }
        assert!(short_page_with_more, "pages: {page_sizes:?}");
        assert_eq!(ids(&found), matching);

        // `all()` goes on past short (even empty) pages.
        let all = db
            .tasks()
            .query(&board)
            .filter(|a| a.done.eq(true))
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&all), matching);
        // A limit is the number of matches `all()` returns, however many
        // items the filter had to skip.
        let first_two = db
            .tasks()
            .query(&board)
            .filter(|a| a.done.eq(true))
            .limit(2)
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&first_two), &matching[..2]);
        let all = db
            .tasks()
            .query(&board)
            .filter(|a| a.done.eq(true))
            .limit(3)
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&all), matching);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Versions and timestamps
// ---------------------------------------------------------------------------

#[tokio::test]
async fn update_with_a_stale_version_is_a_conflict_carrying_the_current_item() {
    run("writes-version-update", |db| async move {
        db.tasks().create(&task("t1")).await.unwrap();
        let second = db.tasks().update(&key("t1"), 1).set_points(1).await.unwrap();
        assert_eq!(second.version, 2);

        let err = version_conflict(
            db.tasks().update(&key("t1"), 1).set_points(99).await,
            Operation::Update,
            1,
            2,
        );
        assert_eq!(err.current::<Task>(), Some(&second));
        let err = version_conflict(
            db.tasks().update(&key("t1"), 3).set_points(99).await,
            Operation::Update,
            3,
            2,
        );
        assert_eq!(err.current::<Task>(), Some(&second));
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&second));

        // A version conflict wins over a failing condition: it says why.
        version_conflict(
            db.tasks().update(&key("t1"), 1).condition(|a| a.done.eq(true)).await,
            Operation::Update,
            1,
            2,
        );
        let third = db.tasks().update(&key("t1"), 2).set_points(3).await.unwrap();
        assert_eq!((third.version, third.points), (3, 3));
    })
    .await;
}

#[tokio::test]
async fn put_checks_the_version_and_version_zero_never_overwrites() {
    run("writes-version-put", |db| async move {
        // Version 0: "nothing stored".
        let first = db.tasks().put(&task("t1")).await.unwrap();
        assert_eq!(first.version, 1);
        let err = version_conflict(db.tasks().put(&task("t1")).await, Operation::Put, 0, 1);
        assert_eq!(err.current::<Task>(), Some(&first));

        let second = db
            .tasks()
            .put(&Task {
                points: 2,
                ..first.clone()
            })
            .await
            .unwrap();
        assert_eq!((second.version, second.points), (2, 2));
        // Writing from the stale read is refused.
        let err = version_conflict(
            db.tasks()
                .put(&Task {
                    points: 99,
                    ..first.clone()
                })
                .await,
            Operation::Put,
            1,
            2,
        );
        assert_eq!(err.current::<Task>(), Some(&second));
        assert_eq!(stored(&db, "t1").await, Some(second));

        // A version other than 0 for an item that does not exist.
        let err = version_conflict(
            db.tasks()
                .put(&Task {
                    version: 4,
                    ..task("t2")
                })
                .await,
            Operation::Put,
            4,
            0,
        );
        assert!(err.current::<Task>().is_none());
        assert_eq!(stored(&db, "t2").await, None);
    })
    .await;
}

#[tokio::test]
async fn delete_with_a_stale_version_is_a_conflict_and_keeps_the_item() {
    run("writes-version-delete", |db| async move {
        db.tasks().create(&task("t1")).await.unwrap();
        let second = db.tasks().update(&key("t1"), 1).set_done(true).await.unwrap();

        let err = version_conflict(db.tasks().delete(&key("t1"), 1).await, Operation::Delete, 1, 2);
        assert_eq!(err.current::<Task>(), Some(&second));
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&second));
        assert_eq!(by_team(&db, "core").await, ["t1"]);

        db.tasks().delete(&key("t1"), 2).await.unwrap();
        assert_eq!(stored(&db, "t1").await, None);
        assert!(by_team(&db, "core").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn create_and_put_set_both_timestamps_to_now_and_put_resets_created_at() {
    run("writes-put-timestamps", |db| async move {
        let before = Utc::now();
        // `create` writes version 1 whatever the value says.
        let created = db
            .tasks()
            .create(&Task {
                version: 7,
                created_at: DateTime::from_timestamp(1_000, 0).unwrap(),
                ..task("t1")
            })
            .await
            .unwrap();
        let after = Utc::now();
        assert_eq!(created.version, 1);
        assert_eq!(created.created_at, created.updated_at);
        assert!(
            before <= created.created_at && created.created_at <= after,
            "{created:?}"
        );
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&created));
        pause().await;

        let put = db
            .tasks()
            .put(&Task {
                title: "Again".into(),
                ..created.clone()
            })
            .await
            .unwrap();
        assert!(put.created_at > created.created_at, "put sets createdAt anew: {put:?}");
        assert_eq!(put.created_at, put.updated_at);
        assert_eq!(put.version, 2);
        assert_eq!(stored(&db, "t1").await, Some(put));
    })
    .await;
}

#[tokio::test]
async fn upsert_keeps_created_at_removes_left_out_attributes_and_checks_the_version() {
    run("writes-upsert", |db| async move {
        // Upsert of a new item: version 0 → 1, both timestamps now.
        let before = Utc::now();
        let first = db.tasks().upsert(&rich_task("t1")).await.unwrap();
        let after = Utc::now();
        assert_eq!(first.version, 1);
        assert_eq!(first.created_at, first.updated_at);
        assert!(before <= first.created_at && first.created_at <= after);
        assert_eq!(by_assignee(&db, "ann").await, ["t1"]);
        // An attribute the entity does not know.
        db.table()
            .client()
            .update_item()
            .table_name(db.table().name())
            .set_key(Some(key("t1").to_key().unwrap()))
            .update_expression("SET extra = :x")
            .expression_attribute_values(":x", AttributeValue::S("kept".into()))
            .send()
            .await
            .unwrap();
        pause().await;

        let second = db
            .tasks()
            .upsert(&Task {
                title: "Upserted".into(),
                assignee: None,
                estimate: None,
                tags: None,
                note: None,
                ..first.clone()
            })
            .await
            .unwrap();
        assert_eq!(second.created_at, first.created_at, "upsert keeps createdAt");
        assert!(second.updated_at > first.updated_at);
        assert_eq!(second.version, 2);
        assert_eq!(
            (
                second.assignee.as_ref(),
                second.estimate,
                second.tags.as_ref(),
                second.note.as_ref()
            ),
            (None, None, None, None)
        );
        assert_eq!(second.title, "Upserted");
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&second));
        let raw = raw_get(&db, &key("t1")).await.unwrap();
        for gone in ["assignee", "gsi1pk", "estimate", "tags", "note"] {
            assert!(!raw.contains_key(gone), "{gone} still stored: {raw:?}");
        }
        assert_eq!(raw.get("extra"), Some(&AttributeValue::S("kept".into())));
        // Out of the sparse index, and found by the new title.
        assert!(by_assignee(&db, "ann").await.is_empty());
        let found = db
            .tasks()
            .by_team(&TaskByTeamPartition { team: "core".into() })
            .priority(Priority::High)
            .title("Upserted")
            .all()
            .await
            .unwrap();
        assert_eq!(found, vec![second.clone()]);

        // Stale versions are refused, and change nothing.
        let err = version_conflict(db.tasks().upsert(&first).await, Operation::Upsert, 1, 2);
        assert_eq!(err.current::<Task>(), Some(&second));
        version_conflict(db.tasks().upsert(&rich_task("t1")).await, Operation::Upsert, 0, 2);
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&second));

        // A condition on upsert.
        let err = condition_failed(
            db.tasks().upsert(&second).condition(|a| a.assignee.exists()).await,
            "Task",
            Operation::Upsert,
        );
        assert_eq!(err.current::<Task>(), Some(&second));
        let third = db
            .tasks()
            .upsert(&second)
            .condition(|a| a.assignee.not_exists())
            .await
            .unwrap();
        assert_eq!((third.version, third.created_at), (3, first.created_at));
    })
    .await;
}

#[tokio::test]
async fn page_update_moves_the_recent_key_to_the_new_updated_at_and_author() {
    run("writes-page-recent", |db| async move {
        let site = PageRecentPartition { site: "s".into() };
        let page = |path: &str| Page {
            site: "s".into(),
            path: path.into(),
            author: "ann".into(),
            body: "v1".into(),
            created_at: epoch(),
            updated_at: epoch(),
        };
        let p1 = db.pages().create(&page("/one")).await.unwrap();
        pause().await;
        let p2 = db.pages().create(&page("/two")).await.unwrap();
        pause().await;
        let recent = |author: &'static str| {
            let db = db.clone();
            let site = site.clone();
            async move {
                let found = db.pages().recent(&site).author(author).all().await.unwrap();
                found.into_iter().map(|p| p.path).collect::<Vec<_>>()
            }
        };
        assert_eq!(recent("ann").await, ["/one", "/two"]);

        let before = Utc::now();
        let written = db.pages().update(&p1.key(), "ann").set_body("v2").await.unwrap();
        assert!(written.updated_at >= before && written.updated_at > p1.updated_at);
        assert_eq!(written.created_at, p1.created_at);
        assert_eq!(written.body, "v2");
        assert_eq!(db.pages().get(&p1.key()).await.unwrap().as_ref(), Some(&written));
        // Most recently changed last.
        assert_eq!(recent("ann").await, ["/two", "/one"]);
        let at_old = db
            .pages()
            .recent(&site)
            .author("ann")
            .updated_at(p1.updated_at)
            .all()
            .await
            .unwrap();
        assert!(at_old.is_empty(), "the old key still finds {at_old:?}");
        let at_new = db
            .pages()
            .recent(&site)
            .author("ann")
            .updated_at(written.updated_at)
            .all()
            .await
            .unwrap();
        assert_eq!(at_new, vec![written.clone()]);

        // A new author moves it to the author's part of the index.
        let moved = db.pages().update(&p2.key(), "bob").await.unwrap();
        assert_eq!(moved.author, "bob");
        assert!(moved.updated_at > p2.updated_at);
        assert_eq!(recent("ann").await, ["/one"]);
        assert_eq!(recent("bob").await, ["/two"]);
        let at_new = db
            .pages()
            .recent(&site)
            .author("bob")
            .updated_at(moved.updated_at)
            .all()
            .await
            .unwrap();
        assert_eq!(at_new, vec![moved]);
    })
    .await;
}

#[tokio::test]
async fn upsert_refuses_to_change_a_readonly_attribute() {
    run("writes-upsert-readonly", |db| async move {
        // A new item takes any value.
        let first = db.tasks().upsert(&task("t1")).await.unwrap();
        assert_eq!(first.origin, "web");

        // Another value of `origin`: refused, nothing written, the index
        // keys built from it unmoved.
        let err = condition_failed(
            db.tasks()
                .upsert(&Task {
                    origin: "api".into(),
                    title: "Moved".into(),
                    ..first.clone()
                })
                .await,
            "Task",
            Operation::Upsert,
        );
        assert_eq!(err.current::<Task>(), Some(&first));
        assert_eq!(stored(&db, "t1").await.as_ref(), Some(&first));
        assert_eq!(by_origin(&db, "web", "core").await, ["t1"]);
        assert!(by_origin(&db, "api", "core").await.is_empty());

        // The same value: written.
        let second = db
            .tasks()
            .upsert(&Task {
                title: "Kept origin".into(),
                ..first.clone()
            })
            .await
            .unwrap();
        assert_eq!((second.title.as_str(), second.version), ("Kept origin", 2));

        // An item stored without it (written before it existed) gets it once.
        raw_remove(&db, &key("t1"), &["origin"]).await;
        let third = db
            .tasks()
            .upsert(&Task {
                origin: "cli".into(),
                ..second.clone()
            })
            .await
            .unwrap();
        assert_eq!(third.origin, "cli");
        assert_eq!(by_origin(&db, "cli", "core").await, ["t1"]);
    })
    .await;
}

#[tokio::test]
async fn an_item_stored_without_a_version_reads_as_version_0() {
    run("writes-no-version", |db| async move {
        db.tasks().create(&task("t1")).await.unwrap();
        // As if written before the entity had a version.
        raw_remove(&db, &key("t1"), &["version"]).await;
        let stored = db.tasks().get(&key("t1")).await.unwrap().expect("the item decodes");
        assert_eq!(stored.version, 0);

        let err = db.tasks().update(&key("t1"), 1).set_points(1).await.unwrap_err();
        assert!(
            matches!(
                &err,
                Error::VersionConflict {
                    expected: 1,
                    found: 0,
                    current: Some(_),
                    ..
                }
            ),
            "{err:?}"
        );
        let updated = db.tasks().update(&key("t1"), 0).set_points(2).await.unwrap();
        assert_eq!((updated.version, updated.points), (1, 2));
        assert_eq!(db.tasks().get(&key("t1")).await.unwrap(), Some(updated));
    })
    .await;
}

// ---------------------------------------------------------------------------
// TTL
// ---------------------------------------------------------------------------

/// On [`BOARD`]: tasks `live` (no expiry), `gone` (expired an hour ago),
/// `later` (expires in an hour); comments `c-live` and `c-gone`.
async fn seed_expiring(db: &Tasks) {
    let now = Utc::now();
    for (id, expires_at) in [
        ("gone", Some(now - Duration::hours(1))),
        ("later", Some(now + Duration::hours(1))),
        ("live", None),
    ] {
        db.tasks().create(&Task { expires_at, ..task(id) }).await.unwrap();
    }
    for (id, expires_at) in [("c-gone", Some(now - Duration::hours(1))), ("c-live", None)] {
        db.comments()
            .create(&Comment {
                board: BOARD.into(),
                comment_id: id.into(),
                text: id.into(),
                expires_at,
            })
            .await
            .unwrap();
    }
}

fn comment_key(id: &str) -> CommentKey {
    CommentKey {
        board: BOARD.into(),
        comment_id: id.into(),
    }
}

async fn board_work(db: &Tasks) -> (Vec<String>, Vec<String>) {
    let collection: BoardWorkCollection = db
        .board_work(&BoardWorkCollectionKey { board: BOARD.into() })
        .collect()
        .await
        .unwrap();
    // Tasks of one origin and team have equal index keys: no defined order.
    let mut tasks: Vec<String> = collection.tasks.into_iter().map(|t| t.task_id).collect();
    tasks.sort();
    (tasks, collection.comments.into_iter().map(|c| c.comment_id).collect())
}

#[tokio::test]
async fn expired_items_are_hidden_from_get() {
    run("writes-ttl-get", |db| async move {
        seed_expiring(&db).await;
        assert_eq!(db.tasks().get(&key("gone")).await.unwrap(), None);
        assert_eq!(db.tasks().get_consistent(&key("gone")).await.unwrap(), None);
        assert_eq!(db.comments().get(&comment_key("c-gone")).await.unwrap(), None);
        assert!(db.tasks().get(&key("later")).await.unwrap().is_some());
        assert!(db.tasks().get(&key("live")).await.unwrap().is_some());
        assert!(db.comments().get(&comment_key("c-live")).await.unwrap().is_some());
        // Hidden, not deleted.
        assert!(raw_get(&db, &key("gone")).await.is_some());

        // Expiry set and removed by updates.
        db.tasks()
            .update(&key("live"), 1)
            .set_expires_at(Utc::now() - Duration::seconds(5))
            .await
            .unwrap();
        assert_eq!(db.tasks().get(&key("live")).await.unwrap(), None);
        // An expired item is gone for updates too; a `show_expired` handle
        // can bring it back.
        let err = db
            .tasks()
            .update(&key("live"), 2)
            .remove_expires_at()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { entity: "Task" }), "{err:?}");
        let back = db
            .clone()
            .show_expired()
            .tasks()
            .update(&key("live"), 2)
            .remove_expires_at()
            .await
            .unwrap();
        assert_eq!(db.tasks().get(&key("live")).await.unwrap(), Some(back));
    })
    .await;
}

#[tokio::test]
async fn writes_treat_expired_items_as_absent() {
    run("writes-ttl-writes", |db| async move {
        seed_expiring(&db).await;

        // Writes that need the item: NotFound, as a read would say.
        let err = db.tasks().update(&key("gone"), 1).set_points(5).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { entity: "Task" }), "{err:?}");
        let err = db.tasks().delete_existing(&key("gone"), 1).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { entity: "Task" }), "{err:?}");
        let err = db
            .comments()
            .update(&comment_key("c-gone"))
            .set_text("x")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { entity: "Comment" }), "{err:?}");
        let err = db.comments().delete_existing(&comment_key("c-gone")).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { entity: "Comment" }), "{err:?}");
        assert!(
            raw_get(&db, &key("gone")).await.is_some(),
            "refused writes change nothing"
        );

        // A live item with an expiry is still there for them.
        let later = db.tasks().update(&key("later"), 1).set_points(5).await.unwrap();
        assert_eq!((later.points, later.version), (5, 2));

        // `create` replaces an expired item: a new item, version 1.
        let created = db.tasks().create(&task("gone")).await.unwrap();
        assert_eq!((created.version, created.expires_at), (1, None));
        assert_eq!(db.tasks().get(&key("gone")).await.unwrap(), Some(created));
        let err = db.tasks().create(&task("gone")).await.unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { entity: "Task" }), "{err:?}");

        // `put` of a never-written value (version 0) may replace an expired
        // item, whatever its stored version; a live one is a conflict.
        let now = Utc::now();
        let expired = Task {
            expires_at: Some(now - Duration::minutes(1)),
            ..task("old")
        };
        db.tasks().create(&expired).await.unwrap();
        db.tasks().update(&key("old"), 1).set_points(1).await.unwrap_err();
        let put = db.tasks().put(&task("old")).await.unwrap();
        assert_eq!(put.version, 1);
        let err = db.tasks().put(&task("old")).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::VersionConflict {
                    expected: 0,
                    found: 1,
                    ..
                }
            ),
            "{err:?}"
        );

        // A versioned delete of an expired item: NotFound too.
        db.tasks()
            .create(&Task {
                expires_at: Some(now - Duration::minutes(1)),
                ..task("old2")
            })
            .await
            .unwrap();
        let err = db.tasks().delete(&key("old2"), 1).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { entity: "Task" }), "{err:?}");
        // A value read before it expired: the item is gone, so its version
        // is 0, and the expired item is not reported.
        let err = db
            .tasks()
            .put(&Task {
                version: 1,
                ..task("old2")
            })
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::VersionConflict {
                    expected: 1,
                    found: 0,
                    current: None,
                    ..
                }
            ),
            "{err:?}"
        );
        // A fresh value may replace it, with another `origin` (readonly): the
        // expired item does not hold it back.
        let replaced = db
            .tasks()
            .upsert(&Task {
                origin: "api".into(),
                ..task("old2")
            })
            .await
            .unwrap();
        assert_eq!((replaced.origin.as_str(), replaced.version), ("api", 1));

        // A `show_expired` handle sees the expired comment, for writes too.
        let all = db.clone().show_expired();
        let err = all
            .comments()
            .create(&Comment {
                board: BOARD.into(),
                comment_id: "c-gone".into(),
                text: "again".into(),
                expires_at: None,
            })
            .await
            .unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { entity: "Comment" }), "{err:?}");
        all.comments().delete_existing(&comment_key("c-gone")).await.unwrap();
        assert_eq!(all.comments().get(&comment_key("c-gone")).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn expired_items_are_hidden_from_queries_and_the_collection() {
    run("writes-ttl-query", |db| async move {
        seed_expiring(&db).await;
        let all = db
            .tasks()
            .query(&TaskPartition { board: BOARD.into() })
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&all), ["later", "live"]);
        assert_eq!(by_team(&db, "core").await, ["later", "live"]);
        assert_eq!(by_origin(&db, "web", "core").await, ["later", "live"]);
        // Also with a filter of the caller's, and on the comments' own index.
        let filtered = db
            .tasks()
            .query(&TaskPartition { board: BOARD.into() })
            .filter(|a| a.done.eq(false))
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&filtered), ["later", "live"]);
        let comments = db
            .comments()
            .on_board(&CommentOnBoardPartition { board: BOARD.into() })
            .all()
            .await
            .unwrap();
        assert_eq!(
            comments.iter().map(|c| c.comment_id.as_str()).collect::<Vec<_>>(),
            ["c-live"]
        );

        assert_eq!(
            board_work(&db).await,
            (strings(&["later", "live"]), strings(&["c-live"]))
        );
    })
    .await;
}

#[tokio::test]
async fn show_expired_returns_expired_items_from_get_queries_and_the_collection() {
    run("writes-ttl-show", |db| async move {
        seed_expiring(&db).await;
        let all = db.clone().show_expired();
        let gone = all.tasks().get(&key("gone")).await.unwrap().expect("expired task");
        assert!(gone.expires_at.unwrap() < Utc::now());
        assert!(all.comments().get(&comment_key("c-gone")).await.unwrap().is_some());
        let tasks = all
            .tasks()
            .query(&TaskPartition { board: BOARD.into() })
            .all()
            .await
            .unwrap();
        assert_eq!(ids(&tasks), ["gone", "later", "live"]);
        assert_eq!(by_team(&all, "core").await, ["gone", "later", "live"]);
        assert_eq!(
            board_work(&all).await,
            (strings(&["gone", "later", "live"]), strings(&["c-gone", "c-live"]))
        );
        // The original handle still hides them.
        assert_eq!(db.tasks().get(&key("gone")).await.unwrap(), None);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_read_modify_write_increments_lose_no_update() {
    const WRITERS: usize = 8;
    const INCREMENTS: i64 = 50;
    run("writes-race", |db| async move {
        let created = db.tasks().create(&task("t1")).await.unwrap();
        assert_eq!((created.version, created.points), (1, 0));

        let mut writers = Vec::new();
        for _ in 0..WRITERS {
            let db = db.clone();
            writers.push(tokio::spawn(async move {
                let mut conflicts = 0_u32;
                for _ in 0..INCREMENTS {
                    loop {
                        let read = db.tasks().get_consistent(&key("t1")).await.unwrap().unwrap();
                        match db
                            .tasks()
                            .update(&key("t1"), read.version)
                            .set_points(read.points + 1)
                            .await
                        {
                            Ok(written) => {
                                assert_eq!((written.version, written.points), (read.version + 1, read.points + 1));
                                break;
                            }
                            Err(Error::VersionConflict {
                                expected,
                                found,
                                current,
                                ..
                            }) => {
                                assert_eq!(expected, i128::from(read.version));
                                assert!(found > expected, "found {found}, expected {expected}");
                                let current = current.as_ref().and_then(|c| c.get::<Task>()).expect("current");
                                assert_eq!(i128::from(current.version), found);
                                conflicts += 1;
                            }
                            Err(other) => panic!("unexpected error: {other:?}"),
                        }
                    }
                }
                conflicts
            }));
        }
        let mut conflicts = 0;
        for writer in writers {
            conflicts += writer.await.expect("writer task");
        }
        eprintln!("{WRITERS} writers x {INCREMENTS} increments: {conflicts} version conflicts retried");

        let last = stored(&db, "t1").await.unwrap();
        assert_eq!(last.points, WRITERS as i64 * INCREMENTS);
        assert_eq!(last.version, 1 + WRITERS as u64 * INCREMENTS as u64);
    })
    .await;
}
