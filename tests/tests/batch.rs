//! Batch reads and writes (`runtime/src/batch.rs`) through the generated
//! clients against DynamoDB Local: keys and items of several entities in one
//! batch, more than one request's worth of them, duplicates (read once; the
//! last write wins), missing items, a bulk load of 10,000 items read back by
//! batch get and by queries, limits checked before anything is sent, expired
//! items hidden, and the unversioned entities of another schema.
//!
//! Every request the batches send is recorded by an interceptor on the
//! client, so the tests also see how the batches were split up.
//!
//! Every test runs in its own table, so they run in parallel.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::Client;
use dyngen_example_vcs::vcs::*;
use dyngen_goldens::writes::{
    Comment, CommentKey, CommentOnBoardPartition, Counter, CounterKey, Page, PageKey, PagePartition, Tasks,
};
use dyngen_runtime::chrono::{DateTime, Duration, DurationRound as _, Utc};
use dyngen_runtime::{Entity, Error, GetResult, Ticket};
use dyngen_tests::run_with_table as run;
use futures::StreamExt as _;

// ---------------------------------------------------------------------------
// Recording the batch requests sent.
// ---------------------------------------------------------------------------

/// The size of every `BatchGetItem` (keys) and `BatchWriteItem` (requests)
/// call made through a client, in the order they were made.
#[derive(Debug, Default)]
struct Requests {
    gets: Mutex<Vec<usize>>,
    writes: Mutex<Vec<usize>>,
}

impl Requests {
    fn gets(&self) -> Vec<usize> {
        self.gets.lock().unwrap().clone()
    }

    fn writes(&self) -> Vec<usize> {
        self.writes.lock().unwrap().clone()
    }

    fn clear(&self) {
        self.gets.lock().unwrap().clear();
        self.writes.lock().unwrap().clear();
    }
}

#[derive(Debug, Clone)]
struct Recorder(Arc<Requests>);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "batch-request-recorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let input = context.input();
        if let Some(get) = input.downcast_ref::<BatchGetItemInput>() {
            let keys = get
                .request_items()
                .map_or(0, |tables| tables.values().map(|k| k.keys().len()).sum());
            self.0.gets.lock().unwrap().push(keys);
        } else if let Some(write) = input.downcast_ref::<BatchWriteItemInput>() {
            let requests = write
                .request_items()
                .map_or(0, |tables| tables.values().map(Vec::len).sum());
            self.0.writes.lock().unwrap().push(requests);
        }
        Ok(())
    }
}

/// The same client, recording the batch requests it sends.
fn recorded(client: Client) -> (Client, Arc<Requests>) {
    let requests = Arc::new(Requests::default());
    let config = client
        .config()
        .to_builder()
        .interceptor(Recorder(requests.clone()))
        .build();
    (Client::from_conf(config), requests)
}

/// A vcs table with a recording client.
async fn vcs(client: Client, table: String) -> (Vcs, Arc<Requests>) {
    let (client, requests) = recorded(client);
    let db = Vcs::new(client, table);
    db.table().create_if_missing().await.expect("create table");
    (db, requests)
}

/// A tasks table with a recording client.
async fn tasks(client: Client, table: String) -> (Tasks, Arc<Requests>) {
    let (client, requests) = recorded(client);
    let db = Tasks::new(client, table);
    db.table().create_if_missing().await.expect("create table");
    (db, requests)
}

// ---------------------------------------------------------------------------
// Data.
// ---------------------------------------------------------------------------

/// A timestamp with nanoseconds, to see them survive a round trip.
fn created() -> DateTime<Utc> {
    DateTime::from_timestamp(1_715_949_296, 123_456_789).expect("valid timestamp")
}

fn user(username: &str) -> User {
    User {
        username: username.to_owned(),
        full_name: format!("Full name of {username}"),
        bio: format!("Bio of {username}"),
        location: "Somewhere".to_owned(),
        created_at: created(),
        updated_at: created(),
    }
}

fn user_key(username: &str) -> UserKey {
    UserKey {
        username: username.to_owned(),
    }
}

fn repository(owner: &str, name: &str) -> Repository {
    Repository {
        counters: ::std::default::Default::default(),
        repo_name: name.to_owned(),
        repo_owner: owner.to_owned(),
        username: owner.to_owned(),
        about: format!("About {owner}/{name}"),
        description: format!("Description of {owner}/{name}"),
        is_private: name.len() % 2 == 0,
        default_branch: "main".to_owned(),
        created_at: created(),
        updated_at: created(),
    }
}

fn repository_key(owner: &str, name: &str) -> RepositoryKey {
    RepositoryKey {
        repo_owner: owner.to_owned(),
        repo_name: name.to_owned(),
    }
}

fn issue(owner: &str, repo: &str, number: &str, username: &str, status: IssueStatus) -> Issue {
    Issue {
        issue_number: number.to_owned(),
        repo_name: repo.to_owned(),
        repo_owner: owner.to_owned(),
        username: username.to_owned(),
        subject: format!("Issue {number} of {owner}/{repo}"),
        body: format!("Body of issue {number} of {owner}/{repo}, opened by {username}"),
        status,
        created_at: created(),
        updated_at: created(),
    }
}

fn issue_key(owner: &str, repo: &str, number: &str) -> IssueKey {
    IssueKey {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
        issue_number: number.to_owned(),
    }
}

fn pull_request(owner: &str, repo: &str, number: &str, username: &str) -> PullRequest {
    PullRequest {
        pull_request_number: number.to_owned(),
        repo_name: repo.to_owned(),
        repo_owner: owner.to_owned(),
        username: username.to_owned(),
        subject: format!("Pull request {number} of {owner}/{repo}"),
        body: format!("Body of pull request {number}"),
        status: IssueStatus::Open,
        created_at: created(),
        updated_at: created(),
    }
}

