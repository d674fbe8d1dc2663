//! The generated version-control module (`generated-example/src/vcs.rs`)
//! against DynamoDB Local: the seed's access patterns with their exact
//! results, single-item operations, typed updates, upserts and conditional
//! writes with the index keys they move, every query of `Issue` with
//! conditions chosen so that over-matching shows, filters, pagination and
//! cursors, key collisions and limits, and decode errors.
//!
//! Every test runs in its own table, so they run in parallel.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use dyngen_example_vcs::vcs::*;
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::error::ValueErrorKind;
use dyngen_runtime::{Cursor, DecodeError, Entity, Error, Item, Operation};
use dyngen_tests::{require_dynamodb_local, unique_table_name, with_table_cleanup};
use futures::TryStreamExt as _;

/// Creates a fresh table for the vcs schema and runs `body` on it; the table
/// is deleted afterwards, also when `body` panics.
async fn with_vcs<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(Vcs) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let client = require_dynamodb_local!();
    let table = unique_table_name(prefix);
    with_table_cleanup(&client, &table, move |client, table| async move {
        let db = Vcs::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        body(db).await;
    })
    .await;
}

/// A timestamp with nanoseconds, to see them survive a round trip.
fn at(seconds: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, nanos).expect("valid timestamp")
}

/// 2024-05-17T12:34:56.123456789Z
fn created() -> DateTime<Utc> {
    at(1_715_949_296, 123_456_789)
}

/// One second and one nanosecond after [`created`].
fn updated() -> DateTime<Utc> {
    at(1_715_949_297, 123_456_790)
}

fn issue(owner: &str, repo: &str, number: &str, username: &str, status: IssueStatus) -> Issue {
    Issue {
        issue_number: number.to_owned(),
        repo_name: repo.to_owned(),
        repo_owner: owner.to_owned(),
        username: username.to_owned(),
        subject: format!("Issue {number} of {owner}/{repo}"),
        body: format!("Body of issue {number}"),
        status,
        created_at: created(),
        updated_at: updated(),
    }
}

fn issue_key(owner: &str, repo: &str, number: &str) -> IssueKey {
    IssueKey {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
        issue_number: number.to_owned(),
    }
}

fn partition(owner: &str, repo: &str) -> IssuePartition {
    IssuePartition {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
    }
}

fn managed_by(username: &str) -> IssueManagedPartition {
    IssueManagedPartition {
        username: username.to_owned(),
    }
}

fn activity_of(owner: &str, repo: &str) -> IssueActivityPartition {
    IssueActivityPartition {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
    }
}

fn numbers(issues: &[Issue]) -> Vec<&str> {
    issues.iter().map(|i| i.issue_number.as_str()).collect()
}

/// (repository, number, status) of each issue, in the order returned.
fn triples(issues: &[Issue]) -> Vec<(&str, &str, IssueStatus)> {
    issues
        .iter()
        .map(|i| (i.repo_name.as_str(), i.issue_number.as_str(), i.status))
        .collect()
}

/// Puts every issue; the issues as written (timestamps set by the writes).
async fn put_all(db: &Vcs, issues: &[Issue]) -> Vec<Issue> {
    let mut written = Vec::with_capacity(issues.len());
    for i in issues {
        written.push(db.issues().put(i).await.expect("put issue"));
    }
    written
}

/// `item` with both maintained timestamps set to one fixed time: compares
/// everything else. (The timestamps themselves are checked by
/// `get_put_create_delete` and the update tests.)
fn untimed<E: Entity>(item: &E) -> E {
    let mut item = item.clone();
    item.touch(created());
    item
}

/// Puts `item` and returns it as written, after checking that the write
/// changed nothing but the timestamps.
async fn put_checked<E: Entity + PartialEq>(client: &dyngen_runtime::EntityClient<'_, E>, item: E) -> E {
    let written = client
        .put(&item)
        .await
        .unwrap_or_else(|e| panic!("put {}: {e}", E::NAME));
    assert_eq!(untimed(&written), untimed(&item));
    written
}

/// Every item in the table, read with a raw scan.
async fn raw_item_count(db: &Vcs) -> i32 {
    db.table()
        .client()
        .scan()
        .table_name(db.table().name())
        .consistent_read(true)
        .send()
        .await
        .expect("scan")
        .count()
}

async fn put_raw(db: &Vcs, item: Item) {
    dyngen_tests::put_raw(db.table().client(), db.table().name(), item).await;
}

