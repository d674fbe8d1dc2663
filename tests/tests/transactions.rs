//! Transactions through the generated clients against DynamoDB Local
//! (`dyngen_example_vcs::vcs` and `dyngen_goldens::writes`): several writes
//! of any entities that all happen or none does, cancellations that name
//! the action and say why (classified like the same write alone), the
//! index keys an update recomposes, the limits checked before sending,
//! idempotency tokens, and transactional reads with typed results.
//!
//! Every test runs in its own table, so they run in parallel. Whether a
//! request was sent at all is seen through a mocked client.

use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use dyngen_example_vcs::vcs::*;
use dyngen_goldens::writes::{
    Comment, CommentKey, Counter, CounterKey, Priority, Task, TaskByAssigneePartition, TaskByTeamPartition, TaskKey,
    Tasks,
};
use dyngen_runtime::chrono::{DateTime, Duration, Utc};
use dyngen_runtime::rust_decimal::Decimal;
use dyngen_runtime::{CancelReason, CanceledAction, DecodeError, Error, Operation, PrimaryKey, Table};
use dyngen_tests::run_with_table as run;

/// Runs `body` on a fresh table of the vcs schema.
async fn with_vcs<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(Vcs) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    run(prefix, move |client, table| async move {
        let db = Vcs::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        body(db).await;
    })
    .await;
}

/// Runs `body` on a fresh table of the writes schema.
async fn with_tasks<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(Tasks) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    run(prefix, move |client, table| async move {
        let db = Tasks::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        body(db).await;
    })
    .await;
}

/// How many items the table holds, by a raw consistent scan.
async fn raw_item_count(table: &Table) -> i32 {
    table
        .client()
        .scan()
        .table_name(table.name())
        .consistent_read(true)
        .send()
        .await
        .expect("raw scan")
        .count()
}

/// The actions DynamoDB names as the cause of a canceled write transaction.
fn canceled(result: Result<(), Error>) -> Vec<CanceledAction> {
    match result {
        Err(Error::TransactionCanceled {
            operation: Operation::TransactWrite,
            actions,
        }) => actions,
        other => panic!("expected a canceled write transaction, got {other:?}"),
    }
}

/// The error of the one refused action, after checking that it is the only
/// cause and sits at `position` with this entity and operation.
fn refused_at(result: Result<(), Error>, position: usize, entity: &str, operation: Operation) -> Box<Error> {
    let mut actions = canceled(result);
    assert_eq!(actions.len(), 1, "exactly one cause expected: {actions:?}");
    let action = actions.remove(0);
    assert_eq!(
        (action.position, action.entity, action.operation),
        (position, entity, operation),
        "{action:?}"
    );
    match action.reason {
        CancelReason::Refused(error) => error,
        other => panic!("expected a refused condition at action {position}, got {other:?}"),
    }
}

/// A fixed time the writes must not keep: they set the timestamps themselves.
fn epoch() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

/// Checks that a write in `before..=after` set both timestamps to its time.
fn assert_written_between(
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    before: DateTime<Utc>,
    after: DateTime<Utc>,
) {
    assert_eq!(created_at, updated_at, "a create sets both timestamps to one time");
    assert!(
        before <= created_at && created_at <= after,
        "{created_at} not within {before}..={after}"
    );
}

// ---------------------------------------------------------------------------
// The vcs schema's data.
// ---------------------------------------------------------------------------