fn pull_request_key(owner: &str, repo: &str, number: &str) -> PullRequestKey {
    PullRequestKey {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
        pull_request_number: number.to_owned(),
    }
}

/// `item` with both maintained timestamps set to one fixed time: compares
/// everything else.
fn untimed<E: Entity>(item: &E) -> E {
    let mut item = item.clone();
    item.touch(created());
    item
}

/// Asserts that a batch put stamped `createdAt` and `updatedAt` with one
/// time between `before` and `after`.
fn assert_stamped(
    what: &str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    before: DateTime<Utc>,
    after: DateTime<Utc>,
) {
    assert_eq!(created_at, updated_at, "{what}: createdAt and updatedAt");
    assert!(
        before <= created_at && created_at <= after,
        "{what}: stamped {created_at}, not between {before} and {after}"
    );
}

/// Asserts that a batch get read every key: a key without an item is read
/// as missing (`Ok(None)`), not left over.
fn assert_complete(result: &GetResult) {
    let leftovers = result.leftovers();
    assert!(
        result.is_complete() && leftovers.is_empty(),
        "{} keys left over, e.g. {:?}",
        leftovers.len(),
        &leftovers[..leftovers.len().min(4)]
    );
}

/// Number of items in the table, by a raw (consistent) scan.
async fn raw_item_count(client: &Client, table: &str) -> usize {
    let mut count = 0;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("raw scan");
        count += page.count() as usize;
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return count,
        }
    }
}