fn assert_invalid_cursor<T: std::fmt::Debug>(result: Result<T, Error>, entity: &str, reason_contains: &str) {
    match result {
        Err(Error::InvalidCursor { entity: e, reason }) => {
            assert_eq!(e, entity);
            assert!(
                reason.contains(reason_contains),
                "reason `{reason}` lacks `{reason_contains}`"
            );
        }
        other => panic!("expected InvalidCursor ({reason_contains}), got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// The seed's data and access patterns 1, 2, 3, 6 and 7.
// ---------------------------------------------------------------------------

fn octocat() -> User {
    User {
        username: "octocat".into(),
        full_name: "The Octocat".into(),
        bio: "GitHub mascot".into(),
        location: "San Francisco, CA".into(),
        created_at: created(),
        updated_at: updated(),
    }
}

fn torvalds() -> User {
    User {
        username: "torvalds".into(),
        full_name: "Linus Torvalds".into(),
        bio: "Creator of Linux and Git".into(),
        location: "Portland, OR".into(),
        created_at: created(),
        updated_at: updated(),
    }
}

fn hello_world() -> Repository {
    Repository {
        counters: ::std::default::Default::default(),
        repo_name: "hello-world".into(),
        repo_owner: "octocat".into(),
        username: "octocat".into(),
        about: "My first repository on GitHub!".into(),
        description: "A simple hello world project for learning Git".into(),
        is_private: false,
        default_branch: "main".into(),
        created_at: created(),
        updated_at: updated(),
    }
}

fn linux() -> Repository {
    Repository {
        counters: ::std::default::Default::default(),
        repo_name: "linux".into(),
        repo_owner: "torvalds".into(),
        username: "torvalds".into(),
        about: "Linux kernel source tree".into(),
        description: "The Linux kernel".into(),
        is_private: false,
        default_branch: "master".into(),
        created_at: created(),
        updated_at: updated(),
    }
}

fn seed_issue(
    number: &str,
    repo: &str,
    owner: &str,
    username: &str,
    subject: &str,
    body: &str,
    status: IssueStatus,
) -> Issue {
    Issue {
        issue_number: number.into(),
        repo_name: repo.into(),
        repo_owner: owner.into(),
        username: username.into(),
        subject: subject.into(),
        body: body.into(),
        status,
        created_at: created(),
        updated_at: updated(),
    }
}

fn hello_world_issue_1() -> Issue {
    seed_issue(
        "1",
        "hello-world",
        "octocat",
        "torvalds",
        "Bug: README has typo",
        "There is a typo in the README file on line 3.",
        IssueStatus::Open,
    )
}

fn hello_world_issue_2() -> Issue {
    seed_issue(
        "2",
        "hello-world",
        "octocat",
        "octocat",
        "Feature: Add contributing guide",
        "We should add a CONTRIBUTING.md file.",
        IssueStatus::Closed,
    )
}

fn linux_issue_1() -> Issue {
    seed_issue(
        "1",
        "linux",
        "torvalds",
        "octocat",
        "Bug: Kernel panic on boot",
        "Kernel panic when booting with specific hardware configuration.",
        IssueStatus::Open,
    )
}

fn seed_pull_request(number: &str, repo: &str, owner: &str, username: &str, subject: &str, body: &str) -> PullRequest {
    PullRequest {
        pull_request_number: number.into(),
        repo_name: repo.into(),
        repo_owner: owner.into(),
        username: username.into(),
        subject: subject.into(),
        body: body.into(),
        status: IssueStatus::Open,
        created_at: created(),
        updated_at: updated(),
    }
}

fn hello_world_pr_1() -> PullRequest {
    seed_pull_request(
        "1",
        "hello-world",
        "octocat",
        "torvalds",
        "Fix README typo",
        "Fixes the typo mentioned in issue #1.",
    )
}

fn linux_pr_1() -> PullRequest {
    seed_pull_request(
        "1",
        "linux",
        "torvalds",
        "octocat",
        "Fix boot panic for hardware X",
        "Addresses kernel panic on boot with specific hardware.",
    )
}

/// The seed document's data as written: 2 users, 2 repositories, 3 issues,
/// 2 pull requests.
struct Seed {
    octocat: User,
    torvalds: User,
    hello_world: Repository,
    linux: Repository,
    hello_world_issue_1: Issue,
    hello_world_issue_2: Issue,
    linux_issue_1: Issue,
    hello_world_pr_1: PullRequest,
    linux_pr_1: PullRequest,
}

/// Writes the seed document's data; the items as written.
async fn seed(db: &Vcs) -> Seed {
    Seed {
        octocat: put_checked(&db.users(), octocat()).await,
        torvalds: put_checked(&db.users(), torvalds()).await,
        hello_world: put_checked(&db.repositories(), hello_world()).await,
        linux: put_checked(&db.repositories(), linux()).await,
        hello_world_issue_1: put_checked(&db.issues(), hello_world_issue_1()).await,
        hello_world_issue_2: put_checked(&db.issues(), hello_world_issue_2()).await,
        linux_issue_1: put_checked(&db.issues(), linux_issue_1()).await,
        hello_world_pr_1: put_checked(&db.pull_requests(), hello_world_pr_1()).await,
        linux_pr_1: put_checked(&db.pull_requests(), linux_pr_1()).await,
    }
}

#[tokio::test]
async fn seed_access_patterns_return_exactly_the_seed() {
    with_vcs("vcs-seed", |db| async move {
        let seeded = seed(&db).await;
        assert_eq!(raw_item_count(&db).await, 9);

        // Pattern 1: a user's profile by username.
        for expected in [seeded.octocat.clone(), seeded.torvalds.clone()] {
            let key = UserKey {
                username: expected.username.clone(),
            };
            assert_eq!(db.users().get(&key).await.unwrap(), Some(expected.clone()));
            let by_query = db
                .users()
                .query(&UserPartition {
                    username: expected.username.clone(),
                })
                .all()
                .await
                .unwrap();
            assert_eq!(by_query, vec![expected]);
        }
        let user = db
            .users()
            .get(&UserKey {
                username: "octocat".into(),
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.full_name, "The Octocat");
        assert_eq!(user.bio, "GitHub mascot");
        assert_eq!(user.location, "San Francisco, CA");
        assert_eq!(
            (user.created_at, user.updated_at),
            (seeded.octocat.created_at, seeded.octocat.updated_at)
        );

        // Pattern 2: a repository by owner and name.
        for (owner, name, expected) in [
            ("octocat", "hello-world", seeded.hello_world.clone()),
            ("torvalds", "linux", seeded.linux.clone()),
        ] {
            let key = RepositoryKey {
                repo_owner: owner.into(),
                repo_name: name.into(),
            };
            assert_eq!(db.repositories().get(&key).await.unwrap(), Some(expected));
        }
        let linux_repo = db
            .repositories()
            .get(&RepositoryKey {
                repo_owner: "torvalds".into(),
                repo_name: "linux".into(),
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(linux_repo.default_branch, "master");
        assert_eq!(linux_repo.about, "Linux kernel source tree");
        assert!(!linux_repo.is_private);
        // Not found: wrong owner for the name.
        let missing = RepositoryKey {
            repo_owner: "octocat".into(),
            repo_name: "linux".into(),
        };
        assert_eq!(db.repositories().get(&missing).await.unwrap(), None);

        // Pattern 3: a user's owned repositories (collection `owned` on gsi1).
        let owned: OwnedCollection = db
            .owned(&OwnedCollectionKey {
                username: "octocat".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            owned,
            OwnedCollection {
                users: vec![seeded.octocat.clone()],
                repositories: vec![seeded.hello_world.clone()],
                unknown: vec![],
            }
        );
        let owned: OwnedCollection = db
            .owned(&OwnedCollectionKey {
                username: "torvalds".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            owned,
            OwnedCollection {
                users: vec![seeded.torvalds.clone()],
                repositories: vec![seeded.linux.clone()],
                unknown: vec![],
            }
        );
        // In sort-key order: `owned#Repository#hello-world#` < `owned#User#`.
        // The managed items sharing the gsi1 partition are not read.
        let raw = db
            .owned(&OwnedCollectionKey {
                username: "octocat".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(
            raw,
            vec![
                OwnedItem::Repository(seeded.hello_world.clone()),
                OwnedItem::User(seeded.octocat.clone())
            ]
        );
        let nobody: OwnedCollection = db
            .owned(&OwnedCollectionKey {
                username: "nobody".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(nobody, OwnedCollection::default());

        // Pattern 6: a user's managed issues and pull requests (collection `managed` on gsi1).
        let managed: ManagedCollection = db
            .managed(&ManagedCollectionKey {
                username: "torvalds".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            managed,
            ManagedCollection {
                issues: vec![seeded.hello_world_issue_1.clone()],
                pull_requests: vec![seeded.hello_world_pr_1.clone()],
                unknown: vec![],
            }
        );
        // Closed sorts before Open: status leads the sort key.
        let raw = db
            .managed(&ManagedCollectionKey {
                username: "octocat".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(
            raw,
            vec![
                ManagedItem::Issue(seeded.hello_world_issue_2.clone()),
                ManagedItem::Issue(seeded.linux_issue_1.clone()),
                ManagedItem::PullRequest(seeded.linux_pr_1.clone()),
            ]
        );
        let managed: ManagedCollection = raw.into_iter().collect();
        assert_eq!(
            managed,
            ManagedCollection {
                issues: vec![seeded.hello_world_issue_2.clone(), seeded.linux_issue_1.clone()],
                pull_requests: vec![seeded.linux_pr_1.clone()],
                unknown: vec![],
            }
        );

        // Pattern 7: repository activity (collection `activity` on gsi2).
        let activity: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: "octocat".into(),
                repo_name: "hello-world".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            activity,
            ActivityCollection {
                repositories: vec![seeded.hello_world.clone()],
                // Closed issue #2 precedes open issue #1.
                issues: vec![seeded.hello_world_issue_2.clone(), seeded.hello_world_issue_1.clone()],
                pull_requests: vec![seeded.hello_world_pr_1.clone()],
                unknown: vec![],
            }
        );
        let raw = db
            .activity(&ActivityCollectionKey {
                repo_owner: "octocat".into(),
                repo_name: "hello-world".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(
            raw,
            vec![
                ActivityItem::Issue(seeded.hello_world_issue_2.clone()),
                ActivityItem::Issue(seeded.hello_world_issue_1.clone()),
                ActivityItem::PullRequest(seeded.hello_world_pr_1.clone()),
                ActivityItem::Repository(seeded.hello_world.clone()),
            ]
        );
        let activity: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: "torvalds".into(),
                repo_name: "linux".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            activity,
            ActivityCollection {
                repositories: vec![seeded.linux.clone()],
                issues: vec![seeded.linux_issue_1.clone()],
                pull_requests: vec![seeded.linux_pr_1.clone()],
                unknown: vec![],
            }
        );
        let open = activity.issues.iter().filter(|i| i.status == IssueStatus::Open).count();
        assert_eq!(open, 1);

        // The per-entity index queries read their entity only.
        let issues = db
            .issues()
            .activity(&activity_of("octocat", "hello-world"))
            .all()
            .await
            .unwrap();
        assert_eq!(
            issues,
            vec![seeded.hello_world_issue_2.clone(), seeded.hello_world_issue_1.clone()]
        );
        let open = db
            .issues()
            .activity(&activity_of("octocat", "hello-world"))
            .status(IssueStatus::Open)
            .all()
            .await
            .unwrap();
        assert_eq!(open, vec![seeded.hello_world_issue_1.clone()]);
        let prs = db
            .pull_requests()
            .managed(&PullRequestManagedPartition {
                username: "octocat".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(prs, vec![seeded.linux_pr_1.clone()]);
        let repos = db
            .repositories()
            .owned(&RepositoryOwnedPartition {
                username: "octocat".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(repos, vec![seeded.hello_world.clone()]);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Single-item operations.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn get_put_create_delete() {
    with_vcs("vcs-crud", |db| async move {
        let issues = db.issues();
        let key = issue_key("octocat", "hello-world", "7");

        // Missing item.
        assert_eq!(issues.get(&key).await.unwrap(), None);
        assert_eq!(issues.get_consistent(&key).await.unwrap(), None);

        // Put resolves to the item as written: the timestamps are set by the
        // write (the value's own are ignored), and read back exactly,
        // nanoseconds included.
        let mut given = issue("octocat", "hello-world", "7", "torvalds", IssueStatus::Open);
        given.created_at = at(1_700_000_000, 1);
        given.updated_at = at(1_700_000_001, 999_999_999);
        let before = Utc::now();
        let original = issues.put(&given).await.unwrap();
        assert!(original.created_at >= before && original.created_at <= Utc::now());
        assert_eq!(original.updated_at, original.created_at);
        assert_eq!(
            Issue {
                created_at: given.created_at,
                updated_at: given.updated_at,
                ..original.clone()
            },
            given
        );
        assert_eq!(issues.get_consistent(&key).await.unwrap(), Some(original.clone()));
        let read = issues.get(&key).await.unwrap().expect("item after put");
        assert_eq!(read, original);
        assert_eq!(original.key(), key);

        // The stored item: keys, entity tag and attributes under their names.
        let raw = db
            .table()
            .client()
            .get_item()
            .table_name(db.table().name())
            .key("pk", AttributeValue::S("vcs#octocat#hello-world#".into()))
            .key("sk", AttributeValue::S("Issue#7#".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .expect("raw item under the documented key");
        let s = |name: &str| raw.get(name).and_then(|v| v.as_s().ok()).cloned();
        assert_eq!(s("_et").as_deref(), Some("Issue"));
        assert_eq!(s("gsi1pk").as_deref(), Some("vcs#torvalds#"));
        assert_eq!(s("gsi1sk").as_deref(), Some("managed#Issue#Open#7#"));
        assert_eq!(s("gsi2pk").as_deref(), Some("vcs#octocat#hello-world#"));
        assert_eq!(s("gsi2sk").as_deref(), Some("activity#Issue#Open#7#"));
        assert_eq!(s("status").as_deref(), Some("Open"));
        // RFC 3339 in UTC with nine fraction digits: text order is time order.
        assert_eq!(
            s("createdAt"),
            Some(
                original
                    .created_at
                    .to_rfc3339_opts(dyngen_runtime::chrono::SecondsFormat::Nanos, true)
            )
        );

        // Put overwrites, index keys included.
        let mut changed = original.clone();
        changed.body = "Rewritten".into();
        changed.status = IssueStatus::Closed;
        changed.username = "octocat".into();
        let changed = issues.put(&changed).await.unwrap();
        assert_eq!(issues.get_consistent(&key).await.unwrap(), Some(changed.clone()));
        assert_eq!(raw_item_count(&db).await, 1);
        assert!(issues.managed(&managed_by("torvalds")).all().await.unwrap().is_empty());
        assert_eq!(
            issues
                .managed(&managed_by("octocat"))
                .status(IssueStatus::Closed)
                .all()
                .await
                .unwrap(),
            vec![changed.clone()]
        );

        // Create: only when absent.
        let fresh = issues
            .create(&issue("octocat", "hello-world", "8", "torvalds", IssueStatus::Open))
            .await
            .unwrap();
        assert_eq!(issues.get(&fresh.key()).await.unwrap(), Some(fresh.clone()));
        let mut again = fresh.clone();
        again.body = "should not be written".into();
        assert!(
            matches!(
                issues.create(&again).await,
                Err(Error::AlreadyExists { entity: "Issue" })
            ),
            "second create must fail"
        );
        assert_eq!(issues.get(&fresh.key()).await.unwrap(), Some(fresh.clone()));
        // Same key values in another entity are another item.
        db.pull_requests()
            .create(&seed_pull_request("8", "hello-world", "octocat", "torvalds", "s", "b"))
            .await
            .unwrap();

        // Delete is idempotent.
        issues.delete(&key).await.unwrap();
        assert_eq!(issues.get_consistent(&key).await.unwrap(), None);
        issues.delete(&key).await.unwrap();
        assert_eq!(issues.get_consistent(&key).await.unwrap(), None);

        // delete_existing: NotFound when absent, deletes when present.
        assert!(matches!(
            issues.delete_existing(&key).await,
            Err(Error::NotFound { entity: "Issue" })
        ));
        issues.delete_existing(&fresh.key()).await.unwrap();
        assert_eq!(issues.get_consistent(&fresh.key()).await.unwrap(), None);
        assert!(matches!(
            issues.delete_existing(&fresh.key()).await,
            Err(Error::NotFound { entity: "Issue" })
        ));
        // The pull request with the same numbers is untouched.
        let pr_key = PullRequestKey {
            repo_owner: "octocat".into(),
            repo_name: "hello-world".into(),
            pull_request_number: "8".into(),
        };
        assert!(db.pull_requests().get(&pr_key).await.unwrap().is_some());
        assert_eq!(raw_item_count(&db).await, 1);

        // Create after delete works again.
        let recreated = issues.create(&fresh).await.unwrap();
        assert!(recreated.created_at > fresh.created_at);
        assert_eq!(issues.get_consistent(&fresh.key()).await.unwrap(), Some(recreated));
    })
    .await;
}

// ---------------------------------------------------------------------------
// Typed updates, upserts and conditional writes: index keys follow.
// ---------------------------------------------------------------------------

/// The index key attributes `[gsi1pk, gsi1sk, gsi2pk, gsi2sk]` stored in the
/// item under `pk`/`sk`, read raw.
async fn index_keys(db: &Vcs, pk: &str, sk: &str) -> [Option<String>; 4] {
    let raw = db
        .table()
        .client()
        .get_item()
        .table_name(db.table().name())
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("raw get")
        .item
        .unwrap_or_else(|| panic!("no item under {pk:?}/{sk:?}"));
    ["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"].map(|name| raw.get(name).and_then(|v| v.as_s().ok()).cloned())
}

fn keys(gsi1pk: &str, gsi1sk: &str, gsi2pk: &str, gsi2sk: &str) -> [Option<String>; 4] {
    [gsi1pk, gsi1sk, gsi2pk, gsi2sk].map(|k| Some(k.to_owned()))
}

fn pr_managed_by(username: &str) -> PullRequestManagedPartition {
    PullRequestManagedPartition {
        username: username.to_owned(),
    }
}

fn pr_activity_of(owner: &str, repo: &str) -> PullRequestActivityPartition {
    PullRequestActivityPartition {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
    }
}

fn managed_collection(username: &str) -> ManagedCollectionKey {
    ManagedCollectionKey {
        username: username.to_owned(),
    }
}

fn activity_collection(owner: &str, repo: &str) -> ActivityCollectionKey {
    ActivityCollectionKey {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
    }
}

/// Item numbers with their statuses.
type Statuses<'a> = Vec<(&'a str, IssueStatus)>;

/// The numbers and statuses of a collection's issues and pull requests.
fn statuses(collection: &ActivityCollection) -> (Statuses<'_>, Statuses<'_>) {
    (
        collection
            .issues
            .iter()
            .map(|i| (i.issue_number.as_str(), i.status))
            .collect(),
        collection
            .pull_requests
            .iter()
            .map(|p| (p.pull_request_number.as_str(), p.status))
            .collect(),
    )
}

#[tokio::test]
async fn a_member_filter_applies_to_its_members_items_only() {
    with_vcs("vcs-member-filter", |db| async move {
        let seed = seed(&db).await;
        // A closed issue and a closed pull request beside the open ones.
        db.issues()
            .create(&issue("octocat", "hello-world", "9", "octocat", IssueStatus::Closed))
            .await
            .unwrap();
        db.pull_requests()
            .create(&PullRequest {
                status: IssueStatus::Closed,
                ..seed_pull_request("8", "hello-world", "octocat", "octocat", "Old", "Closed long ago")
            })
            .await
            .unwrap();
        let activity = || db.activity(&activity_collection("octocat", "hello-world"));
        let all: ActivityCollection = activity().collect().await.unwrap();
        assert_eq!(
            statuses(&all),
            (
                vec![
                    ("2", IssueStatus::Closed),
                    ("9", IssueStatus::Closed),
                    ("1", IssueStatus::Open)
                ],
                vec![("8", IssueStatus::Closed), ("1", IssueStatus::Open)]
            )
        );

        // Only the issues are filtered; the repository and the pull
        // requests come back as before. (`status` is a reserved word.)
        let open_issues: ActivityCollection = activity()
            .filter_member::<Issue>(|a| a.status.eq(IssueStatus::Open))
            .collect()
            .await
            .unwrap();
        assert_eq!(
            statuses(&open_issues),
            (vec![("1", IssueStatus::Open)], statuses(&all).1)
        );
        assert_eq!(open_issues.repositories, vec![seed.hello_world.clone()]);

        // Each member its own filter, on an attribute they share by name.
        let mixed: ActivityCollection = activity()
            .filter_member::<Issue>(|a| a.status.eq(IssueStatus::Open))
            .filter_member::<PullRequest>(|a| a.status.eq(IssueStatus::Closed))
            .filter_member::<Repository>(|a| a.is_private.eq(true))
            .collect()
            .await
            .unwrap();
        assert_eq!(
            statuses(&mixed),
            (vec![("1", IssueStatus::Open)], vec![("8", IssueStatus::Closed)])
        );
        assert!(mixed.repositories.is_empty(), "hello-world is public");

        // Two filters of one member must both hold.
        let none: ActivityCollection = activity()
            .filter_member::<Issue>(|a| a.status.eq(IssueStatus::Open))
            .filter_member::<Issue>(|a| a.issue_number.eq("9"))
            .collect()
            .await
            .unwrap();
        assert!(none.issues.is_empty());
        assert_eq!(none.pull_requests, all.pull_requests);

        // One item per page: the filter applies page by page, and pages
        // emptied by it still lead on.
        let query = activity()
            .filter_member::<PullRequest>(|a| a.status.eq(IssueStatus::Open))
            .limit(1);
        let (mut paged, mut cursor, mut pages) = (Vec::new(), None, 0);
        loop {
            let page = query.page(cursor.as_ref()).await.unwrap();
            paged.extend(page.items);
            pages += 1;
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert!(pages >= 6, "one read item per page: {pages} pages");
        let paged: ActivityCollection = paged.into_iter().collect();
        assert_eq!(statuses(&paged), (statuses(&all).0, vec![("1", IssueStatus::Open)]));
    })
    .await;
}

#[tokio::test]
async fn closing_an_issue_or_pull_request_moves_it_from_open_to_closed_queries() {
    with_vcs("vcs-close", |db| async move {
        use IssueStatus::{Closed, Open};
        let written = put_all(
            &db,
            &[issue("o", "r", "1", "mgr", Open), issue("o", "r", "2", "mgr", Open)],
        )
        .await;
        let (before, neighbour) = (written[0].clone(), written[1].clone());
        let pr_before = db
            .pull_requests()
            .put(&seed_pull_request("1", "r", "o", "mgr", "pr", "pr"))
            .await
            .unwrap();

        // The update resolves to the item as written: status and updatedAt
        // changed, everything else (createdAt included) as it was.
        let closed = db.issues().update(&before.key()).set_status(Closed).await.unwrap();
        assert_eq!(closed.status, Closed);
        assert_eq!(closed.created_at, before.created_at);
        assert!(
            closed.updated_at > before.updated_at,
            "{} <= {}",
            closed.updated_at,
            before.updated_at
        );
        assert_eq!(
            closed,
            Issue {
                status: Closed,
                updated_at: closed.updated_at,
                ..before.clone()
            }
        );
        assert_eq!(
            db.issues().get_consistent(&before.key()).await.unwrap(),
            Some(closed.clone())
        );
        assert_eq!(
            index_keys(&db, "vcs#o#r#", "Issue#1#").await,
            keys(
                "vcs#mgr#",
                "managed#Issue#Closed#1#",
                "vcs#o#r#",
                "activity#Issue#Closed#1#"
            )
        );

        // Both indexes: gone from the open range, found in the closed one.
        let managed = || db.issues().managed(&managed_by("mgr"));
        assert_eq!(managed().status(Open).all().await.unwrap(), vec![neighbour.clone()]);
        assert_eq!(managed().status(Closed).all().await.unwrap(), vec![closed.clone()]);
        assert_eq!(managed().all().await.unwrap(), vec![closed.clone(), neighbour.clone()]);
        let activity = || db.issues().activity(&activity_of("o", "r"));
        assert_eq!(activity().status(Open).all().await.unwrap(), vec![neighbour.clone()]);
        assert_eq!(activity().status(Closed).all().await.unwrap(), vec![closed.clone()]);
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

        // Both collections read the new status.
        let collected: ManagedCollection = db.managed(&managed_collection("mgr")).collect().await.unwrap();
        assert_eq!(
            collected,
            ManagedCollection {
                issues: vec![closed.clone(), neighbour.clone()],
                pull_requests: vec![pr_before.clone()],
                unknown: vec![],
            }
        );
        let collected: ActivityCollection = db.activity(&activity_collection("o", "r")).collect().await.unwrap();
        assert_eq!(
            collected,
            ActivityCollection {
                repositories: vec![],
                issues: vec![closed.clone(), neighbour.clone()],
                pull_requests: vec![pr_before.clone()],
                unknown: vec![],
            }
        );

        // The same for a pull request.
        let pr_closed = db
            .pull_requests()
            .update(&pr_before.key())
            .set_status(Closed)
            .await
            .unwrap();
        assert_eq!(
            pr_closed,
            PullRequest {
                status: Closed,
                updated_at: pr_closed.updated_at,
                ..pr_before.clone()
            }
        );
        assert!(pr_closed.updated_at > pr_before.updated_at);
        assert_eq!(
            db.pull_requests().get_consistent(&pr_before.key()).await.unwrap(),
            Some(pr_closed.clone())
        );
        assert_eq!(
            index_keys(&db, "vcs#o#r#", "PullRequest#1#").await,
            keys(
                "vcs#mgr#",
                "managed#PullRequest#Closed#1#",
                "vcs#o#r#",
                "activity#PullRequest#Closed#1#"
            )
        );
        let prs = || db.pull_requests().managed(&pr_managed_by("mgr"));
        assert!(prs().status(Open).all().await.unwrap().is_empty());
        assert_eq!(prs().status(Closed).all().await.unwrap(), vec![pr_closed.clone()]);
        let prs = || db.pull_requests().activity(&pr_activity_of("o", "r"));
        assert!(prs().status(Open).all().await.unwrap().is_empty());
        assert_eq!(prs().status(Closed).all().await.unwrap(), vec![pr_closed.clone()]);
        // In sort-key order: entity first, then status.
        assert_eq!(
            db.managed(&managed_collection("mgr")).all().await.unwrap(),
            vec![
                ManagedItem::Issue(closed.clone()),
                ManagedItem::Issue(neighbour.clone()),
                ManagedItem::PullRequest(pr_closed.clone()),
            ]
        );
        assert_eq!(
            db.activity(&activity_collection("o", "r")).all().await.unwrap(),
            vec![
                ActivityItem::Issue(closed.clone()),
                ActivityItem::Issue(neighbour.clone()),
                ActivityItem::PullRequest(pr_closed.clone()),
            ]
        );
        assert_eq!(raw_item_count(&db).await, 3);
    })
    .await;
}

#[tokio::test]
async fn reassigning_an_issue_moves_it_to_the_new_users_managed_partition() {
    with_vcs("vcs-reassign", |db| async move {
        use IssueStatus::{Closed, Open};
        let before = db.issues().put(&issue("o", "r", "1", "mgr", Closed)).await.unwrap();
        let keys_before = index_keys(&db, "vcs#o#r#", "Issue#1#").await;
        assert_eq!(
            keys_before,
            keys(
                "vcs#mgr#",
                "managed#Issue#Closed#1#",
                "vcs#o#r#",
                "activity#Issue#Closed#1#"
            )
        );

        let moved = db.issues().update(&before.key()).set_username("other").await.unwrap();
        assert_eq!(
            moved,
            Issue {
                username: "other".into(),
                updated_at: moved.updated_at,
                ..before.clone()
            }
        );
        assert!(moved.updated_at > before.updated_at);
        // gsi1pk is rewritten; gsi1sk and the gsi2 keys do not depend on the username.
        let keys_after = index_keys(&db, "vcs#o#r#", "Issue#1#").await;
        assert_eq!(keys_after[0].as_deref(), Some("vcs#other#"));
        assert_eq!(keys_after[1..], keys_before[1..]);

        assert!(db.issues().managed(&managed_by("mgr")).all().await.unwrap().is_empty());
        assert_eq!(
            db.issues()
                .managed(&managed_by("other"))
                .status(Closed)
                .issue_number("1")
                .all()
                .await
                .unwrap(),
            vec![moved.clone()]
        );
        let old: ManagedCollection = db.managed(&managed_collection("mgr")).collect().await.unwrap();
        assert_eq!(old, ManagedCollection::default());
        let new: ManagedCollection = db.managed(&managed_collection("other")).collect().await.unwrap();
        assert_eq!(new.issues, vec![moved.clone()]);
        // Still the same item in the same repository.
        assert_eq!(
            db.issues().activity(&activity_of("o", "r")).all().await.unwrap(),
            vec![moved.clone()]
        );
        assert_eq!(raw_item_count(&db).await, 1);

        // Username and status at once: partition and both sort keys move.
        let back = db
            .issues()
            .update(&before.key())
            .set_status(Open)
            .set_username("mgr")
            .await
            .unwrap();
        assert_eq!((back.username.as_str(), back.status), ("mgr", Open));
        assert_eq!(back.created_at, before.created_at);
        assert_eq!(
            index_keys(&db, "vcs#o#r#", "Issue#1#").await,
            keys(
                "vcs#mgr#",
                "managed#Issue#Open#1#",
                "vcs#o#r#",
                "activity#Issue#Open#1#"
            )
        );
        assert!(db
            .issues()
            .managed(&managed_by("other"))
            .all()
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            db.issues()
                .managed(&managed_by("mgr"))
                .status(Open)
                .all()
                .await
                .unwrap(),
            vec![back.clone()]
        );
        assert_eq!(
            db.issues()
                .activity(&activity_of("o", "r"))
                .status(Open)
                .all()
                .await
                .unwrap(),
            vec![back]
        );
    })
    .await;
}

#[tokio::test]
async fn updating_a_missing_issue_fails_with_not_found_and_creates_nothing() {
    with_vcs("vcs-update-missing", |db| async move {
        use IssueStatus::{Closed, Open};
        let existing = db.issues().put(&issue("o", "r", "1", "mgr", Open)).await.unwrap();
        let missing = issue_key("o", "r", "2");
        let not_found = |result: Result<Issue, Error>, what: &str| {
            assert!(
                matches!(result, Err(Error::NotFound { entity: "Issue" })),
                "{what}: {result:?}"
            );
        };
        not_found(db.issues().update(&missing).set_status(Closed).await, "set_status");
        not_found(
            db.issues().update(&missing).set_username("x").set_subject("s").await,
            "set_username",
        );
        not_found(db.issues().update(&missing).await, "no setter");
        not_found(
            db.issues()
                .update(&missing)
                .set_body("b")
                .condition(|a| a.status.eq(Open))
                .await,
            "with a condition",
        );
        not_found(
            db.issues()
                .update(&missing)
                .set_status(Closed)
                .send_returning_old()
                .await,
            "send_returning_old",
        );
        // An issue's key values are no pull request's key.
        let pr = db
            .pull_requests()
            .update(&PullRequestKey {
                repo_owner: "o".into(),
                repo_name: "r".into(),
                pull_request_number: "1".into(),
            })
            .set_status(Closed)
            .await;
        assert!(matches!(pr, Err(Error::NotFound { entity: "PullRequest" })), "{pr:?}");

        assert_eq!(raw_item_count(&db).await, 1, "nothing was created");
        assert_eq!(db.issues().get_consistent(&missing).await.unwrap(), None);
        assert_eq!(
            db.issues().get_consistent(&existing.key()).await.unwrap(),
            Some(existing.clone())
        );
        assert!(db.issues().managed(&managed_by("x")).all().await.unwrap().is_empty());
        assert_eq!(
            db.issues().managed(&managed_by("mgr")).all().await.unwrap(),
            vec![existing]
        );
    })
    .await;
}

#[tokio::test]
async fn an_update_conditioned_on_status_runs_only_while_the_condition_holds() {
    with_vcs("vcs-update-condition", |db| async move {
        use IssueStatus::{Closed, Open};
        let open = db.issues().put(&issue("o", "r", "1", "mgr", Open)).await.unwrap();
        let key = open.key();

        // `status` is a DynamoDB reserved word; the condition still works.
        let retitled = db
            .issues()
            .update(&key)
            .set_subject("Retitled")
            .condition(|a| a.status.eq(Open))
            .await
            .unwrap();
        assert_eq!(retitled.subject, "Retitled");
        assert_eq!(retitled.status, Open);

        // Close only if open: the first close goes ahead...
        let closed = db
            .issues()
            .update(&key)
            .set_status(Closed)
            .condition(|a| a.status.eq(Open))
            .await
            .unwrap();
        assert_eq!(closed.status, Closed);
        assert_eq!(
            closed,
            Issue {
                status: Closed,
                updated_at: closed.updated_at,
                ..retitled.clone()
            }
        );

        // ...the second is refused, carrying the stored (closed) issue.
        let err = db
            .issues()
            .update(&key)
            .set_status(Closed)
            .set_subject("Closed twice")
            .condition(|a| a.status.eq(Open))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ConditionFailed {
                    entity: "Issue",
                    operation: Operation::Update,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(db.issues().get_consistent(&key).await.unwrap(), Some(closed.clone()));
        assert_eq!(
            db.issues()
                .managed(&managed_by("mgr"))
                .status(Closed)
                .all()
                .await
                .unwrap(),
            vec![closed.clone()]
        );
        assert_eq!(err.current::<Issue>(), Some(&closed), "{err:?}");
        assert_eq!(err.current::<PullRequest>(), None);

        // Several conditions must all hold.
        let err = db
            .issues()
            .update(&key)
            .set_body("b")
            .condition(|a| a.status.eq(Closed))
            .condition(|a| a.username.eq("someone else"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ConditionFailed { .. }), "{err:?}");
        assert_eq!(db.issues().get_consistent(&key).await.unwrap(), Some(closed.clone()));
        assert_eq!(err.current::<Issue>(), Some(&closed), "{err:?}");
        let reopened = db
            .issues()
            .update(&key)
            .set_status(Open)
            .condition(|a| a.status.eq(Closed))
            .condition(|a| a.username.eq("mgr"))
            .await
            .unwrap();
        assert_eq!(reopened.status, Open);
        assert_eq!(db.issues().get_consistent(&key).await.unwrap(), Some(reopened));
    })
    .await;
}

#[tokio::test]
async fn upsert_keeps_created_at_and_moves_index_keys_with_the_new_status() {
    with_vcs("vcs-upsert", |db| async move {
        use IssueStatus::{Closed, Open};
        let original = db.issues().put(&issue("o", "r", "1", "mgr", Open)).await.unwrap();

        // The whole item is replaced, timestamps aside: createdAt is the
        // stored one, updatedAt is now (the value's own are ignored).
        let mut replacement = issue("o", "r", "1", "mgr", Closed);
        replacement.subject = "Upserted".into();
        let upserted = db.issues().upsert(&replacement).await.unwrap();
        assert_eq!(upserted.created_at, original.created_at);
        assert!(upserted.updated_at > original.updated_at);
        assert_eq!(
            upserted,
            Issue {
                created_at: original.created_at,
                updated_at: upserted.updated_at,
                ..replacement.clone()
            }
        );
        assert_eq!(
            db.issues().get_consistent(&original.key()).await.unwrap(),
            Some(upserted.clone())
        );
        assert_eq!(
            index_keys(&db, "vcs#o#r#", "Issue#1#").await,
            keys(
                "vcs#mgr#",
                "managed#Issue#Closed#1#",
                "vcs#o#r#",
                "activity#Issue#Closed#1#"
            )
        );
        let managed = || db.issues().managed(&managed_by("mgr"));
        assert!(managed().status(Open).all().await.unwrap().is_empty());
        assert_eq!(managed().status(Closed).all().await.unwrap(), vec![upserted.clone()]);
        let activity = || db.issues().activity(&activity_of("o", "r"));
        assert!(activity().status(Open).all().await.unwrap().is_empty());
        assert_eq!(activity().status(Closed).all().await.unwrap(), vec![upserted.clone()]);

        // Again with another user: the managed partition moves too, and
        // createdAt is still the first write's.
        let mut reassigned = upserted.clone();
        reassigned.username = "other".into();
        let reassigned = db.issues().upsert(&reassigned).await.unwrap();
        assert_eq!(reassigned.created_at, original.created_at);
        assert!(reassigned.updated_at > upserted.updated_at);
        assert_eq!(
            index_keys(&db, "vcs#o#r#", "Issue#1#").await,
            keys(
                "vcs#other#",
                "managed#Issue#Closed#1#",
                "vcs#o#r#",
                "activity#Issue#Closed#1#"
            )
        );
        assert!(managed().all().await.unwrap().is_empty());
        assert_eq!(
            db.issues().managed(&managed_by("other")).all().await.unwrap(),
            vec![reassigned.clone()]
        );
        assert_eq!(raw_item_count(&db).await, 1);

        // Upsert of a new item writes it like put: both timestamps now.
        let before = Utc::now();
        let given = issue("o", "r", "2", "mgr", Open);
        let fresh = db.issues().upsert(&given).await.unwrap();
        assert!(fresh.created_at >= before, "{} < {before}", fresh.created_at);
        assert_eq!(fresh.updated_at, fresh.created_at);
        assert_eq!(untimed(&fresh), untimed(&given));
        assert_eq!(
            db.issues().get_consistent(&given.key()).await.unwrap(),
            Some(fresh.clone())
        );
        assert_eq!(managed().status(Open).all().await.unwrap(), vec![fresh]);
    })
    .await;
}

#[tokio::test]
async fn conditional_put_and_delete_refuse_without_changing_anything() {
    with_vcs("vcs-conditional-writes", |db| async move {
        use IssueStatus::{Closed, Open};
        let closed = db.issues().put(&issue("o", "r", "1", "mgr", Closed)).await.unwrap();
        let unchanged = || async {
            assert_eq!(
                db.issues().get_consistent(&closed.key()).await.unwrap(),
                Some(closed.clone())
            );
            assert_eq!(raw_item_count(&db).await, 1);
            let managed = || db.issues().managed(&managed_by("mgr"));
            assert!(managed().status(Open).all().await.unwrap().is_empty());
            assert_eq!(managed().status(Closed).all().await.unwrap(), vec![closed.clone()]);
        };

        // A put that must not overwrite a closed issue.
        let mut reopen = closed.clone();
        reopen.status = Open;
        reopen.body = "Reopened".into();
        let err = db
            .issues()
            .put(&reopen)
            .condition(|a| a.status.ne(Closed))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ConditionFailed {
                    entity: "Issue",
                    operation: Operation::Put,
                    ..
                }
            ),
            "{err:?}"
        );
        unchanged().await;
        assert_eq!(err.current::<Issue>(), Some(&closed), "{err:?}");

        // A delete of open issues only.
        let err = db
            .issues()
            .delete(&closed.key())
            .condition(|a| a.status.eq(Open))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ConditionFailed {
                    entity: "Issue",
                    operation: Operation::Delete,
                    ..
                }
            ),
            "{err:?}"
        );
        unchanged().await;
        assert_eq!(err.current::<Issue>(), Some(&closed), "{err:?}");

        // When the condition holds they go ahead.
        let open = db.issues().put(&issue("o", "r", "2", "mgr", Open)).await.unwrap();
        let rewritten = db
            .issues()
            .put(&Issue {
                body: "Rewritten".into(),
                ..open.clone()
            })
            .condition(|a| a.status.ne(Closed))
            .await
            .unwrap();
        assert_eq!(rewritten.body, "Rewritten");
        assert_eq!(
            db.issues().get_consistent(&open.key()).await.unwrap(),
            Some(rewritten.clone())
        );
        db.issues()
            .delete(&closed.key())
            .condition(|a| a.status.eq(Closed))
            .await
            .unwrap();
        assert_eq!(db.issues().get_consistent(&closed.key()).await.unwrap(), None);
        assert_eq!(
            db.issues().managed(&managed_by("mgr")).all().await.unwrap(),
            vec![rewritten]
        );
        assert_eq!(raw_item_count(&db).await, 1);
    })
    .await;
}

#[tokio::test]
async fn query_filters_narrow_index_and_primary_key_queries() {
    with_vcs("vcs-filters", |db| async move {
        seed_queries(&db).await;
        use IssueStatus::{Closed, Open};
        let managed = || db.issues().managed(&managed_by("mgr"));

        // A filter after the status stage: closed r2#1 ("Issue 1 of o/r2")
        // matches the filter but not the key condition.
        let open_1x = managed()
            .status(Open)
            .filter(|a| a.subject.begins_with("Issue 1"))
            .all()
            .await
            .unwrap();
        assert_eq!(
            triples(&open_1x),
            [("r", "1", Open), ("r", "10", Open), ("r", "100", Open)]
        );
        let any_1x = managed()
            .filter(|a| a.subject.begins_with("Issue 1"))
            .all()
            .await
            .unwrap();
        assert_eq!(
            triples(&any_1x),
            [
                ("r2", "1", Closed),
                ("r", "1", Open),
                ("r", "10", Open),
                ("r", "100", Open)
            ]
        );
        // Several filters must all hold; `status` is a reserved word.
        let closed_1x = managed()
            .filter(|a| a.subject.begins_with("Issue 1"))
            .filter(|a| a.status.eq(Closed))
            .all()
            .await
            .unwrap();
        assert_eq!(triples(&closed_1x), [("r2", "1", Closed)]);

        // A filter on a primary-key query.
        let by_mgr = db
            .issues()
            .query(&partition("o", "r2"))
            .filter(|a| a.username.eq("mgr"))
            .all()
            .await
            .unwrap();
        assert_eq!(numbers(&by_mgr), ["1", "3"]);
        assert!(by_mgr.iter().all(|i| i.username == "mgr"));
        let open_in_r2 = db
            .issues()
            .query(&partition("o", "r2"))
            .filter(|a| a.status.eq(Open))
            .all()
            .await
            .unwrap();
        assert_eq!(triples(&open_in_r2), [("r2", "15", Open)]);
        assert!(db
            .issues()
            .query(&partition("o", "r"))
            .filter(|a| a.username.eq("other"))
            .all()
            .await
            .unwrap()
            .is_empty());

        // DynamoDB filters after reading: a page of 2 read items may hold
        // none and still have a next page; `all` with a limit counts matches.
        let twos = || managed().status(Open).filter(|a| a.subject.begins_with("Issue 2"));
        let query = twos().limit(2);
        let p1 = query.page(None).await.unwrap();
        assert!(p1.items.is_empty(), "{:?}", numbers(&p1.items));
        let p2 = query.page(Some(p1.next.as_ref().expect("a next page"))).await.unwrap();
        assert_eq!(numbers(&p2.items), ["2"]);
        let p3 = query.page(Some(p2.next.as_ref().expect("a next page"))).await.unwrap();
        assert_eq!(numbers(&p3.items), ["20"]);
        assert!(p3.next.is_none());
        assert_eq!(numbers(&twos().limit(1).all().await.unwrap()), ["2"]);
        assert_eq!(numbers(&twos().all().await.unwrap()), ["2", "20"]);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Queries on the primary key and both indexes of Issue.
// ---------------------------------------------------------------------------

/// In repository o/r, open issues 1, 10, 100, 2, 20 managed by `mgr`; in
/// o/r2, closed issues 1 and 3 managed by `mgr` and open issue 15 managed by
/// `other`; plus neighbours that must never be read: a pull request and the
/// repository itself in the same partitions, and o/r-2 (another partition).
async fn seed_queries(db: &Vcs) {
    let mut all = Vec::new();
    for n in ["1", "10", "100", "2", "20"] {
        all.push(issue("o", "r", n, "mgr", IssueStatus::Open));
    }
    all.push(issue("o", "r2", "1", "mgr", IssueStatus::Closed));
    all.push(issue("o", "r2", "3", "mgr", IssueStatus::Closed));
    all.push(issue("o", "r2", "15", "other", IssueStatus::Open));
    all.push(issue("o", "r-2", "1", "someone", IssueStatus::Open));
    put_all(db, &all).await;
    for (repo, username) in [("r", "mgr"), ("r2", "mgr")] {
        db.pull_requests()
            .put(&seed_pull_request("1", repo, "o", username, "pr", "pr"))
            .await
            .unwrap();
    }
    let mut repo = hello_world();
    repo.repo_owner = "o".into();
    repo.repo_name = "r".into();
    repo.username = "mgr".into();
    db.repositories().put(&repo).await.unwrap();
}

#[tokio::test]
async fn primary_key_queries_match_exactly() {
    with_vcs("vcs-primary", |db| async move {
        seed_queries(&db).await;
        let q = || db.issues().query(&partition("o", "r"));

        // String order: `1` < `10` < `100` < `2` < `20`.
        assert_eq!(numbers(&q().all().await.unwrap()), ["1", "10", "100", "2", "20"]);
        assert_eq!(
            numbers(&q().consistent().all().await.unwrap()),
            ["1", "10", "100", "2", "20"]
        );
        assert_eq!(
            numbers(&q().descending().all().await.unwrap()),
            ["20", "2", "100", "10", "1"]
        );
        assert_eq!(numbers(&q().limit(2).all().await.unwrap()), ["1", "10"]);
        assert_eq!(numbers(&q().descending().limit(2).all().await.unwrap()), ["20", "2"]);

        assert_eq!(numbers(&q().issue_number("1").all().await.unwrap()), ["1"]);
        assert_eq!(numbers(&q().issue_number("10").all().await.unwrap()), ["10"]);
        assert!(q().issue_number("3").all().await.unwrap().is_empty());
        assert_eq!(
            numbers(&q().issue_number_begins("1").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert_eq!(
            numbers(&q().issue_number_begins("10").all().await.unwrap()),
            ["10", "100"]
        );
        assert_eq!(numbers(&q().issue_number_begins("2").all().await.unwrap()), ["2", "20"]);
        assert!(q().issue_number_begins("3").all().await.unwrap().is_empty());
        assert_eq!(
            numbers(&q().issue_number_gt("1").all().await.unwrap()),
            ["10", "100", "2", "20"]
        );
        assert_eq!(numbers(&q().issue_number_gt("100").all().await.unwrap()), ["2", "20"]);
        assert_eq!(numbers(&q().issue_number_gt("2").all().await.unwrap()), ["20"]);
        assert!(q().issue_number_gt("20").all().await.unwrap().is_empty());
        assert_eq!(
            numbers(&q().issue_number_gte("10").all().await.unwrap()),
            ["10", "100", "2", "20"]
        );
        assert_eq!(numbers(&q().issue_number_gte("2").all().await.unwrap()), ["2", "20"]);
        assert_eq!(
            numbers(&q().issue_number_lt("2").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert!(q().issue_number_lt("1").all().await.unwrap().is_empty());
        assert_eq!(numbers(&q().issue_number_lt("10").all().await.unwrap()), ["1"]);
        assert_eq!(numbers(&q().issue_number_lte("10").all().await.unwrap()), ["1", "10"]);
        assert_eq!(
            numbers(&q().issue_number_lte("2").all().await.unwrap()),
            ["1", "10", "100", "2"]
        );
        assert_eq!(
            numbers(&q().issue_number_between("10", "2").all().await.unwrap()),
            ["10", "100", "2"]
        );
        assert_eq!(numbers(&q().issue_number_between("1", "1").all().await.unwrap()), ["1"]);
        assert_eq!(
            numbers(&q().issue_number_between("1", "10").all().await.unwrap()),
            ["1", "10"]
        );
        assert_eq!(
            numbers(&q().issue_number_gt("1").descending().limit(3).all().await.unwrap()),
            ["20", "2", "100"]
        );

        // Other partitions are separate: o/r2 and o/r-2.
        assert_eq!(
            numbers(&db.issues().query(&partition("o", "r2")).all().await.unwrap()),
            ["1", "15", "3"]
        );
        assert_eq!(
            numbers(&db.issues().query(&partition("o", "r-2")).all().await.unwrap()),
            ["1"]
        );
        assert!(db
            .issues()
            .query(&partition("o", "nothing"))
            .all()
            .await
            .unwrap()
            .is_empty());
        // The repository query of owner `o` sees the repository only.
        let repos = db
            .repositories()
            .query(&RepositoryPartition { repo_owner: "o".into() })
            .all()
            .await
            .unwrap();
        assert_eq!(repos.len(), 1);
        assert_eq!(repos[0].repo_name, "r");
    })
    .await;
}

#[tokio::test]
async fn managed_index_queries_match_exactly() {
    with_vcs("vcs-managed", |db| async move {
        seed_queries(&db).await;
        let q = || db.issues().managed(&managed_by("mgr"));
        use IssueStatus::{Closed, Open};

        let all = vec![
            ("r2", "1", Closed),
            ("r2", "3", Closed),
            ("r", "1", Open),
            ("r", "10", Open),
            ("r", "100", Open),
            ("r", "2", Open),
            ("r", "20", Open),
        ];
        assert_eq!(triples(&q().all().await.unwrap()), all);
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(triples(&q().descending().all().await.unwrap()), reversed);
        assert_eq!(triples(&q().limit(3).all().await.unwrap()), all[..3]);

        // Status alone.
        assert_eq!(triples(&q().status(Open).all().await.unwrap()), all[2..]);
        assert_eq!(triples(&q().status(Closed).all().await.unwrap()), all[..2]);
        assert_eq!(
            numbers(&q().status(Open).descending().all().await.unwrap()),
            ["20", "2", "100", "10", "1"]
        );
        assert_eq!(numbers(&q().status(Open).limit(2).all().await.unwrap()), ["1", "10"]);

        // Status ranges (Closed < Open).
        assert_eq!(triples(&q().status_gt(Closed).all().await.unwrap()), all[2..]);
        assert!(q().status_gt(Open).all().await.unwrap().is_empty());
        assert_eq!(triples(&q().status_gte(Closed).all().await.unwrap()), all);
        assert_eq!(triples(&q().status_gte(Open).all().await.unwrap()), all[2..]);
        assert_eq!(triples(&q().status_lt(Open).all().await.unwrap()), all[..2]);
        assert!(q().status_lt(Closed).all().await.unwrap().is_empty());
        assert_eq!(triples(&q().status_lte(Closed).all().await.unwrap()), all[..2]);
        assert_eq!(triples(&q().status_lte(Open).all().await.unwrap()), all);
        assert_eq!(triples(&q().status_between(Closed, Open).all().await.unwrap()), all);
        assert_eq!(triples(&q().status_between(Open, Open).all().await.unwrap()), all[2..]);
        assert_eq!(
            triples(&q().status_between(Closed, Closed).all().await.unwrap()),
            all[..2]
        );

        // Status and number: `.issue_number("1")` is open r#1 only, not closed r2#1.
        assert_eq!(
            triples(&q().status(Open).issue_number("1").all().await.unwrap()),
            [("r", "1", Open)]
        );
        assert_eq!(
            triples(&q().status(Closed).issue_number("1").all().await.unwrap()),
            [("r2", "1", Closed)]
        );
        assert!(q().status(Closed).issue_number("10").all().await.unwrap().is_empty());
        assert_eq!(
            numbers(&q().status(Open).issue_number_begins("1").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert_eq!(
            numbers(&q().status(Open).issue_number_lt("2").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert_eq!(
            numbers(&q().status(Open).issue_number_lte("2").all().await.unwrap()),
            ["1", "10", "100", "2"]
        );
        assert_eq!(
            numbers(&q().status(Open).issue_number_gt("100").all().await.unwrap()),
            ["2", "20"]
        );
        assert_eq!(
            numbers(&q().status(Open).issue_number_gte("100").all().await.unwrap()),
            ["100", "2", "20"]
        );
        assert_eq!(
            numbers(&q().status(Open).issue_number_between("100", "20").all().await.unwrap()),
            ["100", "2", "20"]
        );
        assert_eq!(
            numbers(&q().status(Open).issue_number_between("10", "10").all().await.unwrap()),
            ["10"]
        );
        // Closed r2#1 and r2#3 must not leak into the open ranges, and vice versa.
        assert_eq!(
            triples(&q().status(Closed).issue_number_gt("1").all().await.unwrap()),
            [("r2", "3", Closed)]
        );
        assert_eq!(
            triples(&q().status(Closed).issue_number_lt("3").all().await.unwrap()),
            [("r2", "1", Closed)]
        );
        assert_eq!(
            triples(&q().status(Closed).issue_number_gte("1").all().await.unwrap()),
            all[..2]
        );
        assert_eq!(
            triples(&q().status(Closed).issue_number_lte("9").all().await.unwrap()),
            all[..2]
        );
        assert_eq!(
            numbers(
                &q().status(Open)
                    .issue_number_gte("10")
                    .descending()
                    .limit(2)
                    .all()
                    .await
                    .unwrap()
            ),
            ["20", "2"]
        );

        // Another user's partition.
        assert_eq!(
            triples(&db.issues().managed(&managed_by("other")).all().await.unwrap()),
            [("r2", "15", Open)]
        );
        assert!(db.issues().managed(&managed_by("mg")).all().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn activity_index_queries_match_exactly() {
    with_vcs("vcs-activity", |db| async move {
        seed_queries(&db).await;
        use IssueStatus::{Closed, Open};
        let r = || db.issues().activity(&activity_of("o", "r"));
        let r2 = || db.issues().activity(&activity_of("o", "r2"));

        // Only issues: the repository and pull requests of the partition are not read.
        assert_eq!(numbers(&r().all().await.unwrap()), ["1", "10", "100", "2", "20"]);
        assert_eq!(
            triples(&r2().all().await.unwrap()),
            [("r2", "1", Closed), ("r2", "3", Closed), ("r2", "15", Open)]
        );
        assert_eq!(
            triples(&r2().descending().all().await.unwrap()),
            [("r2", "15", Open), ("r2", "3", Closed), ("r2", "1", Closed)]
        );
        assert_eq!(numbers(&r2().status(Closed).all().await.unwrap()), ["1", "3"]);
        assert_eq!(numbers(&r2().status(Open).all().await.unwrap()), ["15"]);
        assert_eq!(numbers(&r2().status_gt(Closed).all().await.unwrap()), ["15"]);
        assert_eq!(numbers(&r2().status_lt(Open).all().await.unwrap()), ["1", "3"]);
        assert_eq!(numbers(&r2().status_lte(Open).all().await.unwrap()), ["1", "3", "15"]);
        assert_eq!(numbers(&r2().status_gte(Open).all().await.unwrap()), ["15"]);
        assert_eq!(
            numbers(&r2().status_between(Closed, Open).all().await.unwrap()),
            ["1", "3", "15"]
        );
        assert_eq!(
            numbers(&r2().status(Closed).issue_number("3").all().await.unwrap()),
            ["3"]
        );
        assert!(r2().status(Open).issue_number("1").all().await.unwrap().is_empty());
        assert_eq!(
            numbers(&r2().status(Open).issue_number_begins("1").all().await.unwrap()),
            ["15"]
        );

        assert_eq!(numbers(&r().status(Open).issue_number("1").all().await.unwrap()), ["1"]);
        assert!(r().status(Closed).all().await.unwrap().is_empty());
        assert_eq!(
            numbers(&r().status(Open).issue_number_begins("1").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert_eq!(
            numbers(&r().status(Open).issue_number_lt("2").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert_eq!(
            numbers(&r().status(Open).issue_number_lte("100").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert_eq!(
            numbers(&r().status(Open).issue_number_gt("1").all().await.unwrap()),
            ["10", "100", "2", "20"]
        );
        assert_eq!(
            numbers(&r().status(Open).issue_number_gte("2").all().await.unwrap()),
            ["2", "20"]
        );
        assert_eq!(
            numbers(&r().status(Open).issue_number_between("1", "100").all().await.unwrap()),
            ["1", "10", "100"]
        );
        assert_eq!(
            numbers(&r().status(Open).descending().limit(1).all().await.unwrap()),
            ["20"]
        );
    })
    .await;
}

// ---------------------------------------------------------------------------
// Pagination and cursors.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn pages_cursors_and_streams() {
    with_vcs("vcs-pages", |db| async move {
        let expected: Vec<String> = (1..=25).map(|n| format!("{n:02}")).collect();
        let given: Vec<Issue> = expected
            .iter()
            .map(|n| issue("o", "big", n, "pager", IssueStatus::Open))
            .collect();
        let issues = put_all(&db, &given).await;
        // A neighbouring partition, to see pages never cross into it.
        put_all(&db, &[issue("o", "big2", "00", "pager2", IssueStatus::Open)]).await;

        // Primary key: 10, 10, 5, and no cursor after the last page.
        let query = db.issues().query(&partition("o", "big")).limit(10);
        let mut sizes = Vec::new();
        let mut seen = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = query.page(cursor.as_ref()).await.unwrap();
            sizes.push(page.items.len());
            seen.extend(page.items.iter().map(|i| i.issue_number.clone()));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(sizes.len() < 10, "runaway pagination");
        }
        assert_eq!(sizes, [10, 10, 5]);
        assert_eq!(seen, expected);
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 25, "no duplicates");

        // The same cursor gives the same page again (cursors are stateless).
        let first = query.page(None).await.unwrap();
        let next = first.next.clone().expect("cursor after a full page");
        let second_a = query.page(Some(&next)).await.unwrap();
        let second_b = query.page(Some(&next)).await.unwrap();
        assert_eq!(numbers(&second_a.items), numbers(&second_b.items));
        assert_eq!(second_a.next, second_b.next);
        assert_eq!(numbers(&second_a.items).first(), Some(&"11"));
        // A cursor survives a round trip through its string form.
        let restored = Cursor::from(next.to_string());
        assert_eq!(
            numbers(&query.page(Some(&restored)).await.unwrap().items),
            numbers(&second_a.items)
        );

        // Descending pages.
        let query = db.issues().query(&partition("o", "big")).descending().limit(10);
        let p1 = query.page(None).await.unwrap();
        let p2 = query.page(p1.next.as_ref()).await.unwrap();
        let p3 = query.page(p2.next.as_ref()).await.unwrap();
        assert!(p3.next.is_none());
        let mut down: Vec<String> = [p1.items, p2.items, p3.items]
            .concat()
            .into_iter()
            .map(|i| i.issue_number)
            .collect();
        down.reverse();
        assert_eq!(down, expected);

        // The same on an index (gsi1) with a sort-key condition.
        let query = db
            .issues()
            .managed(&managed_by("pager"))
            .status(IssueStatus::Open)
            .limit(10);
        let p1 = query.page(None).await.unwrap();
        let p2 = query.page(p1.next.as_ref()).await.unwrap();
        let p3 = query.page(p2.next.as_ref()).await.unwrap();
        assert_eq!((p1.items.len(), p2.items.len(), p3.items.len()), (10, 10, 5));
        assert!(p3.next.is_none());
        let union: Vec<String> = [p1.items, p2.items, p3.items]
            .concat()
            .into_iter()
            .map(|i| i.issue_number)
            .collect();
        assert_eq!(union, expected);

        // A range condition that ends mid-partition: 11..=25 in pages of 10.
        let query = db
            .issues()
            .query(&partition("o", "big"))
            .issue_number_gt("10")
            .limit(10);
        let p1 = query.page(None).await.unwrap();
        let p2 = query.page(p1.next.as_ref()).await.unwrap();
        assert_eq!(
            numbers(&p1.items),
            expected[10..20].iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert_eq!(
            numbers(&p2.items),
            expected[20..].iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert!(p2.next.is_none());

        // stream() and all().
        let streamed: Vec<Issue> = db
            .issues()
            .query(&partition("o", "big"))
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed, issues);
        let streamed: Vec<Issue> = db
            .issues()
            .managed(&managed_by("pager"))
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed, issues);
        let seven = db.issues().query(&partition("o", "big")).limit(7).all().await.unwrap();
        assert_eq!(seven, issues[..7]);
        let seven: Vec<Issue> = db
            .issues()
            .query(&partition("o", "big"))
            .limit(7)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(seven, issues[..7]);
        let last_three = db
            .issues()
            .query(&partition("o", "big"))
            .descending()
            .limit(3)
            .all()
            .await
            .unwrap();
        assert_eq!(numbers(&last_three), ["25", "24", "23"]);
        assert!(db
            .issues()
            .query(&partition("o", "big"))
            .limit(0)
            .all()
            .await
            .unwrap()
            .is_empty());

        // A collection pages too: 25 issues of `pager` in `managed`, 7 at a time.
        let query = db
            .managed(&ManagedCollectionKey {
                username: "pager".into(),
            })
            .limit(7);
        let mut count = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = query.page(cursor.as_ref()).await.unwrap();
            count.push(page.items.len());
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(count.len() < 10, "runaway pagination");
        }
        assert_eq!(count, [7, 7, 7, 4]);
    })
    .await;
}

#[tokio::test]
async fn stream_follows_dynamodb_pages_of_one_megabyte() {
    with_vcs("vcs-stream-1mb", |db| async move {
        // 30 items of ~100 KB: DynamoDB returns at most 1 MB per page, so
        // an unlimited query takes several requests.
        let body = "x".repeat(100 * 1024);
        let mut issues = Vec::new();
        for n in 0..30 {
            let mut i = issue("o", "heavy", &format!("{n:02}"), "heavy", IssueStatus::Open);
            i.body = body.clone();
            issues.push(db.issues().put(&i).await.unwrap());
        }
        let first = db.issues().query(&partition("o", "heavy")).page(None).await.unwrap();
        assert!(first.items.len() < 30, "one page of {} items", first.items.len());
        assert!(first.next.is_some());
        let streamed: Vec<Issue> = db
            .issues()
            .query(&partition("o", "heavy"))
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed.len(), 30);
        assert_eq!(streamed, issues);
        let all = db.issues().activity(&activity_of("o", "heavy")).all().await.unwrap();
        assert_eq!(numbers(&all), numbers(&issues));
        // A limit above one page's worth still stops at the limit.
        let limited = db
            .issues()
            .query(&partition("o", "heavy"))
            .limit(25)
            .all()
            .await
            .unwrap();
        assert_eq!(limited, issues[..25]);
    })
    .await;
}

#[tokio::test]
async fn cursors_are_bound_to_their_query() {
    with_vcs("vcs-cursors", |db| async move {
        seed_queries(&db).await;
        // A managed (gsi1) cursor, a primary-key cursor and an activity (gsi2) cursor.
        let managed_page = db
            .issues()
            .managed(&managed_by("mgr"))
            .limit(2)
            .page(None)
            .await
            .unwrap();
        let managed_cursor = managed_page.next.expect("managed cursor");
        let primary_page = db
            .issues()
            .query(&partition("o", "r"))
            .limit(2)
            .page(None)
            .await
            .unwrap();
        let primary_cursor = primary_page.next.expect("primary cursor");
        let activity_page = db
            .issues()
            .activity(&activity_of("o", "r"))
            .limit(2)
            .page(None)
            .await
            .unwrap();
        let activity_cursor = activity_page.next.expect("activity cursor");

        // Each works on its own query.
        let rest = db
            .issues()
            .managed(&managed_by("mgr"))
            .limit(10)
            .page(Some(&managed_cursor))
            .await
            .unwrap();
        assert_eq!(numbers(&rest.items), ["1", "10", "100", "2", "20"]);
        let rest = db
            .issues()
            .query(&partition("o", "r"))
            .page(Some(&primary_cursor))
            .await
            .unwrap();
        assert_eq!(numbers(&rest.items), ["100", "2", "20"]);

        // Another index.
        let collection_key = ActivityCollectionKey {
            repo_owner: "o".into(),
            repo_name: "r".into(),
        };
        assert_invalid_cursor(
            db.activity(&collection_key).page(Some(&managed_cursor)).await,
            "activity",
            "another index",
        );
        assert_invalid_cursor(
            db.issues()
                .activity(&activity_of("o", "r"))
                .page(Some(&managed_cursor))
                .await,
            "Issue",
            "another index",
        );
        assert_invalid_cursor(
            db.issues()
                .query(&partition("o", "r"))
                .page(Some(&managed_cursor))
                .await,
            "Issue",
            "another index",
        );
        assert_invalid_cursor(
            db.issues()
                .managed(&managed_by("mgr"))
                .page(Some(&primary_cursor))
                .await,
            "Issue",
            "another index",
        );
        assert_invalid_cursor(
            db.issues()
                .managed(&managed_by("mgr"))
                .page(Some(&activity_cursor))
                .await,
            "Issue",
            "another index",
        );
        assert_invalid_cursor(
            db.issues()
                .query(&partition("o", "r"))
                .page(Some(&activity_cursor))
                .await,
            "Issue",
            "another index",
        );

        // Another partition of the same index.
        assert_invalid_cursor(
            db.issues()
                .query(&partition("o", "r2"))
                .page(Some(&primary_cursor))
                .await,
            "Issue",
            "another partition",
        );
        assert_invalid_cursor(
            db.issues()
                .managed(&managed_by("other"))
                .page(Some(&managed_cursor))
                .await,
            "Issue",
            "another partition",
        );
        assert_invalid_cursor(
            db.issues()
                .activity(&activity_of("o", "r2"))
                .page(Some(&activity_cursor))
                .await,
            "Issue",
            "another partition",
        );

        // The same partition, but a sort-key condition the cursor lies outside of.
        let open_cursor = db
            .issues()
            .managed(&managed_by("mgr"))
            .status(IssueStatus::Open)
            .limit(1)
            .page(None)
            .await
            .unwrap()
            .next
            .expect("open cursor");
        assert_invalid_cursor(
            db.issues()
                .managed(&managed_by("mgr"))
                .status(IssueStatus::Closed)
                .page(Some(&open_cursor))
                .await,
            "Issue",
            "outside",
        );

        // Garbage.
        for garbage in ["garbage", "not a cursor!", "", "AAAA", "%%%", "eyJwayI6IngifQ", "☃"] {
            assert_invalid_cursor(
                db.issues()
                    .query(&partition("o", "r"))
                    .page(Some(&Cursor::from(garbage.to_owned())))
                    .await,
                "Issue",
                "",
            );
        }
        // A truncated real cursor.
        let s = primary_cursor.to_string();
        assert_invalid_cursor(
            db.issues()
                .query(&partition("o", "r"))
                .page(Some(&Cursor::from(s[..s.len() - 3].to_owned())))
                .await,
            "Issue",
            "malformed",
        );
    })
    .await;
}

// ---------------------------------------------------------------------------
// Key collisions, ordering and limits.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn delimiter_and_escape_characters_do_not_collide() {
    with_vcs("vcs-collide", |db| async move {
        // Pairs whose naive `#`-joined keys would be equal.
        let repos: Vec<(&str, &str)> = vec![
            ("x#b_y", "z"),
            ("x", "y#b_z"),
            ("x#y", "z"),
            ("x", "y#z"),
            ("a#b", "c"),
            ("a$23b", "c"),
            ("a$", "23b#c"),
            ("a", "b#c"),
            ("a", "b"),
            ("a b", "c"),
            ("a", " b c"),
            ("$", "$"),
            ("$$", ""),
            ("", "$$"),
            ("#", "#"),
            ("##", ""),
            ("", "##"),
            ("Repo", "x"),
            ("repo", "x"),
            ("REPO", "x"),
            ("Zürich", "straße"),
            ("zürich", "strasse"),
            ("日本語", "リポジトリ"),
            ("🦀", "🚀"),
            ("🦀🚀", ""),
            ("\u{10FFFE}", "1"),
            ("\u{10FFFF}", ""),
            ("\u{10FFFE}1", ""),
            ("tab\there", "new\nline"),
            ("nul\0", "x"),
        ];
        let mut written = Vec::new();
        for (i, (owner, repo)) in repos.iter().enumerate() {
            // The username (gsi1's only composite) is unique per item too.
            let mut it = issue(owner, repo, "1", &format!("{owner}|{repo}"), IssueStatus::Open);
            it.subject = format!("item {i}");
            let it = db
                .issues()
                .create(&it)
                .await
                .unwrap_or_else(|e| panic!("create {owner:?}/{repo:?}: {e}"));
            written.push(it);
        }
        assert_eq!(
            raw_item_count(&db).await,
            repos.len() as i32,
            "every pair is its own item"
        );
        let usernames: BTreeSet<&str> = written.iter().map(|i| i.username.as_str()).collect();
        assert_eq!(usernames.len(), written.len());

        for it in &written {
            let (owner, repo) = (it.repo_owner.as_str(), it.repo_name.as_str());
            // get finds exactly this item, case and bytes preserved.
            assert_eq!(
                db.issues().get(&issue_key(owner, repo, "1")).await.unwrap().as_ref(),
                Some(it),
                "get {owner:?}/{repo:?}"
            );
            // Each partition query returns only its own item, on every index.
            assert_eq!(
                db.issues().query(&partition(owner, repo)).all().await.unwrap(),
                vec![it.clone()],
                "primary partition of {owner:?}/{repo:?}"
            );
            assert_eq!(
                db.issues().activity(&activity_of(owner, repo)).all().await.unwrap(),
                vec![it.clone()],
                "activity partition of {owner:?}/{repo:?}"
            );
            assert_eq!(
                db.issues().managed(&managed_by(&it.username)).all().await.unwrap(),
                vec![it.clone()],
                "managed partition of {:?}",
                it.username
            );
        }
        // Case is preserved: `Repo`, `repo` and `REPO` are three items.
        let upper = db.issues().get(&issue_key("Repo", "x", "1")).await.unwrap().unwrap();
        let lower = db.issues().get(&issue_key("repo", "x", "1")).await.unwrap().unwrap();
        assert_eq!(upper.repo_owner, "Repo");
        assert_eq!(lower.repo_owner, "repo");
        assert_ne!(upper.subject, lower.subject);
        assert!(db.issues().get(&issue_key("rEpO", "x", "1")).await.unwrap().is_none());

        // The escaped forms are readable in the stored keys.
        let raw = db
            .table()
            .client()
            .get_item()
            .table_name(db.table().name())
            .key("pk", AttributeValue::S("vcs#x$23b_y#z#".into()))
            .key("sk", AttributeValue::S("Issue#1#".into()))
            .send()
            .await
            .unwrap()
            .item
            .expect("escaped key of x#b_y/z");
        assert_eq!(
            raw.get("repoOwner").and_then(|v| v.as_s().ok()).map(String::as_str),
            Some("x#b_y")
        );
        let raw = db
            .table()
            .client()
            .get_item()
            .table_name(db.table().name())
            .key("pk", AttributeValue::S("vcs#a$2423b#c#".into()))
            .key("sk", AttributeValue::S("Issue#1#".into()))
            .send()
            .await
            .unwrap()
            .item
            .expect("escaped key of a$23b/c");
        assert_eq!(
            raw.get("repoOwner").and_then(|v| v.as_s().ok()).map(String::as_str),
            Some("a$23b")
        );
    })
    .await;
}

fn filtered<'a>(values: &[&'a str], keep: &dyn Fn(&str) -> bool) -> Vec<&'a str> {
    values.iter().copied().filter(|v| keep(v)).collect()
}

#[tokio::test]
async fn sort_key_order_is_string_order_for_awkward_values() {
    with_vcs("vcs-order", |db| async move {
        let mut values: Vec<&str> = vec![
            "",
            " ",
            "!",
            "\"",
            "#",
            "#a",
            "$",
            "$23",
            "$$",
            "%",
            "-",
            "0",
            "1",
            "1#2",
            "1$",
            "1 ",
            "1!",
            "10",
            "100",
            "2",
            "9",
            "@",
            "A",
            "Z",
            "_",
            "a",
            "a b",
            "a#b",
            "a$b",
            "ab",
            "z",
            "~",
            "\u{7f}",
            "é",
            "ß",
            "日本",
            "🦀",
            "🦀🚀",
            "\u{FFFF}",
            "\u{10FFFD}",
            "\u{10FFFE}",
            "\u{10FFFE}0",
            "\u{10FFFF}",
            "\t",
            "\0",
        ];
        let shuffled: Vec<&str> = values.iter().rev().copied().collect();
        for n in &shuffled {
            db.issues()
                .put(&issue("o", "order", n, "orderer", IssueStatus::Open))
                .await
                .unwrap_or_else(|e| panic!("put {n:?}: {e}"));
        }
        // Rust's `str` order is the order of code points, as is UTF-8 byte order.
        values.sort();
        let q = || db.issues().query(&partition("o", "order"));
        let stored = q().all().await.unwrap();
        assert_eq!(numbers(&stored), values);
        let mut down = values.clone();
        down.reverse();
        assert_eq!(numbers(&q().descending().all().await.unwrap()), down);
        // The same order on the indexes.
        assert_eq!(
            numbers(&db.issues().managed(&managed_by("orderer")).all().await.unwrap()),
            values
        );
        assert_eq!(
            numbers(&db.issues().activity(&activity_of("o", "order")).all().await.unwrap()),
            values
        );

        // Every comparison against every stored value agrees with Rust's.
        for pivot in [
            "",
            "#",
            "$",
            "1",
            "1#2",
            "1$",
            "a",
            "a#b",
            "é",
            "🦀",
            "\u{10FFFE}",
            "\u{10FFFF}",
            "\0",
        ] {
            let matching = |keep: &dyn Fn(&str) -> bool| filtered(&values, keep);
            assert_eq!(
                numbers(&q().issue_number(pivot).all().await.unwrap()),
                matching(&|v| v == pivot),
                "= {pivot:?}"
            );
            assert_eq!(
                numbers(&q().issue_number_gt(pivot).all().await.unwrap()),
                matching(&|v| v > pivot),
                "> {pivot:?}"
            );
            assert_eq!(
                numbers(&q().issue_number_gte(pivot).all().await.unwrap()),
                matching(&|v| v >= pivot),
                ">= {pivot:?}"
            );
            assert_eq!(
                numbers(&q().issue_number_lt(pivot).all().await.unwrap()),
                matching(&|v| v < pivot),
                "< {pivot:?}"
            );
            assert_eq!(
                numbers(&q().issue_number_lte(pivot).all().await.unwrap()),
                matching(&|v| v <= pivot),
                "<= {pivot:?}"
            );
            assert_eq!(
                numbers(&q().issue_number_begins(pivot).all().await.unwrap()),
                matching(&|v| v.starts_with(pivot)),
                "begins {pivot:?}"
            );
            // `between` with the bounds the right way round.
            let (low, high) = if pivot <= "a" { (pivot, "a") } else { ("a", pivot) };
            assert_eq!(
                numbers(&q().issue_number_between(low, high).all().await.unwrap()),
                matching(&|v| low <= v && v <= high),
                "between {low:?} and {high:?}"
            );
            // Reversed bounds never return items. (DynamoDB rejects a BETWEEN
            // whose lower bound is above the upper one; the runtime passes
            // that on as an error today, an empty result would do as well.)
            if low != high {
                let reversed = q().issue_number_between(high, low).all().await;
                assert!(
                    reversed.as_ref().map_or(true, Vec::is_empty),
                    "between {high:?} and {low:?}: {reversed:?}"
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn keys_over_the_limit_fail_before_any_request() {
    with_vcs("vcs-key-limits", |db| async move {
        let long_owner = "o".repeat(2100);
        let it = issue(&long_owner, "r", "1", "u", IssueStatus::Open);
        match db.issues().put(&it).await {
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "pk",
                length,
                max: 2048,
            }) => assert!(length > 2100, "{length}"),
            other => panic!("expected KeyTooLong on pk, got {other:?}"),
        }
        assert!(matches!(
            db.issues().create(&it).await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));
        assert!(matches!(
            db.issues().get(&issue_key(&long_owner, "r", "1")).await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));
        assert!(matches!(
            db.issues().delete(&issue_key(&long_owner, "r", "1")).await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));
        assert!(matches!(
            db.issues().query(&partition(&long_owner, "r")).all().await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));

        // Bytes count, not characters: 600 crabs are 2400 bytes.
        let crabs = "🦀".repeat(600);
        assert!(matches!(
            db.issues().put(&issue(&crabs, "r", "1", "u", IssueStatus::Open)).await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));
        // Two composites that are each short enough, together too long.
        let half = "h".repeat(1100);
        assert!(matches!(
            db.issues().put(&issue(&half, &half, "1", "u", IssueStatus::Open)).await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));
        // A sort key over 1024 bytes.
        let long_number = "9".repeat(1100);
        assert!(matches!(
            db.issues()
                .put(&issue("o", "r", &long_number, "u", IssueStatus::Open))
                .await,
            Err(Error::KeyTooLong {
                entity: "Issue",
                attribute: "sk",
                max: 1024,
                ..
            })
        ));
        // An index key: the username is only in gsi1pk.
        let long_user = "u".repeat(2100);
        assert!(matches!(
            db.issues()
                .put(&issue("o", "r", "1", &long_user, IssueStatus::Open))
                .await,
            Err(Error::KeyTooLong {
                attribute: "gsi1pk",
                ..
            })
        ));
        assert!(matches!(
            db.issues().managed(&managed_by(&long_user)).all().await,
            Err(Error::KeyTooLong { .. })
        ));
        // Escapes count: 700 `#` are 2100 bytes escaped.
        let hashes = "#".repeat(700);
        assert!(matches!(
            db.issues().put(&issue(&hashes, "r", "1", "u", IssueStatus::Open)).await,
            Err(Error::KeyTooLong { attribute: "pk", .. })
        ));

        assert_eq!(raw_item_count(&db).await, 0, "nothing was written");

        // Just below the limits is accepted by DynamoDB.
        // pk = `vcs#` + owner + `#` + `r#` = owner + 7 bytes.
        let owner = "o".repeat(2048 - 7);
        // The longest sort key is gsi2sk = `activity#Issue#Open#` + number + `#`.
        let number = "9".repeat(1024 - "activity#Issue#Open##".len());
        let fits = db
            .issues()
            .put(&issue(&owner, "r", &number, "u", IssueStatus::Open))
            .await
            .unwrap();
        assert_eq!(
            db.issues().get(&issue_key(&owner, "r", &number)).await.unwrap(),
            Some(fits)
        );
    })
    .await;
}

#[tokio::test]
async fn items_over_400_kb_fail_before_any_request() {
    with_vcs("vcs-item-size", |db| async move {
        let mut big = issue("o", "r", "1", "u", IssueStatus::Open);
        big.body = "b".repeat(401 * 1024);
        match db.issues().put(&big).await {
            Err(Error::ItemTooLarge {
                entity: "Issue",
                size,
                max,
            }) => {
                assert_eq!(max, 400 * 1024);
                assert!(size > 401 * 1024, "{size}");
            }
            other => panic!("expected ItemTooLarge, got {other:?}"),
        }
        assert!(matches!(
            db.issues().create(&big).await,
            Err(Error::ItemTooLarge { .. })
        ));
        // Multi-byte characters count by bytes.
        big.body = "é".repeat(201 * 1024);
        assert!(matches!(db.issues().put(&big).await, Err(Error::ItemTooLarge { .. })));
        assert_eq!(raw_item_count(&db).await, 0, "nothing was written");

        // An item just under the limit is written and read back.
        let mut near = issue("o", "r", "2", "u", IssueStatus::Open);
        near.body = "n".repeat(399 * 1024);
        let near = db.issues().put(&near).await.unwrap();
        assert_eq!(db.issues().get(&near.key()).await.unwrap(), Some(near));
    })
    .await;
}

// ---------------------------------------------------------------------------
// Decoding items written by someone else.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn decode_errors_name_entity_and_attribute() {
    with_vcs("vcs-decode", |db| async move {
        let good = issue("o", "r", "1", "u", IssueStatus::Open);
        let item = good.to_item().unwrap();

        // An unknown enum value.
        let mut pending = item.clone();
        pending.insert("status".into(), AttributeValue::S("Pending".into()));
        put_raw(&db, pending).await;
        match db.issues().get(&good.key()).await {
            Err(Error::Decode(DecodeError {
                entity: "Issue",
                attribute,
                kind: ValueErrorKind::Invalid(message),
            })) => {
                assert_eq!(attribute, "status");
                assert!(message.contains("Pending"), "{message}");
            }
            other => panic!("expected a decode error on status, got {other:?}"),
        }
        // Queries report it too, on every index that holds the item.
        for result in [
            db.issues().query(&partition("o", "r")).all().await,
            db.issues().managed(&managed_by("u")).all().await,
            db.issues().activity(&activity_of("o", "r")).all().await,
        ] {
            assert!(
                matches!(&result, Err(Error::Decode(DecodeError { entity: "Issue", attribute, .. })) if attribute == "status"),
                "{result:?}"
            );
        }
        let err = db.issues().get(&good.key()).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Issue") && text.contains("status"), "{text}");

        // A missing required attribute.
        let mut missing = item.clone();
        missing.remove("subject");
        put_raw(&db, missing).await;
        match db.issues().get(&good.key()).await {
            Err(Error::Decode(DecodeError {
                entity: "Issue",
                attribute,
                kind: ValueErrorKind::Missing,
            })) => assert_eq!(attribute, "subject"),
            other => panic!("expected a missing-attribute error, got {other:?}"),
        }

        // A wrong type.
        let mut wrong = item.clone();
        wrong.insert("body".into(), AttributeValue::N("42".into()));
        put_raw(&db, wrong).await;
        match db.issues().get(&good.key()).await {
            Err(Error::Decode(DecodeError {
                entity: "Issue",
                attribute,
                kind: ValueErrorKind::WrongType { .. },
            })) => assert_eq!(attribute, "body"),
            other => panic!("expected a wrong-type error, got {other:?}"),
        }

        // A malformed timestamp.
        let mut bad_time = item.clone();
        bad_time.insert("createdAt".into(), AttributeValue::S("yesterday".into()));
        put_raw(&db, bad_time).await;
        match db.issues().get(&good.key()).await {
            Err(Error::Decode(DecodeError {
                entity: "Issue",
                attribute,
                ..
            })) => assert_eq!(attribute, "createdAt"),
            other => panic!("expected a timestamp decode error, got {other:?}"),
        }

        // A missing attribute with a default takes the default.
        let mut defaulted = item.clone();
        defaulted.remove("status");
        put_raw(&db, defaulted).await;
        assert_eq!(db.issues().get(&good.key()).await.unwrap(), Some(good.clone()));

        // Unknown attributes are ignored.
        let mut extra = item.clone();
        extra.insert("labels".into(), AttributeValue::Ss(vec!["bug".into()]));
        extra.insert("milestone".into(), AttributeValue::N("3".into()));
        extra.insert("assignee".into(), AttributeValue::S("someone".into()));
        put_raw(&db, extra).await;
        assert_eq!(db.issues().get(&good.key()).await.unwrap(), Some(good.clone()));
        assert_eq!(db.issues().query(&partition("o", "r")).all().await.unwrap(), vec![good.clone()]);

        // A collection skips items of entities it does not know.
        db.repositories()
            .put(&Repository {
                counters: ::std::default::Default::default(),
                repo_owner: "o".into(),
                repo_name: "r".into(),
                username: "o".into(),
                ..hello_world()
            })
            .await
            .unwrap();
        let mut milestone = Item::new();
        for (name, value) in [
            ("pk", "vcs#o#r#"),
            ("sk", "Milestone#1#"),
            ("gsi2pk", "vcs#o#r#"),
            ("gsi2sk", "activity#Milestone#1#"),
            ("_et", "Milestone"),
            ("title", "v1"),
        ] {
            milestone.insert(name.into(), AttributeValue::S(value.into()));
        }
        put_raw(&db, milestone).await;
        let activity: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: "o".into(),
                repo_name: "r".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(activity.issues, vec![good.clone()]);
        assert_eq!(activity.repositories.len(), 1);
        assert!(activity.pull_requests.is_empty());
        assert_eq!(db.issues().query(&partition("o", "r")).all().await.unwrap(), vec![good]);
    })
    .await;
}