fn octocat() -> User {
    User {
        username: "octocat".into(),
        full_name: "The Octocat".into(),
        bio: "GitHub mascot".into(),
        location: "San Francisco, CA".into(),
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn repository(owner: &str, name: &str, is_private: bool) -> Repository {
    Repository {
        counters: ::std::default::Default::default(),
        repo_name: name.into(),
        repo_owner: owner.into(),
        username: owner.into(),
        about: format!("About {name}"),
        description: format!("The {name} repository"),
        is_private,
        default_branch: "main".into(),
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn issue(owner: &str, repo: &str, number: &str, username: &str, status: IssueStatus) -> Issue {
    Issue {
        issue_number: number.into(),
        repo_name: repo.into(),
        repo_owner: owner.into(),
        username: username.into(),
        subject: format!("Issue {number} of {owner}/{repo}"),
        body: format!("Body of issue {number}"),
        status,
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn pull_request(owner: &str, repo: &str, number: &str, username: &str) -> PullRequest {
    PullRequest {
        pull_request_number: number.into(),
        repo_name: repo.into(),
        repo_owner: owner.into(),
        username: username.into(),
        subject: format!("Pull request {number} of {owner}/{repo}"),
        body: format!("Body of pull request {number}"),
        status: IssueStatus::Open,
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn issue_key(owner: &str, repo: &str, number: &str) -> IssueKey {
    IssueKey {
        repo_owner: owner.into(),
        repo_name: repo.into(),
        issue_number: number.into(),
    }
}

fn pull_request_key(owner: &str, repo: &str, number: &str) -> PullRequestKey {
    PullRequestKey {
        repo_owner: owner.into(),
        repo_name: repo.into(),
        pull_request_number: number.into(),
    }
}

fn numbers(issues: &[Issue]) -> Vec<&str> {
    issues.iter().map(|i| i.issue_number.as_str()).collect()
}

// ---------------------------------------------------------------------------
// The writes schema's data.
// ---------------------------------------------------------------------------

const BOARD: &str = "board-1";

/// A plain task on [`BOARD`]: team `core`, origin `web`, not yet written.
fn task(id: &str) -> Task {
    Task {
        board: BOARD.into(),
        task_id: id.into(),
        title: format!("Task {id}"),
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
        origin: "web".into(),
        expires_at: None,
        created_at: epoch(),
        updated_at: epoch(),
        version: 0,
    }
}

fn task_key(id: &str) -> TaskKey {
    TaskKey {
        board: BOARD.into(),
        task_id: id.into(),
    }
}

fn counter(name: &str, count: i64) -> Counter {
    Counter {
        name: name.into(),
        count,
        hits: 0,
        level: 0,
    }
}

fn counter_key(name: &str) -> CounterKey {
    CounterKey { name: name.into() }
}

fn comment(id: &str) -> Comment {
    Comment {
        board: BOARD.into(),
        comment_id: id.into(),
        text: format!("comment {id}"),
        expires_at: None,
    }
}

fn comment_key(id: &str) -> CommentKey {
    CommentKey {
        board: BOARD.into(),
        comment_id: id.into(),
    }
}

/// An idempotency token no other run has used: DynamoDB (Local too)
/// remembers tokens per account for 10 minutes, across tables.
fn token(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time after 1970")
        .as_nanos();
    let token = format!("{label}-{}-{:x}", std::process::id(), nanos as u64);
    assert!(token.len() <= 36, "DynamoDB allows tokens of 36 characters: {token}");
    token
}

fn task_ids(tasks: &[Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.task_id.as_str()).collect()
}

// ---------------------------------------------------------------------------
// 1. Seed access pattern 8.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn seed_pattern_8_creates_an_issue_and_a_pull_request_atomically() {
    with_vcs("tx-pattern-8", |db| async move {
        let linux = db
            .repositories()
            .put(&repository("torvalds", "linux", false))
            .await
            .unwrap();
        let issue_1 = db
            .issues()
            .put(&issue("torvalds", "linux", "1", "octocat", IssueStatus::Open))
            .await
            .unwrap();
        let pr_1 = db
            .pull_requests()
            .put(&pull_request("torvalds", "linux", "1", "octocat"))
            .await
            .unwrap();

        let issue_2 = issue("torvalds", "linux", "2", "torvalds", IssueStatus::Open);
        let pr_2 = pull_request("torvalds", "linux", "2", "torvalds");
        let before = Utc::now();
        db.transact_write()
            .put(db.issues().create(&issue_2))
            .put(db.pull_requests().create(&pr_2))
            .send()
            .await
            .expect("pattern 8 transaction");
        let after = Utc::now();

        let activity: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: "torvalds".into(),
                repo_name: "linux".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(activity.repositories, vec![linux]);
        assert_eq!(numbers(&activity.issues), ["1", "2"]);
        assert_eq!(activity.issues[0], issue_1);
        let stored_issue = activity.issues[1].clone();
        assert_written_between(stored_issue.created_at, stored_issue.updated_at, before, after);
        assert_eq!(
            stored_issue,
            Issue {
                created_at: stored_issue.created_at,
                updated_at: stored_issue.updated_at,
                ..issue_2.clone()
            }
        );
        let pr_numbers: Vec<&str> = activity
            .pull_requests
            .iter()
            .map(|p| p.pull_request_number.as_str())
            .collect();
        assert_eq!(pr_numbers, ["1", "2"]);
        assert_eq!(activity.pull_requests[0], pr_1);
        let stored_pr = activity.pull_requests[1].clone();
        assert_written_between(stored_pr.created_at, stored_pr.updated_at, before, after);
        assert_eq!(
            stored_pr,
            PullRequest {
                created_at: stored_pr.created_at,
                updated_at: stored_pr.updated_at,
                ..pr_2.clone()
            }
        );

        // The same items by key, and nothing else was written.
        assert_eq!(
            db.issues().get_consistent(&issue_2.key()).await.unwrap(),
            Some(stored_issue)
        );
        assert_eq!(
            db.pull_requests().get_consistent(&pr_2.key()).await.unwrap(),
            Some(stored_pr)
        );
        assert_eq!(raw_item_count(db.table()).await, 5);
    })
    .await;
}

// ---------------------------------------------------------------------------
// 2. One failed condition: nothing is written.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_failed_check_cancels_every_action_and_names_the_check() {
    with_vcs("tx-failed-check", |db| async move {
        let private = db
            .repositories()
            .put(&repository("octocat", "secret", true))
            .await
            .unwrap();
        let open = db
            .issues()
            .put(&issue("octocat", "secret", "1", "octocat", IssueStatus::Open))
            .await
            .unwrap();
        let user = db.users().put(&octocat()).await.unwrap();
        assert_eq!(raw_item_count(db.table()).await, 3);

        let new_issue = issue("octocat", "secret", "2", "octocat", IssueStatus::Open);
        let new_pr = pull_request("octocat", "secret", "2", "octocat");
        let result = db
            .transact_write()
            .put(db.issues().create(&new_issue))
            .put(db.pull_requests().create(&new_pr))
            .update(db.issues().update(&open.key()).set_status(IssueStatus::Closed))
            .delete(db.users().delete_existing(&user.key()))
            .check(&private.key(), |a| a.is_private.eq(false))
            .send()
            .await;
        let message = result.as_ref().map_err(ToString::to_string).unwrap_err();
        assert_eq!(
            message,
            "transaction canceled: action 4 (condition check of Repository): \
             condition failed on condition check of Repository"
        );
        let error = refused_at(result, 4, "Repository", Operation::ConditionCheck);
        assert!(
            matches!(
                *error,
                Error::ConditionFailed {
                    entity: "Repository",
                    operation: Operation::ConditionCheck,
                    current: Some(_),
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.current::<Repository>(), Some(&private));

        // None of the other four actions happened.
        assert_eq!(raw_item_count(db.table()).await, 3);
        assert_eq!(db.issues().get_consistent(&new_issue.key()).await.unwrap(), None);
        assert_eq!(db.pull_requests().get_consistent(&new_pr.key()).await.unwrap(), None);
        assert_eq!(
            db.issues().get_consistent(&open.key()).await.unwrap(),
            Some(open.clone())
        );
        assert_eq!(
            db.users().get_consistent(&user.key()).await.unwrap(),
            Some(user.clone())
        );

        // A check of an item that does not exist fails too, with no item.
        let result = db
            .transact_write()
            .put(db.issues().create(&new_issue))
            .check(
                &RepositoryKey {
                    repo_owner: "octocat".into(),
                    repo_name: "nowhere".into(),
                },
                |a| a.is_private.eq(false),
            )
            .send()
            .await;
        let error = refused_at(result, 1, "Repository", Operation::ConditionCheck);
        assert!(
            matches!(
                *error,
                Error::ConditionFailed {
                    entity: "Repository",
                    operation: Operation::ConditionCheck,
                    current: None,
                }
            ),
            "{error:?}"
        );
        assert_eq!(raw_item_count(db.table()).await, 3);

        // With the check holding, the same actions all happen.
        db.transact_write()
            .put(db.issues().create(&new_issue))
            .put(db.pull_requests().create(&new_pr))
            .update(db.issues().update(&open.key()).set_status(IssueStatus::Closed))
            .delete(db.users().delete_existing(&user.key()))
            .check(&private.key(), |a| a.is_private.eq(true))
            .send()
            .await
            .expect("transaction whose check holds");
        assert_eq!(raw_item_count(db.table()).await, 4);
        assert!(db.issues().get_consistent(&new_issue.key()).await.unwrap().is_some());
        assert!(db
            .pull_requests()
            .get_consistent(&new_pr.key())
            .await
            .unwrap()
            .is_some());
        let closed = db.issues().get_consistent(&open.key()).await.unwrap().unwrap();
        assert_eq!(closed.status, IssueStatus::Closed);
        assert_eq!(db.users().get_consistent(&user.key()).await.unwrap(), None);
        assert_eq!(
            db.repositories().get_consistent(&private.key()).await.unwrap(),
            Some(private)
        );
    })
    .await;
}

#[tokio::test]
async fn creating_an_existing_item_cancels_the_transaction_with_already_exists() {
    with_vcs("tx-already-exists", |db| async move {
        let repo = db.repositories().put(&repository("o", "r", false)).await.unwrap();
        let existing = db
            .issues()
            .put(&issue("o", "r", "1", "mgr", IssueStatus::Open))
            .await
            .unwrap();
        let pr = pull_request("o", "r", "1", "mgr");
        let result = db
            .transact_write()
            .put(db.pull_requests().create(&pr))
            .put(
                db.issues()
                    .create(&issue("o", "r", "1", "someone-else", IssueStatus::Closed)),
            )
            .update(db.repositories().update(&repo.key()).set_description("changed"))
            .send()
            .await;
        let error = refused_at(result, 1, "Issue", Operation::Create);
        assert!(matches!(*error, Error::AlreadyExists { entity: "Issue" }), "{error:?}");

        assert_eq!(raw_item_count(db.table()).await, 2);
        assert_eq!(db.pull_requests().get_consistent(&pr.key()).await.unwrap(), None);
        assert_eq!(
            db.issues().get_consistent(&existing.key()).await.unwrap(),
            Some(existing)
        );
        assert_eq!(db.repositories().get_consistent(&repo.key()).await.unwrap(), Some(repo));
    })
    .await;
}

// ---------------------------------------------------------------------------
// 3. Every refusal kind, classified like the same write alone.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn each_refusal_kind_is_classified_like_the_write_alone() {
    with_tasks("tx-refusals", |db| async move {
        let pad = db.counters().put(&counter("pad", 0)).await.unwrap();
        let stored_counter = db.counters().put(&counter("c", 5)).await.unwrap();
        db.tasks().create(&task("t1")).await.unwrap();
        let t1 = db.tasks().update(&task_key("t1"), 1).set_points(3).await.unwrap();
        assert_eq!(t1.version, 2);
        let stored_comment = db.comments().put(&comment("c1")).await.unwrap();
        let items = raw_item_count(db.table()).await;
        assert_eq!(items, 4);
        // Every transaction starts with this update, which must never happen.
        let bump = || db.counters().update(&pad.key()).add_count(1);

        // `create` of an existing item.
        let result = db
            .transact_write()
            .update(bump())
            .put(db.tasks().create(&task("t1")))
            .send()
            .await;
        let error = refused_at(result, 1, "Task", Operation::Create);
        assert!(matches!(*error, Error::AlreadyExists { entity: "Task" }), "{error:?}");
        let result = db
            .transact_write()
            .update(bump())
            .put(db.comments().create(&comment("c1")))
            .send()
            .await;
        let error = refused_at(result, 1, "Comment", Operation::Create);
        assert!(
            matches!(*error, Error::AlreadyExists { entity: "Comment" }),
            "{error:?}"
        );

        // `update` of a missing item, unversioned and versioned.
        let result = db
            .transact_write()
            .update(bump())
            .update(db.counters().update(&counter_key("missing")).add_count(1))
            .send()
            .await;
        let error = refused_at(result, 1, "Counter", Operation::Update);
        assert!(matches!(*error, Error::NotFound { entity: "Counter" }), "{error:?}");
        let result = db
            .transact_write()
            .update(bump())
            .update(db.tasks().update(&task_key("missing"), 1).set_points(1))
            .send()
            .await;
        let error = refused_at(result, 1, "Task", Operation::Update);
        assert!(matches!(*error, Error::NotFound { entity: "Task" }), "{error:?}");

        // An update that sets nothing still requires the item.
        let result = db
            .transact_write()
            .update(bump())
            .update(db.counters().update(&counter_key("missing")))
            .send()
            .await;
        let error = refused_at(result, 1, "Counter", Operation::Update);
        assert!(matches!(*error, Error::NotFound { entity: "Counter" }), "{error:?}");

        // A versioned update, delete and put with a stale version.
        let result = db
            .transact_write()
            .update(bump())
            .update(
                db.tasks()
                    .update(&task_key("t1"), 1)
                    .set_priority(Priority::High, "Task t1"),
            )
            .send()
            .await;
        let error = refused_at(result, 1, "Task", Operation::Update);
        assert!(
            matches!(
                *error,
                Error::VersionConflict {
                    entity: "Task",
                    operation: Operation::Update,
                    expected: 1,
                    found: 2,
                    current: Some(_),
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.current::<Task>(), Some(&t1));
        let result = db
            .transact_write()
            .update(bump())
            .delete(db.tasks().delete(&task_key("t1"), 1))
            .send()
            .await;
        let error = refused_at(result, 1, "Task", Operation::Delete);
        assert!(
            matches!(
                *error,
                Error::VersionConflict {
                    entity: "Task",
                    operation: Operation::Delete,
                    expected: 1,
                    found: 2,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.current::<Task>(), Some(&t1));
        let stale = Task {
            version: 1,
            title: "stale".into(),
            ..t1.clone()
        };
        let result = db
            .transact_write()
            .update(bump())
            .put(db.tasks().put(&stale))
            .send()
            .await;
        let error = refused_at(result, 1, "Task", Operation::Put);
        assert!(
            matches!(
                *error,
                Error::VersionConflict {
                    entity: "Task",
                    operation: Operation::Put,
                    expected: 1,
                    found: 2,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.current::<Task>(), Some(&t1));
        let result = db
            .transact_write()
            .update(bump())
            .put(db.tasks().upsert(&stale))
            .send()
            .await;
        let error = refused_at(result, 1, "Task", Operation::Upsert);
        assert!(
            matches!(
                *error,
                Error::VersionConflict {
                    entity: "Task",
                    operation: Operation::Upsert,
                    expected: 1,
                    found: 2,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.current::<Task>(), Some(&t1));

        // `put` with a condition that does not hold.
        let result = db
            .transact_write()
            .update(bump())
            .put(db.counters().put(&counter("c", 6)).condition(|a| a.count.eq(99)))
            .send()
            .await;
        let error = refused_at(result, 1, "Counter", Operation::Put);
        assert!(
            matches!(
                *error,
                Error::ConditionFailed {
                    entity: "Counter",
                    operation: Operation::Put,
                    current: Some(_),
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.current::<Counter>(), Some(&stored_counter));
        // ... and an update's condition.
        let result = db
            .transact_write()
            .update(bump())
            .update(
                db.counters()
                    .update(&stored_counter.key())
                    .set_level(7)
                    .condition(|a| a.hits.gt(0_u64)),
            )
            .send()
            .await;
        let error = refused_at(result, 1, "Counter", Operation::Update);
        assert!(
            matches!(
                *error,
                Error::ConditionFailed {
                    entity: "Counter",
                    operation: Operation::Update,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.current::<Counter>(), Some(&stored_counter));

        // `delete_existing` of a missing item.
        let result = db
            .transact_write()
            .update(bump())
            .delete(db.comments().delete_existing(&comment_key("missing")))
            .send()
            .await;
        let error = refused_at(result, 1, "Comment", Operation::Delete);
        assert!(matches!(*error, Error::NotFound { entity: "Comment" }), "{error:?}");

        // Several refused actions are each named, in order, with their reason.
        let result = db
            .transact_write()
            .put(db.tasks().create(&task("t1")))
            .update(bump())
            .delete(db.comments().delete_existing(&comment_key("missing")))
            .send()
            .await;
        let actions = canceled(result);
        let causes: Vec<(usize, &str, Operation)> =
            actions.iter().map(|a| (a.position, a.entity, a.operation)).collect();
        assert_eq!(
            causes,
            [(0, "Task", Operation::Create), (2, "Comment", Operation::Delete)],
            "{actions:?}"
        );
        assert!(
            matches!(&actions[0].reason, CancelReason::Refused(e) if matches!(**e, Error::AlreadyExists { entity: "Task" })),
            "{actions:?}"
        );
        assert!(
            matches!(&actions[1].reason, CancelReason::Refused(e) if matches!(**e, Error::NotFound { entity: "Comment" })),
            "{actions:?}"
        );

        // None of those transactions changed anything.
        assert_eq!(raw_item_count(db.table()).await, items);
        assert_eq!(db.counters().get_consistent(&pad.key()).await.unwrap(), Some(pad));
        assert_eq!(
            db.counters().get_consistent(&stored_counter.key()).await.unwrap(),
            Some(stored_counter)
        );
        assert_eq!(db.tasks().get_consistent(&task_key("t1")).await.unwrap(), Some(t1));
        assert_eq!(
            db.comments().get_consistent(&comment_key("c1")).await.unwrap(),
            Some(stored_comment)
        );
    })
    .await;
}

#[tokio::test]
async fn versioned_writes_in_transactions_check_and_increment_the_version() {
    with_tasks("tx-versions", |db| async move {
        let before = Utc::now();
        db.transact_write()
            .put(db.tasks().create(&task("t1")))
            .send()
            .await
            .expect("create");
        let after = Utc::now();
        let created = db.tasks().get_consistent(&task_key("t1")).await.unwrap().unwrap();
        assert_eq!(created.version, 1);
        assert_written_between(created.created_at, created.updated_at, before, after);

        db.transact_write()
            .update(db.tasks().update(&task_key("t1"), 1).set_points(8))
            .send()
            .await
            .expect("update");
        let updated = db.tasks().get_consistent(&task_key("t1")).await.unwrap().unwrap();
        assert_eq!((updated.version, updated.points), (2, 8));
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        db.transact_write()
            .put(db.tasks().put(&Task {
                title: "put".into(),
                ..updated.clone()
            }))
            .send()
            .await
            .expect("put");
        let put = db.tasks().get_consistent(&task_key("t1")).await.unwrap().unwrap();
        assert_eq!((put.version, put.title.as_str()), (3, "put"));
        assert_eq!(put.created_at, put.updated_at, "`put` resets `createdAt`");

        // `upsert` keeps the stored `createdAt`, whatever the value holds.
        db.transact_write()
            .put(db.tasks().upsert(&Task {
                title: "upserted".into(),
                created_at: epoch(),
                ..put.clone()
            }))
            .send()
            .await
            .expect("upsert");
        let upserted = db.tasks().get_consistent(&task_key("t1")).await.unwrap().unwrap();
        assert_eq!((upserted.version, upserted.title.as_str()), (4, "upserted"));
        // (`put` started the item's life again: its `createdAt` is the one kept.)
        assert_eq!(upserted.created_at, put.created_at);

        db.transact_write()
            .delete(db.tasks().delete(&task_key("t1"), 4))
            .send()
            .await
            .expect("delete");
        assert_eq!(db.tasks().get_consistent(&task_key("t1")).await.unwrap(), None);
        assert_eq!(raw_item_count(db.table()).await, 0);
    })
    .await;
}

// ---------------------------------------------------------------------------
// 4. Updates in a transaction recompose index keys.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn closing_an_issue_in_a_transaction_moves_it_in_managed_and_activity() {
    with_vcs("tx-close-issue", |db| async move {
        use IssueStatus::{Closed, Open};
        let first = db.issues().put(&issue("o", "r", "1", "mgr", Open)).await.unwrap();
        let second = db.issues().put(&issue("o", "r", "2", "mgr", Open)).await.unwrap();
        let pr = pull_request("o", "r", "1", "mgr");

        let before = Utc::now();
        db.transact_write()
            .update(db.issues().update(&first.key()).set_status(Closed))
            .put(db.pull_requests().create(&pr))
            .send()
            .await
            .expect("transaction");

        let closed = db.issues().get_consistent(&first.key()).await.unwrap().unwrap();
        assert_eq!(closed.status, Closed);
        assert!(closed.updated_at >= before, "{} < {before}", closed.updated_at);
        assert_eq!(
            closed,
            Issue {
                status: Closed,
                updated_at: closed.updated_at,
                ..first.clone()
            }
        );

        let managed = || db.issues().managed(&IssueManagedPartition { username: "mgr".into() });
        assert_eq!(managed().status(Open).all().await.unwrap(), vec![second.clone()]);
        assert_eq!(managed().status(Closed).all().await.unwrap(), vec![closed.clone()]);
        let activity = || {
            db.issues().activity(&IssueActivityPartition {
                repo_owner: "o".into(),
                repo_name: "r".into(),
            })
        };
        assert_eq!(activity().status(Open).all().await.unwrap(), vec![second.clone()]);
        assert_eq!(
            activity().status(Closed).issue_number("1").all().await.unwrap(),
            vec![closed.clone()]
        );
        assert!(activity()
            .status(Open)
            .issue_number("1")
            .all()
            .await
            .unwrap()
            .is_empty());

        let collected: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: "o".into(),
                repo_name: "r".into(),
            })
            .collect()
            .await
            .unwrap();
        // Closed sorts before Open.
        assert_eq!(collected.issues, vec![closed.clone(), second.clone()]);
        assert_eq!(collected.pull_requests.len(), 1);
        let collected: ManagedCollection = db
            .managed(&ManagedCollectionKey { username: "mgr".into() })
            .collect()
            .await
            .unwrap();
        assert_eq!(collected.issues, vec![closed, second]);
        assert_eq!(collected.pull_requests.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn set_priority_in_a_transaction_rewrites_the_by_team_keys() {
    with_tasks("tx-set-priority", |db| async move {
        db.tasks()
            .create(&Task {
                assignee: Some("ann".into()),
                ..task("t1")
            })
            .await
            .unwrap();
        db.tasks().create(&task("t2")).await.unwrap();
        let team = TaskByTeamPartition { team: "core".into() };
        let by_team = |priority: Priority, title: &'static str| {
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
                task_ids(&found).into_iter().map(str::to_owned).collect::<Vec<_>>()
            }
        };
        assert_eq!(by_team(Priority::Low, "Task t1").await, ["t1"]);

        db.transact_write()
            .update(
                db.tasks()
                    .update(&task_key("t1"), 1)
                    .set_priority(Priority::High, "Task t1"),
            )
            .update(
                db.tasks()
                    .update(&task_key("t2"), 1)
                    .set_title("Renamed", Priority::Low),
            )
            .send()
            .await
            .expect("transaction");

        let t1 = db.tasks().get_consistent(&task_key("t1")).await.unwrap().unwrap();
        assert_eq!((t1.priority, t1.version), (Priority::High, 2));
        let t2 = db.tasks().get_consistent(&task_key("t2")).await.unwrap().unwrap();
        assert_eq!((t2.title.as_str(), t2.version), ("Renamed", 2));

        assert!(by_team(Priority::Low, "Task t1").await.is_empty());
        assert_eq!(by_team(Priority::High, "Task t1").await, ["t1"]);
        assert!(by_team(Priority::Low, "Task t2").await.is_empty());
        assert_eq!(by_team(Priority::Low, "Renamed").await, ["t2"]);
        let ann = db
            .tasks()
            .by_assignee(&TaskByAssigneePartition { assignee: "ann".into() });
        assert_eq!(ann.priority(Priority::High).all().await.unwrap(), vec![t1]);
    })
    .await;
}

// ---------------------------------------------------------------------------
// 5. Limits checked before sending.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn transactions_treat_expired_items_as_absent_and_keep_readonly_attributes() {
    with_tasks("tx-expired-readonly", |db| async move {
        let expired = Task {
            expires_at: Some(Utc::now() - Duration::minutes(5)),
            ..task("gone")
        };
        db.tasks().create(&expired).await.unwrap();
        db.comments()
            .create(&Comment {
                expires_at: Some(Utc::now() - Duration::minutes(5)),
                ..comment("c-gone")
            })
            .await
            .unwrap();

        // Updating an expired item: NotFound, as alone.
        let err = refused_at(
            db.transact_write()
                .update(db.tasks().update(&task_key("gone"), 1).set_points(3))
                .send()
                .await,
            0,
            "Task",
            Operation::Update,
        );
        assert!(matches!(*err, Error::NotFound { entity: "Task" }), "{err:?}");

        // Creating over expired items replaces them.
        db.transact_write()
            .put(db.tasks().create(&task("gone")))
            .put(db.comments().create(&comment("c-gone")))
            .send()
            .await
            .unwrap();
        let created = db.tasks().get_consistent(&task_key("gone")).await.unwrap().unwrap();
        assert_eq!((created.version, created.expires_at), (1, None));
        assert!(db
            .comments()
            .get_consistent(&comment_key("c-gone"))
            .await
            .unwrap()
            .is_some());

        // An upsert that changes the readonly `origin` is refused.
        let err = refused_at(
            db.transact_write()
                .put(db.tasks().upsert(&Task {
                    origin: "api".into(),
                    ..created.clone()
                }))
                .send()
                .await,
            0,
            "Task",
            Operation::Upsert,
        );
        assert!(
            matches!(&*err, Error::ConditionFailed { current: Some(_), .. }),
            "{err:?}"
        );
        assert_eq!(err.current::<Task>(), Some(&created));
        assert_eq!(
            db.tasks().get_consistent(&task_key("gone")).await.unwrap(),
            Some(created)
        );
    })
    .await;
}

#[tokio::test]
async fn more_than_100_actions_are_refused_before_sending() {
    with_tasks("tx-too-large", |db| async move {
        let counters: Vec<Counter> = (0..101).map(|i| counter(&format!("c{i:03}"), i)).collect();
        let mut transaction = db.transact_write();
        for c in &counters {
            transaction = transaction.put(db.counters().create(c));
        }
        assert_eq!(transaction.len(), 101);
        let result = transaction.send().await;
        assert!(
            matches!(result, Err(Error::TransactionTooLarge { actions: 101, max: 100 })),
            "{result:?}"
        );
        assert_eq!(raw_item_count(db.table()).await, 0);

        // 100 is allowed.
        let mut transaction = db.transact_write();
        for c in &counters[..100] {
            transaction = transaction.put(db.counters().create(c));
        }
        transaction.send().await.expect("a transaction of 100 actions");
        assert_eq!(raw_item_count(db.table()).await, 100);
    })
    .await;
}

#[tokio::test]
async fn two_actions_on_one_item_are_refused_before_sending() {
    with_vcs("tx-duplicate", |db| async move {
        let existing = db
            .issues()
            .put(&issue("o", "r", "1", "mgr", IssueStatus::Open))
            .await
            .unwrap();
        let new_issue = issue("o", "r", "9", "mgr", IssueStatus::Open);

        // A create and a check of one key.
        let result = db
            .transact_write()
            .put(db.issues().create(&new_issue))
            .check(&new_issue.key(), |a| a.status.eq(IssueStatus::Open))
            .send()
            .await;
        assert!(
            matches!(
                result,
                Err(Error::TransactionDuplicate {
                    entity: "Issue",
                    first: 0,
                    second: 1,
                })
            ),
            "{result:?}"
        );

        // An update and a delete of one item, apart; an issue and a pull
        // request with the same number are different items.
        let pr = pull_request("o", "r", "1", "mgr");
        let result = db
            .transact_write()
            .update(db.issues().update(&existing.key()).set_subject("changed"))
            .put(db.pull_requests().create(&pr))
            .put(db.issues().create(&new_issue))
            .delete(db.issues().delete_existing(&existing.key()))
            .send()
            .await;
        let message = result.as_ref().map_err(ToString::to_string).unwrap_err();
        assert!(
            matches!(
                result,
                Err(Error::TransactionDuplicate {
                    entity: "Issue",
                    first: 0,
                    second: 3,
                })
            ),
            "{result:?}"
        );
        assert_eq!(message, "actions 0 and 3 of the transaction are both on one Issue item");

        // Nothing was written.
        assert_eq!(raw_item_count(db.table()).await, 1);
        assert_eq!(
            db.issues().get_consistent(&existing.key()).await.unwrap(),
            Some(existing.clone())
        );

        // Without the delete, the same actions go through.
        db.transact_write()
            .update(db.issues().update(&existing.key()).set_subject("changed"))
            .put(db.pull_requests().create(&pr))
            .put(db.issues().create(&new_issue))
            .send()
            .await
            .expect("transaction of distinct items");
        assert_eq!(raw_item_count(db.table()).await, 3);
    })
    .await;
}

/// What a mocked client was sent: the idempotency token of every write
/// transaction, and how many transactional reads.
#[derive(Default)]
struct Sent {
    writes: Mutex<Vec<Option<String>>>,
    reads: Mutex<usize>,
}

/// A client whose `TransactWriteItems` and `TransactGetItems` answer
/// successfully without a network, recording what they were sent.
fn recording_client() -> (Client, Arc<Sent>) {
    let sent = Arc::new(Sent::default());
    let (seen_writes, seen_reads) = (sent.clone(), sent.clone());
    let write_rule = mock!(Client::transact_write_items).then_compute_output(move |input| {
        seen_writes
            .writes
            .lock()
            .unwrap()
            .push(input.client_request_token().map(str::to_owned));
        TransactWriteItemsOutput::builder().build()
    });
    let read_rule = mock!(Client::transact_get_items).then_compute_output(move |_| {
        *seen_reads.reads.lock().unwrap() += 1;
        TransactGetItemsOutput::builder().build()
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&write_rule, &read_rule]);
    (client, sent)
}

#[tokio::test]
async fn refused_and_empty_transactions_send_no_request() {
    let (client, sent) = recording_client();
    let db = Vcs::new(client, "mocked");

    let issues: Vec<Issue> = (0..101)
        .map(|i| issue("o", "r", &i.to_string(), "mgr", IssueStatus::Open))
        .collect();
    let mut transaction = db.transact_write();
    for i in &issues {
        transaction = transaction.put(db.issues().create(i));
    }
    let result = transaction.send().await;
    assert!(
        matches!(result, Err(Error::TransactionTooLarge { actions: 101, max: 100 })),
        "{result:?}"
    );

    let result = db
        .transact_write()
        .put(db.issues().create(&issues[0]))
        .check(&issues[0].key(), |a| a.status.eq(IssueStatus::Open))
        .send()
        .await;
    assert!(
        matches!(
            result,
            Err(Error::TransactionDuplicate {
                entity: "Issue",
                first: 0,
                second: 1
            })
        ),
        "{result:?}"
    );

    let empty = db.transact_write().idempotency_token("empty");
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
    empty.send().await.expect("an empty transaction is Ok");
    let read = db.transact_get().send().await.expect("an empty read is Ok");
    assert!(read.is_complete());
    assert_eq!(read.items::<Issue>().count(), 0);

    let mut too_many = db.transact_get();
    for i in &issues {
        too_many.get(&i.key()).unwrap();
    }
    let result = too_many.send().await;
    assert!(
        matches!(result, Err(Error::TransactionTooLarge { actions: 101, max: 100 })),
        "{:?}",
        result.err()
    );

    // An action that cannot be built is reported before sending, too.
    let tasks = Tasks::new(db.table().client().clone(), "mocked");
    let result = tasks
        .transact_write()
        .put(tasks.counters().create(&counter("c", 1)))
        .update(tasks.tasks().update(&task_key("t1"), 1).set_estimate(f64::NAN))
        .send()
        .await;
    assert!(
        matches!(
            result,
            Err(Error::InvalidValue {
                entity: "Task",
                attribute: "estimate",
                ..
            })
        ),
        "{result:?}"
    );

    assert!(
        sent.writes.lock().unwrap().is_empty(),
        "sent: {:?}",
        sent.writes.lock().unwrap()
    );
    assert_eq!(*sent.reads.lock().unwrap(), 0);

    // The mock does see a transaction that is sent, with its token.
    db.transact_write()
        .put(db.issues().create(&issues[0]))
        .idempotency_token("t-1")
        .send()
        .await
        .expect("mocked transaction");
    assert_eq!(*sent.writes.lock().unwrap(), vec![Some("t-1".to_owned())]);
    let mut read = db.transact_get();
    let ticket = read.get(&issues[0].key()).unwrap();
    let found = read.send().await.expect("mocked read");
    assert_eq!(found.get(ticket).unwrap(), None);
    assert_eq!(*sent.reads.lock().unwrap(), 1);
}

// ---------------------------------------------------------------------------
// 6. Idempotency tokens.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_same_token_with_the_same_actions_takes_effect_once() {
    with_tasks("tx-idempotent", |db| async move {
        db.counters().put(&counter("c", 0)).await.unwrap();
        let (first, second) = (token("add-1"), token("add-2"));
        let add_one = |token: &str| {
            db.transact_write()
                .update(db.counters().update(&counter_key("c")).add_count(1))
                .idempotency_token(token)
        };
        let transaction = add_one(&first);
        transaction.send().await.expect("first send");
        transaction.send().await.expect("the same transaction sent again");
        let count = |db: Tasks| async move {
            db.counters()
                .get_consistent(&counter_key("c"))
                .await
                .unwrap()
                .unwrap()
                .count
        };
        assert_eq!(
            count(db.clone()).await,
            1,
            "a repeated token must not apply the actions again"
        );

        // Another token is another transaction.
        add_one(&second).send().await.expect("another token");
        assert_eq!(count(db.clone()).await, 2);
        // Without a token, every send is a transaction of its own.
        db.transact_write()
            .update(db.counters().update(&counter_key("c")).add_count(1))
            .send()
            .await
            .unwrap();
        db.transact_write()
            .update(db.counters().update(&counter_key("c")).add_count(1))
            .send()
            .await
            .unwrap();
        assert_eq!(count(db.clone()).await, 4);

        // The same token with other actions is refused, and changes nothing.
        let result = db
            .transact_write()
            .update(db.counters().update(&counter_key("c")).add_count(5))
            .idempotency_token(first.as_str())
            .send()
            .await;
        match &result {
            Err(Error::Sdk {
                operation: Operation::TransactWrite,
                source,
                ..
            }) => assert!(
                format!("{source:?}").contains("IdempotentParameterMismatch"),
                "{source:?}"
            ),
            other => panic!("expected IdempotentParameterMismatch, got {other:?}"),
        }
        assert_eq!(count(db.clone()).await, 4);
    })
    .await;
}

/// Every entity with `updatedAt` or a version: the transaction a caller
/// sends again with its token (after a timeout, say) must be taken as the
/// same transaction, not refused.
#[tokio::test]
async fn resending_a_timestamped_transaction_with_its_token_takes_effect_once() {
    with_vcs("tx-idempotent-timestamps", |db| async move {
        let open = db
            .issues()
            .put(&issue("o", "r", "1", "mgr", IssueStatus::Open))
            .await
            .unwrap();
        let new_pr = pull_request("o", "r", "1", "mgr");
        let close = token("close");
        // Timestamps are fixed when the actions are added, so sending the
        // same transaction again sends the same requests.
        let transaction = db
            .transact_write()
            .update(db.issues().update(&open.key()).set_subject("retitled"))
            .put(db.pull_requests().create(&new_pr))
            .idempotency_token(close.as_str());
        transaction.send().await.expect("first send");
        let issue_after_first = db.issues().get_consistent(&open.key()).await.unwrap();
        let pr_after_first = db.pull_requests().get_consistent(&new_pr.key()).await.unwrap();
        assert_eq!(issue_after_first.as_ref().map(|i| i.subject.as_str()), Some("retitled"));
        assert!(pr_after_first.is_some());

        let again = transaction.send().await;
        assert!(
            again.is_ok(),
            "the same transaction sent again with its token must succeed, got {again:?}"
        );
        // Taken once: neither item was written again.
        assert_eq!(
            db.issues().get_consistent(&open.key()).await.unwrap(),
            issue_after_first
        );
        assert_eq!(
            db.pull_requests().get_consistent(&new_pr.key()).await.unwrap(),
            pr_after_first
        );
    })
    .await;
}

// ---------------------------------------------------------------------------
// 7. Transactional reads.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn transact_get_reads_items_of_several_entities_typed() {
    with_vcs("tx-get", |db| async move {
        let user = db.users().put(&octocat()).await.unwrap();
        let repo = db
            .repositories()
            .put(&repository("octocat", "hello-world", false))
            .await
            .unwrap();
        let issue_1 = db
            .issues()
            .put(&issue("octocat", "hello-world", "1", "torvalds", IssueStatus::Open))
            .await
            .unwrap();
        let pr_1 = db
            .pull_requests()
            .put(&pull_request("octocat", "hello-world", "1", "torvalds"))
            .await
            .unwrap();

        let mut get = db.transact_get();
        let user_ticket = get.get(&user.key()).unwrap();
        let repo_ticket = get.get(&repo.key()).unwrap();
        let issue_ticket = get.get(&issue_key("octocat", "hello-world", "1")).unwrap();
        let missing_issue = get.get(&issue_key("octocat", "hello-world", "404")).unwrap();
        let pr_ticket = get.get(&pull_request_key("octocat", "hello-world", "1")).unwrap();
        let missing_pr = get.get(&pull_request_key("octocat", "nowhere", "1")).unwrap();
        let issue_again = get.get(&issue_key("octocat", "hello-world", "1")).unwrap();
        // A key added twice is read once: both tickets name one slot.
        assert_eq!(format!("{issue_again:?}"), format!("{issue_ticket:?}"));
        let found = get.send().await.expect("transact get");

        assert_eq!(found.get(user_ticket).unwrap(), Some(&user));
        assert_eq!(found.get(repo_ticket).unwrap(), Some(&repo));
        assert_eq!(found.get(issue_ticket).unwrap(), Some(&issue_1));
        assert_eq!(found.get(issue_again).unwrap(), Some(&issue_1));
        assert_eq!(found.get(pr_ticket).unwrap(), Some(&pr_1));
        assert_eq!(found.get(missing_issue).unwrap(), None);
        assert_eq!(found.get(missing_pr).unwrap(), None);
        assert!(found.is_complete());
        assert!(found.leftovers().is_empty());
        assert_eq!(found.items::<Issue>().collect::<Vec<_>>(), vec![&issue_1]);
        assert_eq!(found.items::<PullRequest>().collect::<Vec<_>>(), vec![&pr_1]);

        // A read of only missing keys.
        let mut get = db.transact_get();
        let nothing = get.get(&issue_key("x", "y", "z")).unwrap();
        let found = get.send().await.unwrap();
        assert_eq!(found.get(nothing).unwrap(), None);

        // 100 distinct keys are allowed (a duplicate does not count); 101 are not.
        let mut get = db.transact_get();
        let mut tickets = Vec::new();
        for i in 0..100 {
            tickets.push(get.get(&issue_key("octocat", "hello-world", &i.to_string())).unwrap());
        }
        get.get(&issue_key("octocat", "hello-world", "1")).unwrap();
        let found = get.send().await.expect("transact get of 100 keys");
        for (i, ticket) in tickets.into_iter().enumerate() {
            let expected = (i == 1).then_some(&issue_1);
            assert_eq!(found.get(ticket).unwrap(), expected, "key {i}");
        }
        let mut get = db.transact_get();
        for i in 0..101 {
            get.get(&issue_key("octocat", "hello-world", &i.to_string())).unwrap();
        }
        let result = get.send().await;
        assert!(
            matches!(result, Err(Error::TransactionTooLarge { actions: 101, max: 100 })),
            "{:?}",
            result.err()
        );

        // A stored item that does not decode is an error for its ticket
        // only; the other tickets read fine.
        let broken = issue("octocat", "hello-world", "7", "torvalds", IssueStatus::Open);
        db.issues().put(&broken).await.unwrap();
        db.table()
            .client()
            .update_item()
            .table_name(db.table().name())
            .set_key(Some(broken.key().to_key().unwrap()))
            .update_expression("SET #s = :s")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":s", AttributeValue::S("Bogus".into()))
            .send()
            .await
            .expect("raw update");
        let mut get = db.transact_get();
        let broken_ticket = get.get(&broken.key()).unwrap();
        let user_ticket = get.get(&user.key()).unwrap();
        let found = get.send().await.expect("transact get");
        match found.get(broken_ticket) {
            Err(Error::Decode(DecodeError {
                entity: "Issue",
                ref attribute,
                ..
            })) if attribute == "status" => {}
            other => panic!("expected a decode error of `status`, got {other:?}"),
        }
        assert_eq!(found.get(user_ticket).unwrap(), Some(&user));
    })
    .await;
}

#[tokio::test]
async fn transact_get_hides_expired_items_like_every_read() {
    with_tasks("tx-get-expired", |db| async move {
        let live = db.comments().put(&comment("live")).await.unwrap();
        db.comments()
            .put(&Comment {
                expires_at: Some(Utc::now() - dyngen_runtime::chrono::Duration::hours(1)),
                ..comment("expired")
            })
            .await
            .unwrap();
        let mut get = db.transact_get();
        let live_ticket = get.get(&comment_key("live")).unwrap();
        let expired_ticket = get.get(&comment_key("expired")).unwrap();
        let found = get.send().await.unwrap();
        assert_eq!(found.get(live_ticket).unwrap(), Some(&live));
        assert_eq!(found.get(expired_ticket).unwrap(), None);
        assert_eq!(raw_item_count(db.table()).await, 2);
    })
    .await;
}

// ---------------------------------------------------------------------------
// 8. An empty transaction.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_empty_transaction_is_ok_and_writes_nothing() {
    with_vcs("tx-empty", |db| async move {
        let transaction = db.transact_write();
        assert!(transaction.is_empty());
        transaction.send().await.expect("an empty transaction");
        db.transact_write()
            .idempotency_token("empty")
            .send()
            .await
            .expect("an empty transaction with a token");
        let found = db.transact_get().send().await.expect("an empty read");
        assert!(found.is_complete());
        assert_eq!(raw_item_count(db.table()).await, 0);
    })
    .await;
}