// ---------------------------------------------------------------------------
// 1. Batch get across entities.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn batch_get_reads_every_entity_dedupes_keys_and_reports_missing_items() {
    run("batch-get", |client, table| async move {
        let (db, requests) = vcs(client, table).await;

        // 3 users, 3 repositories, 250 issues and 10 pull requests, written
        // one by one (the batch get is what is tested here).
        let users: Vec<User> = (0..3).map(|u| user(&format!("user{u}"))).collect();
        let repos: Vec<Repository> = (0..3)
            .map(|r| repository(&format!("user{r}"), &format!("repo{r}")))
            .collect();
        let issues: Vec<Issue> = (0..250)
            .map(|i| {
                let r = &repos[i % 3];
                let status = if i % 4 == 0 {
                    IssueStatus::Closed
                } else {
                    IssueStatus::Open
                };
                issue(
                    &r.repo_owner,
                    &r.repo_name,
                    &i.to_string(),
                    &users[(i / 3) % 3].username,
                    status,
                )
            })
            .collect();
        let prs: Vec<PullRequest> = (0..10)
            .map(|p| {
                let r = &repos[p % 3];
                pull_request(
                    &r.repo_owner,
                    &r.repo_name,
                    &p.to_string(),
                    &users[(p + 1) % 3].username,
                )
            })
            .collect();

        let mut written_users = Vec::new();
        for u in &users {
            written_users.push(db.users().put(u).await.expect("put user"));
        }
        let mut written_repos = Vec::new();
        for r in &repos {
            written_repos.push(db.repositories().put(r).await.expect("put repository"));
        }
        let mut written_prs = Vec::new();
        for p in &prs {
            written_prs.push(db.pull_requests().put(p).await.expect("put pull request"));
        }
        let written_issues: Vec<Issue> = futures::stream::iter(issues.clone())
            .map(|i| {
                let db = db.clone();
                async move { db.issues().put(&i).await.expect("put issue") }
            })
            .buffered(16)
            .collect()
            .await;
        assert_eq!(written_issues.len(), 250);
        requests.clear();

        // The issues are asked for in a shuffled order: 101 is prime to 250.
        let order: Vec<usize> = (0..250).map(|j| (j * 101) % 250).collect();
        assert_eq!(order.iter().collect::<BTreeSet<_>>().len(), 250);

        let mut get = db.batch_get();
        let t_user0: Ticket<User> = get.get(&user_key("user0")).unwrap();
        let t_repo1: Ticket<Repository> = get.get(&repository_key("user1", "repo1")).unwrap();
        let t_ghost = get.get(&user_key("ghost")).unwrap();
        let mut issue_tickets: Vec<(usize, Ticket<Issue>)> = Vec::new();
        for &i in &order[..130] {
            let it = &issues[i];
            issue_tickets.push((i, get.get(&it.key()).unwrap()));
        }
        // Duplicates: ten issues and a user asked for again.
        let mut duplicate_tickets: Vec<(usize, Ticket<Issue>)> = Vec::new();
        for &i in &order[..10] {
            duplicate_tickets.push((i, get.get(&issues[i].key()).unwrap()));
        }
        let t_user0_again = get.get(&user_key("user0")).unwrap();
        let pr_tickets: Vec<Ticket<PullRequest>> = prs.iter().map(|p| get.get(&p.key()).unwrap()).collect();
        // Missing items: a pull request and issues in existing repositories,
        // an issue of a repository that does not exist, and a repository key
        // whose partition holds other items.
        let t_missing_pr = get.get(&pull_request_key("user0", "repo0", "999")).unwrap();
        let missing_issue_tickets: Vec<Ticket<Issue>> = (1000..1005)
            .map(|n| get.get(&issue_key("user1", "repo1", &n.to_string())).unwrap())
            .collect();
        let t_issue_nowhere = get.get(&issue_key("nobody", "nothing", "1")).unwrap();
        let t_missing_repo = get.get(&repository_key("user0", "repo1")).unwrap();
        for &i in &order[130..] {
            issue_tickets.push((i, get.get(&issues[i].key()).unwrap()));
        }
        let t_user1 = get.get(&user_key("user1")).unwrap();
        let t_user2 = get.get(&user_key("user2")).unwrap();
        let t_repo0 = get.get(&repository_key("user0", "repo0")).unwrap();
        let t_repo2 = get.get(&repository_key("user2", "repo2")).unwrap();
        // A duplicate added after many other keys.
        let t_late_duplicate = get.get(&issues[order[249]].key()).unwrap();

        let result = get.send().await.expect("batch get");

        // Distinct keys: 3 + 1 users, 3 + 1 repositories, 250 + 6 issues,
        // 10 + 1 pull requests. Each is sent once, in requests of at most 100.
        let distinct = 4 + 4 + 256 + 11;
        let sent = requests.gets();
        assert_eq!(sent.iter().sum::<usize>(), distinct, "keys sent: {sent:?}");
        assert!(sent.iter().all(|&n| (1..=100).contains(&n)), "request sizes: {sent:?}");
        assert_eq!(sent.len(), 3, "request sizes: {sent:?}");

        // Typed results per entity.
        let found_user0: Option<&User> = result.get(t_user0).unwrap();
        assert_eq!(found_user0, Some(&written_users[0]));
        assert_eq!(result.get(t_user1).unwrap(), Some(&written_users[1]));
        assert_eq!(result.get(t_user2).unwrap(), Some(&written_users[2]));
        let found_repo1: Option<&Repository> = result.get(t_repo1).unwrap();
        assert_eq!(found_repo1, Some(&written_repos[1]));
        assert_eq!(result.get(t_repo0).unwrap(), Some(&written_repos[0]));
        assert_eq!(result.get(t_repo2).unwrap(), Some(&written_repos[2]));
        for (t, expected) in pr_tickets.iter().zip(&written_prs) {
            let found: Option<&PullRequest> = result.get(*t).unwrap();
            assert_eq!(found, Some(expected));
        }
        for &(i, t) in &issue_tickets {
            let found: Option<&Issue> = result.get(t).unwrap();
            assert_eq!(found, Some(&written_issues[i]), "issue {i}");
        }

        // Duplicates: both tickets see the one item read.
        for &(i, t) in &duplicate_tickets {
            let first = issue_tickets.iter().find(|(j, _)| *j == i).unwrap().1;
            let (a, b) = (result.get(first).unwrap().unwrap(), result.get(t).unwrap().unwrap());
            assert_eq!(a, &written_issues[i]);
            assert!(std::ptr::eq(a, b), "issue {i}: both tickets see the same read");
        }
        let (a, b) = (
            result.get(t_user0).unwrap().unwrap(),
            result.get(t_user0_again).unwrap().unwrap(),
        );
        assert!(std::ptr::eq(a, b));
        assert_eq!(result.get(t_late_duplicate).unwrap(), Some(&written_issues[order[249]]));

        // `items` in the order the keys were first added, each item once.
        let issue_order: Vec<&str> = result.items::<Issue>().map(|i| i.issue_number.as_str()).collect();
        let expected_order: Vec<String> = order.iter().map(|i| i.to_string()).collect();
        assert_eq!(issue_order, expected_order);
        let users_read: Vec<&User> = result.items::<User>().collect();
        assert_eq!(
            users_read,
            vec![&written_users[0], &written_users[1], &written_users[2]]
        );
        let repos_read: Vec<&Repository> = result.items::<Repository>().collect();
        assert_eq!(
            repos_read,
            vec![&written_repos[1], &written_repos[0], &written_repos[2]]
        );
        let prs_read: Vec<&PullRequest> = result.items::<PullRequest>().collect();
        assert_eq!(prs_read, written_prs.iter().collect::<Vec<_>>());

        // The same keys, read consistently by concurrent requests: the same
        // result.
        requests.clear();
        let mut get = db.batch_get().consistent().concurrency(3);
        let tickets: Vec<Ticket<Issue>> = order.iter().map(|&i| get.get(&issues[i].key()).unwrap()).collect();
        let t_missing = get.get(&issue_key("user1", "repo1", "1000")).unwrap();
        let t_user = get.get(&user_key("user2")).unwrap();
        let again = get.send().await.expect("consistent batch get");
        for (t, &i) in tickets.iter().zip(&order) {
            assert_eq!(again.get(*t).unwrap(), Some(&written_issues[i]));
        }
        assert_eq!(again.get(t_user).unwrap(), Some(&written_users[2]));
        let issue_order: Vec<&str> = again.items::<Issue>().map(|i| i.issue_number.as_str()).collect();
        assert_eq!(issue_order, expected_order);
        let sent = requests.gets();
        assert_eq!(sent.iter().sum::<usize>(), 252, "keys sent: {sent:?}");
        assert!(sent.iter().all(|&n| n <= 100), "request sizes: {sent:?}");

        // An empty batch reads nothing and sends nothing.
        requests.clear();
        let empty = db.batch_get().send().await.expect("empty batch get");
        assert_complete(&empty);
        assert_eq!(empty.items::<Issue>().count(), 0);
        assert!(requests.gets().is_empty());

        // Keys without an item are read as missing: `Ok(None)`, not errors,
        // and not left over. (Checked last, so that a failure here does not
        // hide the checks above.)
        assert_eq!(result.get(t_ghost).unwrap(), None);
        assert_eq!(result.get(t_missing_pr).unwrap(), None);
        for t in &missing_issue_tickets {
            assert_eq!(result.get(*t).unwrap(), None);
        }
        assert_eq!(result.get(t_issue_nowhere).unwrap(), None);
        assert_eq!(result.get(t_missing_repo).unwrap(), None);
        assert_complete(&result);
        assert_eq!(again.get(t_missing).unwrap(), None);
        assert_complete(&again);
    })
    .await;
}

