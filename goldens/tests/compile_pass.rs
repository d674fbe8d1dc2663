//! The correct forms of the calls `compile_fail.rs` rejects: they compile,
//! and build their requests without touching the network.

use dyngen_goldens::vcs::*;
use dyngen_goldens::writes::{
    BoardWorkCollectionKey, Comment, Counter, CounterKey, Page, PageKey, Priority, Task, TaskKey, Tasks,
};
use dyngen_runtime::aws_sdk_dynamodb::config::{BehaviorVersion, Builder, Region};
use dyngen_runtime::aws_sdk_dynamodb::Client;
use dyngen_runtime::chrono::Utc;
use dyngen_runtime::rust_decimal::Decimal;
use dyngen_runtime::Entity;

/// A client that is never used to send anything.
fn offline_client() -> Client {
    let config = Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .build();
    Client::from_conf(config)
}

/// The example's table, offline.
fn offline_table() -> Vcs {
    Vcs::new(offline_client(), "vcs")
}

/// The table of `writes.dyn`, offline.
fn offline_tasks() -> Tasks {
    Tasks::new(offline_client(), "tasks")
}

fn task_key() -> TaskKey {
    TaskKey {
        board: "b-1".into(),
        task_id: "t-1".into(),
    }
}

fn sample_task() -> Task {
    let now = Utc::now();
    Task {
        board: "b-1".into(),
        task_id: "t-1".into(),
        title: "Ship it".into(),
        assignee: None,
        priority: Priority::Low,
        team: "core".into(),
        points: 0,
        budget: 0,
        estimate: None,
        cost: Decimal::ZERO,
        tags: None,
        history: Vec::new(),
        notes: Vec::new(),
        labels: Default::default(),
        note: None,
        done: false,
        origin: "email".into(),
        expires_at: None,
        created_at: now,
        updated_at: now,
        version: 3,
    }
}

/// Each client takes its own key (not awaited: nothing is sent).
#[test]
fn each_client_takes_its_own_key() {
    let db = offline_table();
    let user = UserKey {
        username: "octocat".into(),
    };
    let repository = RepositoryKey {
        repo_owner: "octocat".into(),
        repo_name: "hello".into(),
    };
    let users = db.users();
    let repositories = db.repositories();
    drop(users.get(&user));
    drop(repositories.get(&repository));
}

/// Sort-key conditions in order, a range last, or none at all.
#[test]
fn conditions_follow_the_sort_key() {
    let db = offline_table();
    let managed = IssueManagedPartition {
        username: "octocat".into(),
    };
    let activity = IssueActivityPartition {
        repo_owner: "octocat".into(),
        repo_name: "hello".into(),
    };
    let issues = db.issues();
    let _all = issues.managed(&managed);
    let _open = issues.managed(&managed).status(IssueStatus::Open);
    let _one = issues.managed(&managed).status(IssueStatus::Open).issue_number("3");
    let _after = issues.managed(&managed).status(IssueStatus::Open).issue_number_gt("3");
    let _closed_or_later = issues.managed(&managed).status_gte(IssueStatus::Closed);
    let _prefix = issues
        .activity(&activity)
        .status(IssueStatus::Open)
        .issue_number_begins("1")
        .descending()
        .limit(10);
}

/// Updates set what is neither key nor maintained: the primary key names
/// the item (`Issue`'s `set_status` needs no `issueNumber`, it is in the
/// key), a composite of an index key comes with the key's other composites
/// (a read-only one, `origin`, is checked rather than written), optional
/// attributes can be removed.
#[test]
fn updates_set_what_they_may() {
    let db = offline_tasks();
    let tasks = db.tasks();
    let key = task_key();
    let _priority = tasks.update(&key, 3).set_priority(Priority::High, "Ship it");
    let _title = tasks.update(&key, 3).set_title("Ship it", Priority::High);
    let _team = tasks.update(&key, 3).set_team("core", "email");
    let _removed = tasks.update(&key, 3).set_points(5).remove_assignee().remove_estimate();
    let vcs = offline_table();
    let issue = IssueKey {
        repo_owner: "octocat".into(),
        repo_name: "hello".into(),
        issue_number: "3".into(),
    };
    let _closed = vcs.issues().update(&issue).set_status(IssueStatus::Closed);
}

/// A versioned entity's update and delete take the version last read; a
/// page's update takes the author its index key holds with `updatedAt`.
#[test]
fn writes_take_what_their_keys_need() {
    let db = offline_tasks();
    let key = task_key();
    let _update = db.tasks().update(&key, 3);
    let _delete = db.tasks().delete(&key, 3);
    let page = PageKey {
        site: "docs".into(),
        path: "/".into(),
    };
    let _page = db.pages().update(&page, "ada").set_body("Hello");
}

/// Conditions compare an attribute with a value of its type, use string
/// operators on strings, and are built over the written entity.
#[test]
fn conditions_are_typed() {
    let db = offline_tasks();
    let key = task_key();
    let task = sample_task();
    let _compared = db
        .tasks()
        .update(&key, 3)
        .condition(|a| a.priority.eq(Priority::High) & a.points.gt(3) & a.title.begins_with("Ship"));
    let _put = db.tasks().put(&task).condition(|a| a.done.eq(false));
    let task_condition = Task::attributes().priority.eq(Priority::High);
    let _built = db.tasks().put(&task).condition(|_| task_condition);
    let page_condition = Page::attributes().author.eq("ada");
    let page = PageKey {
        site: "docs".into(),
        path: "/".into(),
    };
    let _page = db.pages().update(&page, "ada").condition(|_| page_condition);
    // A collection query filters each of its members by its own attributes.
    let _members = db
        .board_work(&BoardWorkCollectionKey { board: "b".into() })
        .filter_member::<Task>(|a| a.points.gt(3))
        .filter_member::<Comment>(|a| a.text.contains("ship"));
}

/// Batches take unversioned entities; transactions take every write
/// builder, the typed update with its key recomposition included.
#[test]
fn batches_and_transactions_take_what_they_can_check() {
    let db = offline_tasks();
    let mut batch = db.batch_write();
    let counter = Counter {
        name: "c".into(),
        count: 1,
        hits: 0,
        level: 0,
    };
    batch.put(&counter).unwrap();
    batch.delete(&CounterKey { name: "d".into() }).unwrap();
    assert_eq!(batch.len(), 2);
    let mut get = db.batch_get();
    let _task: dyngen_runtime::Ticket<Task> = get.get(&task_key()).unwrap();
    let task = sample_task();
    let transaction = db
        .transact_write()
        .put(db.tasks().create(&task))
        .update(
            db.tasks()
                .update(&task_key(), 3)
                .set_priority(Priority::High, "Ship it"),
        )
        .delete(db.counters().delete(&CounterKey { name: "c".into() }))
        .check(&CounterKey { name: "d".into() }, |a| a.count.gt(0));
    assert_eq!(transaction.len(), 4);
}