/// The smallest case of what the test above checks last: a key without an
/// item is read (as `Ok(None)`), sent once and not left over.
#[tokio::test]
async fn batch_get_of_a_key_without_an_item_is_ok_none_not_a_leftover() {
    run("batch-get-missing", |client, table| async move {
        let (db, requests) = vcs(client, table).await;
        let octocat = db.users().put(&user("octocat")).await.unwrap();
        requests.clear();

        let mut get = db.batch_get();
        let found = get.get(&octocat.key()).unwrap();
        let missing_user = get.get(&user_key("ghost")).unwrap();
        let missing_issue = get.get(&issue_key("octocat", "hello-world", "1")).unwrap();
        let result = get.send().await.expect("batch get");

        assert_eq!(result.get(found).unwrap(), Some(&octocat));
        assert_eq!(requests.gets(), vec![3], "each key sent once, none retried");
        assert!(
            matches!(result.get(missing_user), Ok(None)),
            "a user that does not exist: {:?}",
            result.get(missing_user)
        );
        assert!(
            matches!(result.get(missing_issue), Ok(None)),
            "an issue that does not exist: {:?}",
            result.get(missing_issue)
        );
        assert_complete(&result);
    })
    .await;
}

// ---------------------------------------------------------------------------
// 2. Batch write of puts and deletes across entities.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn batch_write_puts_and_deletes_across_entities_and_the_last_write_wins() {
    run("batch-write", |client, table| async move {
        let (db, requests) = vcs(client.clone(), table.clone()).await;

        // What is there before the batch.
        let old_users: Vec<User> = ["old0", "old1"].iter().map(|u| user(u)).collect();
        for u in &old_users {
            db.users().put(u).await.unwrap();
        }
        db.repositories().put(&repository("old0", "r")).await.unwrap();
        let mut old_issues = Vec::new();
        for n in 1..=5 {
            let it = issue("old0", "r", &n.to_string(), "old1", IssueStatus::Open);
            old_issues.push(db.issues().put(&it).await.unwrap());
        }
        let old_pr = db
            .pull_requests()
            .put(&pull_request("old0", "r", "1", "old1"))
            .await
            .unwrap();
        db.pull_requests()
            .put(&pull_request("old0", "r", "2", "old1"))
            .await
            .unwrap();
        requests.clear();

        let new_issues: Vec<Issue> = (1..=30)
            .map(|n| issue("new", "r", &format!("{n:02}"), "writer", IssueStatus::Open))
            .collect();
        let new_users = vec![user("new"), user("writer")];
        let new_repo = repository("new", "r");
        let new_prs: Vec<PullRequest> = (1..=2)
            .map(|n| pull_request("new", "r", &n.to_string(), "writer"))
            .collect();

        let before = Utc::now();
        let mut w = db.batch_write();
        for it in &new_issues {
            w.put(it).unwrap();
        }
        for u in &new_users {
            w.put(u).unwrap();
        }
        w.put(&new_repo).unwrap();
        for p in &new_prs {
            w.put(p).unwrap();
        }
        // Plain deletes of existing items of three entities.
        w.delete(&issue_key("old0", "r", "1")).unwrap();
        w.delete(&issue_key("old0", "r", "2")).unwrap();
        w.delete(&user_key("old0")).unwrap();
        w.delete(&pull_request_key("old0", "r", "1")).unwrap();
        // Put, then delete: absent (a new item and an existing one).
        w.put(&issue("new", "r", "31", "writer", IssueStatus::Open)).unwrap();
        w.delete(&issue_key("new", "r", "31")).unwrap();
        let mut changed_3 = old_issues[2].clone();
        changed_3.subject = "changed, then deleted".to_owned();
        w.put(&changed_3).unwrap();
        w.delete(&changed_3.key()).unwrap();
        // Delete, then put: present with the put's value (an existing item
        // and a new one).
        let mut changed_4 = old_issues[3].clone();
        changed_4.subject = "deleted, then written again".to_owned();
        changed_4.status = IssueStatus::Closed;
        w.delete(&changed_4.key()).unwrap();
        w.put(&changed_4).unwrap();
        let phoenix = user("phoenix");
        w.delete(&phoenix.key()).unwrap();
        w.put(&phoenix).unwrap();
        // Put, then put again: the second value.
        let mut second = new_issues[0].clone();
        second.subject = "the second put".to_owned();
        second.status = IssueStatus::Closed;
        w.put(&second).unwrap();
        // Delete, then delete: one delete.
        w.delete(&pull_request_key("old0", "r", "2")).unwrap();
        w.delete(&pull_request_key("old0", "r", "2")).unwrap();

        // 30 + 2 + 1 + 2 puts, 4 deletes, issue 31, old issues 3 and 4,
        // phoenix, pull request 2: the repeated requests count once.
        let distinct = 30 + 2 + 1 + 2 + 4 + 1 + 2 + 1 + 1;
        assert_eq!(w.len(), distinct);
        assert!(!w.is_empty());
        let outcome = w.send().await.expect("batch write");
        let after = Utc::now();
        assert_eq!(outcome.written, distinct);
        assert!(outcome.leftovers.is_empty(), "{:?}", outcome.leftovers);
        let sent = requests.writes();
        assert_eq!(sent.iter().sum::<usize>(), distinct, "requests sent: {sent:?}");
        assert!(sent.iter().all(|&n| (1..=25).contains(&n)), "request sizes: {sent:?}");
        assert_eq!(sent.len(), 2, "request sizes: {sent:?}");

        // Read back: the new issues, the first one with its second value.
        let read = db
            .issues()
            .query(&IssuePartition {
                repo_owner: "new".into(),
                repo_name: "r".into(),
            })
            .consistent()
            .all()
            .await
            .unwrap();
        let mut expected: Vec<Issue> = new_issues.clone();
        expected[0] = second.clone();
        assert_eq!(read.len(), 30, "issue 31 was put, then deleted");
        for (got, want) in read.iter().zip(&expected) {
            assert_eq!(untimed(got), untimed(want));
            assert_stamped(&got.issue_number, got.created_at, got.updated_at, before, after);
        }
        assert_eq!(
            db.issues().get_consistent(&issue_key("new", "r", "31")).await.unwrap(),
            None
        );

        // The old repository's issues: 1 and 2 deleted, 3 put then deleted,
        // 4 deleted then put, 5 untouched.
        let old = db
            .issues()
            .query(&IssuePartition {
                repo_owner: "old0".into(),
                repo_name: "r".into(),
            })
            .consistent()
            .all()
            .await
            .unwrap();
        assert_eq!(old.len(), 2, "{old:?}");
        assert_eq!(untimed(&old[0]), untimed(&changed_4));
        assert_stamped("issue 4", old[0].created_at, old[0].updated_at, before, after);
        assert_eq!(old[1], old_issues[4], "issue 5 is untouched, timestamps included");

        // The other entities.
        for u in new_users.iter().chain([&phoenix]) {
            let got = db
                .users()
                .get_consistent(&u.key())
                .await
                .unwrap()
                .expect("user written");
            assert_eq!(untimed(&got), untimed(u));
            assert_stamped(&got.username, got.created_at, got.updated_at, before, after);
        }
        assert_eq!(db.users().get_consistent(&user_key("old0")).await.unwrap(), None);
        assert_eq!(
            db.users()
                .get_consistent(&user_key("old1"))
                .await
                .unwrap()
                .map(|u| untimed(&u)),
            Some(untimed(&old_users[1]))
        );
        let got = db
            .repositories()
            .get_consistent(&new_repo.key())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(untimed(&got), untimed(&new_repo));
        assert!(db
            .repositories()
            .get_consistent(&repository_key("old0", "r"))
            .await
            .unwrap()
            .is_some());
        for p in &new_prs {
            let got = db.pull_requests().get_consistent(&p.key()).await.unwrap().unwrap();
            assert_eq!(untimed(&got), untimed(p));
        }
        assert_eq!(db.pull_requests().get_consistent(&old_pr.key()).await.unwrap(), None);
        assert_eq!(
            db.pull_requests()
                .get_consistent(&pull_request_key("old0", "r", "2"))
                .await
                .unwrap(),
            None
        );

        // Index keys were written by the batch puts like by single puts: the
        // managed index finds the writer's issues (the closed one first).
        let managed = db
            .issues()
            .managed(&IssueManagedPartition {
                username: "writer".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(managed.len(), 30);
        assert_eq!(managed[0].subject, "the second put");

        // Everything in the table: users old1, phoenix, new and writer, 2
        // repositories, 30 + 2 issues, 2 pull requests.
        assert_eq!(raw_item_count(&client, &table).await, 4 + 2 + 32 + 2);

        // An empty batch writes nothing and sends nothing.
        requests.clear();
        let w = db.batch_write();
        assert!(w.is_empty());
        let outcome = w.send().await.expect("empty batch write");
        assert_eq!(outcome.written, 0);
        assert!(outcome.leftovers.is_empty());
        assert!(requests.writes().is_empty());
    })
    .await;
}

// ---------------------------------------------------------------------------
// 3. Bulk load of 10,000 items.
// ---------------------------------------------------------------------------

const BULK_USERS: usize = 5;
const BULK_REPOS: usize = 5;
const BULK_ISSUES: usize = 10_000 - BULK_USERS - BULK_REPOS;

fn bulk_issue(i: usize) -> Issue {
    let repo = i % BULK_REPOS;
    let author = (i / 3) % BULK_USERS;
    let status = if i % 3 == 0 {
        IssueStatus::Closed
    } else {
        IssueStatus::Open
    };
    issue(
        &format!("owner{repo}"),
        &format!("repo{repo}"),
        &format!("{i:05}"),
        &format!("author{author}"),
        status,
    )
}

#[tokio::test]
async fn bulk_load_of_ten_thousand_items_reads_back_completely() {
    run("batch-bulk", |client, table| async move {
        let (db, requests) = vcs(client.clone(), table.clone()).await;
        let users: Vec<User> = (0..BULK_USERS).map(|u| user(&format!("author{u}"))).collect();
        let repos: Vec<Repository> = (0..BULK_REPOS)
            .map(|r| repository(&format!("owner{r}"), &format!("repo{r}")))
            .collect();
        let issues: Vec<Issue> = (0..BULK_ISSUES).map(bulk_issue).collect();

        let started = Instant::now();
        let before = Utc::now();
        let mut w = db.batch_write();
        for u in &users {
            w.put(u).unwrap();
        }
        for r in &repos {
            w.put(r).unwrap();
        }
        for it in &issues {
            w.put(it).unwrap();
        }
        assert_eq!(w.len(), 10_000);
        let outcome = w.concurrency(8).send().await.expect("bulk load");
        let after = Utc::now();
        let load_time = started.elapsed();
        eprintln!(
            "bulk load: 10,000 items in {:.2?} ({:.0} items/s)",
            load_time,
            10_000.0 / load_time.as_secs_f64()
        );
        assert_eq!(outcome.written, 10_000);
        assert!(outcome.leftovers.is_empty(), "{} leftovers", outcome.leftovers.len());
        let sent = requests.writes();
        assert_eq!(sent.len(), 400, "requests of 25");
        assert!(sent.iter().all(|&n| n == 25), "request sizes: {sent:?}");
        assert_eq!(raw_item_count(&client, &table).await, 10_000);

        // Read back by batch get: all 10,000 keys.
        let started = Instant::now();
        let mut get = db.batch_get().concurrency(4);
        let user_tickets: Vec<Ticket<User>> = users.iter().map(|u| get.get(&u.key()).unwrap()).collect();
        let repo_tickets: Vec<Ticket<Repository>> = repos.iter().map(|r| get.get(&r.key()).unwrap()).collect();
        let issue_tickets: Vec<Ticket<Issue>> = issues.iter().map(|i| get.get(&i.key()).unwrap()).collect();
        let result = get.send().await.expect("batch get of 10,000 keys");
        eprintln!("bulk read: 10,000 keys by batch get in {:.2?}", started.elapsed());
        assert_complete(&result);
        let sent = requests.gets();
        assert_eq!(sent.len(), 100, "requests of 100");
        assert!(sent.iter().all(|&n| n == 100), "request sizes: {sent:?}");

        for (t, u) in user_tickets.iter().zip(&users) {
            let got = result.get(*t).unwrap().expect("user read");
            assert_eq!(untimed(got), untimed(u));
            assert_stamped(&u.username, got.created_at, got.updated_at, before, after);
        }
        for (t, r) in repo_tickets.iter().zip(&repos) {
            let got = result.get(*t).unwrap().expect("repository read");
            assert_eq!(untimed(got), untimed(r));
        }
        for (t, it) in issue_tickets.iter().zip(&issues) {
            let got = result.get(*t).unwrap().expect("issue read");
            assert_eq!(untimed(got), untimed(it));
            assert_stamped(&it.issue_number, got.created_at, got.updated_at, before, after);
        }
        assert_eq!(result.items::<Issue>().count(), BULK_ISSUES);
        assert!(result
            .items::<Issue>()
            .map(|i| &i.issue_number)
            .eq(issues.iter().map(|i| &i.issue_number)));
        assert_eq!(result.items::<User>().count(), BULK_USERS);
        assert_eq!(result.items::<Repository>().count(), BULK_REPOS);

        // Read back by queries: each repository's issues, in issue number
        // order, exactly.
        let started = Instant::now();
        let mut total = 0;
        for r in 0..BULK_REPOS {
            let read = db
                .issues()
                .query(&IssuePartition {
                    repo_owner: format!("owner{r}"),
                    repo_name: format!("repo{r}"),
                })
                .all()
                .await
                .unwrap();
            let expected: Vec<Issue> = issues
                .iter()
                .filter(|i| i.repo_name == format!("repo{r}"))
                .map(untimed)
                .collect();
            assert_eq!(expected.len(), BULK_ISSUES / BULK_REPOS);
            assert_eq!(read.len(), expected.len(), "repo{r}");
            assert!(
                read.iter().map(untimed).eq(expected.iter().cloned()),
                "repo{r}: contents and order"
            );
            total += read.len();
        }
        assert_eq!(total, BULK_ISSUES);

        // And by the `managed` index: each author's issues, closed ones
        // first, then by number.
        let mut total = 0;
        for a in 0..BULK_USERS {
            let author = format!("author{a}");
            let read = db
                .issues()
                .managed(&IssueManagedPartition {
                    username: author.clone(),
                })
                .all()
                .await
                .unwrap();
            let mut expected: Vec<Issue> = issues.iter().filter(|i| i.username == author).map(untimed).collect();
            expected.sort_by(|x, y| (x.status.as_str(), &x.issue_number).cmp(&(y.status.as_str(), &y.issue_number)));
            assert_eq!(read.len(), expected.len(), "{author}");
            assert!(
                read.iter().map(untimed).eq(expected.iter().cloned()),
                "{author}: contents and order"
            );
            total += read.len();
        }
        assert_eq!(total, BULK_ISSUES);
        // The collection over the same index reads the same issues.
        let managed: ManagedCollection = db
            .managed(&ManagedCollectionKey {
                username: "author3".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            managed.issues.len(),
            issues.iter().filter(|i| i.username == "author3").count()
        );
        assert!(managed.pull_requests.is_empty());
        let spot = &managed.issues[managed.issues.len() / 2];
        let n: usize = spot.issue_number.parse().unwrap();
        assert_eq!(untimed(spot), untimed(&bulk_issue(n)));
        eprintln!("bulk read: by queries in {:.2?}", started.elapsed());
    })
    .await;
}

// ---------------------------------------------------------------------------
// 4. Limits checked before sending.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn limits_are_checked_when_adding_and_nothing_is_written() {
    run("batch-limits", |client, table| async move {
        let (db, requests) = vcs(client.clone(), table.clone()).await;
        let long_owner = "o".repeat(2100);
        let long_number = "9".repeat(1100);
        let long_user = "u".repeat(2100);
        let mut big = issue("o", "r", "1", "u", IssueStatus::Open);
        big.body = "b".repeat(401 * 1024);

        let mut w = db.batch_write();
        match w.put(&big) {
            Err(Error::ItemTooLarge { entity, size, max }) => {
                assert_eq!(entity, "Issue");
                assert_eq!(max, 400 * 1024);
                assert!(size > 401 * 1024, "{size}");
            }
            other => panic!("expected ItemTooLarge, got {other:?}"),
        }
        match w.put(&issue(&long_owner, "r", "1", "u", IssueStatus::Open)) {
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "pk",
                length,
                max: 2048,
            }) => assert!(length > 2100, "{length}"),
            other => panic!("expected KeyTooLong on pk, got {other:?}"),
        }
        assert!(matches!(
            w.put(&issue("o", "r", &long_number, "u", IssueStatus::Open)),
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "sk",
                max: 1024,
                ..
            })
        ));
        // An index key (the username is only in gsi1pk).
        assert!(matches!(
            w.put(&issue("o", "r", "1", &long_user, IssueStatus::Open)),
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "gsi1pk",
                ..
            })
        ));
        assert!(matches!(
            w.put(&user(&long_user)),
            Err(Error::KeyTooLong { entity: "User", .. })
        ));
        assert!(matches!(
            w.delete(&issue_key(&long_owner, "r", "1")),
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "pk",
                max: 2048,
                ..
            })
        ));
        assert!(matches!(
            w.delete(&issue_key("o", "r", &long_number)),
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "sk",
                ..
            })
        ));
        assert!(matches!(
            w.delete(&user_key(&long_user)),
            Err(Error::KeyTooLong { entity: "User", .. })
        ));
        // Nothing was added, so nothing is sent or written.
        assert!(w.is_empty());
        assert_eq!(w.len(), 0);
        let outcome = w.send().await.expect("empty batch");
        assert_eq!(outcome.written, 0);
        assert!(requests.writes().is_empty());
        assert_eq!(raw_item_count(&client, &table).await, 0, "nothing was written");

        // A refused put leaves an earlier request for the same item as it was.
        let ok = issue("o", "r", "1", "u", IssueStatus::Open);
        let mut w = db.batch_write();
        w.put(&ok).unwrap();
        assert!(matches!(w.put(&big), Err(Error::ItemTooLarge { .. })));
        assert_eq!(w.len(), 1);
        let outcome = w.send().await.unwrap();
        assert_eq!(outcome.written, 1);
        let stored = db
            .issues()
            .get_consistent(&ok.key())
            .await
            .unwrap()
            .expect("the valid put");
        assert_eq!(untimed(&stored), untimed(&ok));
        assert_eq!(raw_item_count(&client, &table).await, 1);

        // Just under the limit goes through a batch.
        let mut large = issue("o", "r", "2", "u", IssueStatus::Open);
        let mut stamped = large.clone();
        stamped.touch(Utc::now());
        let overhead = dyngen_runtime::size::item_size(&stamped.to_item().unwrap()) - large.body.len();
        // Some slack for the timestamps, whose text length varies.
        large.body = "b".repeat(400 * 1024 - overhead - 16);
        let mut w = db.batch_write();
        w.put(&large).expect("an item under 400 KB is accepted");
        assert_eq!(w.send().await.unwrap().written, 1);
        let stored = db
            .issues()
            .get_consistent(&large.key())
            .await
            .unwrap()
            .expect("large item");
        assert_eq!(untimed(&stored), untimed(&large));

        // Batch get: keys over the limits are refused when added.
        requests.clear();
        let mut get = db.batch_get();
        assert!(matches!(
            get.get(&issue_key(&long_owner, "r", "1")),
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "pk",
                ..
            })
        ));
        assert!(matches!(
            get.get(&issue_key("o", "r", &long_number)),
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "sk",
                ..
            })
        ));
        assert!(matches!(
            get.get(&user_key(&long_user)),
            Err(Error::KeyTooLong { entity: "User", .. })
        ));
        let t = get.get(&ok.key()).unwrap();
        let result = get.send().await.unwrap();
        assert_complete(&result);
        assert_eq!(result.get(t).unwrap().map(untimed), Some(untimed(&ok)));
        assert_eq!(requests.gets(), vec![1], "only the valid key is sent");
    })
    .await;
}

// ---------------------------------------------------------------------------
// 5. Expired items.
// ---------------------------------------------------------------------------

/// Now plus `d`, in whole seconds (the TTL attribute stores epoch seconds).
fn in_whole_seconds(d: Duration) -> DateTime<Utc> {
    (Utc::now() + d).duration_trunc(Duration::seconds(1)).unwrap()
}

fn comment(board: &str, id: &str, expires_at: Option<DateTime<Utc>>) -> Comment {
    Comment {
        board: board.into(),
        comment_id: id.into(),
        text: format!("comment {id} on {board}"),
        expires_at,
    }
}

#[tokio::test]
async fn batch_get_hides_expired_items_like_get() {
    run("batch-ttl", |client, table| async move {
        let (db, _requests) = tasks(client, table).await;
        let live = comment("b", "live", Some(in_whole_seconds(Duration::hours(1))));
        let forever = comment("b", "forever", None);
        let expired = comment("b", "expired", Some(in_whole_seconds(Duration::hours(-1))));
        for c in [&live, &forever, &expired] {
            db.comments().put(c).await.unwrap();
        }
        assert_eq!(db.comments().get(&expired.key()).await.unwrap(), None, "get hides it");

        let mut get = db.batch_get();
        let t_live = get.get(&live.key()).unwrap();
        let t_expired = get.get(&expired.key()).unwrap();
        let t_forever = get.get(&forever.key()).unwrap();
        let t_missing = get
            .get(&CommentKey {
                board: "b".into(),
                comment_id: "never".into(),
            })
            .unwrap();
        let result = get.send().await.unwrap();
        assert_eq!(result.get(t_live).unwrap(), Some(&live));
        assert_eq!(result.get(t_expired).unwrap(), None, "batch get hides it too");
        assert_eq!(result.get(t_forever).unwrap(), Some(&forever));
        assert_eq!(result.items::<Comment>().collect::<Vec<_>>(), vec![&live, &forever]);

        // A handle showing expired items shows it in batches too.
        let shown = db.clone().show_expired();
        let mut get = shown.batch_get();
        let t_expired = get.get(&expired.key()).unwrap();
        let shown_result = get.send().await.unwrap();
        assert_eq!(shown_result.get(t_expired).unwrap(), Some(&expired));
        assert_complete(&shown_result);

        // A key without any item, next to the expired one: both `Ok(None)`,
        // nothing left over.
        assert_eq!(result.get(t_missing).unwrap(), None);
        assert_complete(&result);
    })
    .await;
}

// ---------------------------------------------------------------------------
// 6. Unversioned entities of another schema.
// ---------------------------------------------------------------------------

fn counter(name: &str, count: i64) -> Counter {
    Counter {
        name: name.into(),
        count,
        hits: count as u64 * 2,
        level: -(count as i32),
    }
}

fn page(site: &str, path: &str) -> Page {
    Page {
        site: site.into(),
        path: path.into(),
        author: "writer".into(),
        body: format!("page {path} of {site}"),
        created_at: created(),
        updated_at: created(),
    }
}

#[tokio::test]
async fn batch_write_of_counters_comments_and_pages() {
    run("batch-tasks", |client, table| async move {
        let (db, requests) = tasks(client.clone(), table.clone()).await;
        db.counters().put(&counter("old", 1)).await.unwrap();
        db.comments().put(&comment("b", "old", None)).await.unwrap();
        requests.clear();

        let counters: Vec<Counter> = (0..40).map(|i| counter(&format!("c{i:02}"), i)).collect();
        let comments: Vec<Comment> = (0..10)
            .map(|i| {
                let expires = (i % 2 == 0).then(|| in_whole_seconds(Duration::days(1 + i)));
                comment("b", &format!("n{i}"), expires)
            })
            .collect();
        let expired = comment("b", "expired", Some(in_whole_seconds(Duration::minutes(-5))));
        let pages: Vec<Page> = ["/", "/about", "/blog"]
            .iter()
            .map(|p| page("example.org", p))
            .collect();

        let before = Utc::now();
        let mut w = db.batch_write();
        for c in &counters {
            w.put(c).unwrap();
        }
        for c in comments.iter().chain([&expired]) {
            w.put(c).unwrap();
        }
        for p in &pages {
            w.put(p).unwrap();
        }
        w.delete(&CounterKey { name: "old".into() }).unwrap();
        w.delete(&CommentKey {
            board: "b".into(),
            comment_id: "old".into(),
        })
        .unwrap();
        // The last write wins here too.
        w.put(&counter("c00", 100)).unwrap();
        let outcome = w.concurrency(2).send().await.expect("batch write");
        let after = Utc::now();
        assert_eq!(outcome.written, 40 + 11 + 3 + 2);
        assert!(outcome.leftovers.is_empty());
        let sent = requests.writes();
        assert_eq!(sent.iter().sum::<usize>(), 56, "requests sent: {sent:?}");
        assert!(sent.iter().all(|&n| n <= 25), "request sizes: {sent:?}");

        // Counters and comments are stored exactly (no maintained fields).
        let mut expected_counters = counters.clone();
        expected_counters[0] = counter("c00", 100);
        let scanned: BTreeMap<String, Counter> = db
            .counters()
            .scan()
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        assert_eq!(
            scanned,
            expected_counters
                .iter()
                .map(|c| (c.name.clone(), c.clone()))
                .collect::<BTreeMap<_, _>>()
        );
        let on_board: BTreeSet<String> = db
            .comments()
            .on_board(&CommentOnBoardPartition { board: "b".into() })
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.comment_id)
            .collect();
        assert_eq!(on_board, comments.iter().map(|c| c.comment_id.clone()).collect());
        let site_pages = db
            .pages()
            .query(&PagePartition {
                site: "example.org".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(site_pages.len(), 3);
        for p in &site_pages {
            assert_stamped(&p.path, p.created_at, p.updated_at, before, after);
        }

        // Read back in one batch get across the three entities.
        let mut get = db.batch_get();
        let counter_tickets: Vec<_> = expected_counters.iter().map(|c| get.get(&c.key()).unwrap()).collect();
        let comment_tickets: Vec<_> = comments.iter().map(|c| get.get(&c.key()).unwrap()).collect();
        let page_tickets: Vec<_> = pages.iter().map(|p| get.get(&p.key()).unwrap()).collect();
        let t_expired = get.get(&expired.key()).unwrap();
        let t_old_counter = get.get(&CounterKey { name: "old".into() }).unwrap();
        let t_old_comment = get
            .get(&CommentKey {
                board: "b".into(),
                comment_id: "old".into(),
            })
            .unwrap();
        let t_missing_page = get
            .get(&PageKey {
                site: "example.org".into(),
                path: "/missing".into(),
            })
            .unwrap();
        let result = get.send().await.unwrap();
        for (t, c) in counter_tickets.iter().zip(&expected_counters) {
            assert_eq!(result.get(*t).unwrap(), Some(c));
        }
        for (t, c) in comment_tickets.iter().zip(&comments) {
            assert_eq!(result.get(*t).unwrap(), Some(c));
        }
        for (t, p) in page_tickets.iter().zip(&pages) {
            let got = result.get(*t).unwrap().expect("page written");
            assert_eq!(untimed(got), untimed(p));
        }
        assert_eq!(result.get(t_expired).unwrap(), None, "written, but expired");
        assert_eq!(result.items::<Counter>().count(), 40);
        assert_eq!(result.items::<Comment>().count(), 10);
        assert_eq!(result.items::<Page>().count(), 3);

        // The expired comment was written all the same.
        let shown = db.clone().show_expired();
        assert_eq!(
            shown.comments().get(&expired.key()).await.unwrap(),
            Some(expired.clone())
        );
        assert_eq!(raw_item_count(&client, &table).await, 40 + 11 + 3);

        // The deleted items and a page never written: `Ok(None)`, nothing
        // left over.
        assert_eq!(result.get(t_old_counter).unwrap(), None);
        assert_eq!(result.get(t_old_comment).unwrap(), None);
        assert_eq!(result.get(t_missing_page).unwrap(), None);
        assert_complete(&result);
    })
    .await;
}
