//! Stored data the generated layer did not write (raw SDK puts of items
//! with unknown, missing or miscased entity tags, or with an attribute that
//! does not fit), and what every read and write then reports: nothing
//! vanishes, nothing is read as the wrong entity, and nothing applied is
//! reported as failed. Also the shape of the requests sent (only what each
//! needs). DynamoDB Local, through the generated version-control module.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use dyngen_example_vcs::vcs::*;
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::{CancelReason, Entity, Error, Item, Operation, UnknownItem};
use dyngen_tests::{require_dynamodb_local, unique_table_name, with_table_cleanup};
use futures::StreamExt as _;

/// What the interceptor saw of each request, by operation.
#[derive(Debug, Default)]
struct Seen {
    /// `ReturnValuesOnConditionCheckFailure` of each PutItem / UpdateItem /
    /// DeleteItem, in order.
    refusal_returns: Vec<(&'static str, Option<ReturnValuesOnConditionCheckFailure>)>,
    /// `ScanIndexForward` of each Query.
    scan_forward: Vec<Option<bool>>,
}

#[derive(Debug, Clone)]
struct Recorder(Arc<Mutex<Seen>>);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "request-shape-recorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let input = context.input();
        let mut seen = self.0.lock().unwrap();
        if let Some(put) = input.downcast_ref::<PutItemInput>() {
            let returns = put.return_values_on_condition_check_failure().cloned();
            seen.refusal_returns.push(("put", returns));
        } else if let Some(update) = input.downcast_ref::<UpdateItemInput>() {
            let returns = update.return_values_on_condition_check_failure().cloned();
            seen.refusal_returns.push(("update", returns));
        } else if let Some(delete) = input.downcast_ref::<DeleteItemInput>() {
            let returns = delete.return_values_on_condition_check_failure().cloned();
            seen.refusal_returns.push(("delete", returns));
        } else if let Some(query) = input.downcast_ref::<QueryInput>() {
            seen.scan_forward.push(query.scan_index_forward());
        }
        Ok(())
    }
}

/// A fresh vcs table (its client records request shapes) for `body`.
async fn with_vcs<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(Vcs, Arc<Mutex<Seen>>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let client = require_dynamodb_local!();
    let table = unique_table_name(prefix);
    with_table_cleanup(&client, &table, move |client, table| async move {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let config = client.config().to_builder().interceptor(Recorder(seen.clone())).build();
        let db = Vcs::new(Client::from_conf(config), table);
        db.table().create_if_missing().await.expect("create table");
        body(db, seen).await;
    })
    .await;
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("valid timestamp")
}

fn issue(number: &str, status: IssueStatus) -> Issue {
    Issue {
        issue_number: number.to_owned(),
        repo_name: "hello-world".to_owned(),
        repo_owner: "octocat".to_owned(),
        username: "torvalds".to_owned(),
        subject: format!("Issue {number}"),
        body: "body".to_owned(),
        status,
        created_at: at(1_700_000_000),
        updated_at: at(1_700_000_000),
    }
}

fn repository() -> Repository {
    Repository {
        counters: ::std::default::Default::default(),
        repo_name: "hello-world".to_owned(),
        repo_owner: "octocat".to_owned(),
        username: "octocat".to_owned(),
        about: "about".to_owned(),
        description: "description".to_owned(),
        is_private: false,
        default_branch: "main".to_owned(),
        created_at: at(1_700_000_000),
        updated_at: at(1_700_000_000),
    }
}

async fn put_raw(db: &Vcs, item: Item) {
    dyngen_tests::put_raw(db.table().client(), db.table().name(), item).await;
}

async fn get_raw(db: &Vcs, key: Item) -> Option<Item> {
    dyngen_tests::get_raw(db.table().client(), db.table().name(), key).await
}

/// `item` with its entity tag set to `tag`, or removed for `None`.
fn retagged(mut item: Item, tag: Option<&str>) -> Item {
    match tag {
        Some(tag) => item.insert("_et".to_owned(), AttributeValue::S(tag.to_owned())),
        None => item.remove("_et"),
    };
    item
}

fn activity_key() -> ActivityCollectionKey {
    ActivityCollectionKey {
        repo_owner: "octocat".into(),
        repo_name: "hello-world".into(),
    }
}

/// Items under a collection's key that no member claims (a tag naming an
/// entity the schema does not know, a tag in the wrong case, no tag, a tag
/// that is not a string) come back as `Unknown`, in pages, streams and
/// `collect()`; the members' items are all there too.
#[tokio::test]
async fn collection_queries_return_unclaimed_items_as_unknown() {
    with_vcs("holes-collection", |db, _| async move {
        let repo = db.repositories().put(&repository()).await.unwrap();
        let open = db.issues().put(&issue("1", IssueStatus::Open)).await.unwrap();
        // Raw copies of the issue under other sort keys, so they are in the
        // same `activity` partition, differently tagged.
        let base = open.to_item().unwrap();
        let variants: [(&str, Option<AttributeValue>); 4] = [
            ("2", Some(AttributeValue::S("Comment".into()))),
            ("3", Some(AttributeValue::S("issue".into()))),
            ("4", None),
            ("5", Some(AttributeValue::N("7".into()))),
        ];
        for (number, tag) in &variants {
            let mut item = issue(number, IssueStatus::Open).to_item().unwrap();
            item.remove("_et");
            if let Some(tag) = tag {
                item.insert("_et".into(), tag.clone());
            }
            assert_ne!(item, base);
            put_raw(&db, item).await;
        }

        let grouped: ActivityCollection = db.activity(&activity_key()).collect().await.unwrap();
        assert_eq!(grouped.repositories, vec![repo.clone()]);
        assert_eq!(grouped.issues, vec![open.clone()]);
        assert_eq!(grouped.pull_requests, vec![]);
        let tags: Vec<Option<String>> = grouped.unknown.iter().map(|u| u.tag.clone()).collect();
        assert_eq!(tags, vec![Some("Comment".into()), Some("issue".into()), None, None]);
        // Each kept as stored, raw attributes and all.
        for unknown in &grouped.unknown {
            assert_eq!(
                unknown.item.get("repoOwner"),
                Some(&AttributeValue::S("octocat".into()))
            );
        }
        assert_eq!(grouped.unknown[3].item.get("_et"), Some(&AttributeValue::N("7".into())));

        let page = db.activity(&activity_key()).page(None).await.unwrap();
        assert_eq!(page.items.len(), 6);
        let unknown = page
            .items
            .iter()
            .filter(|i| matches!(i, ActivityItem::Unknown(UnknownItem { .. })))
            .count();
        assert_eq!(unknown, 4);

        // Pages of one item each: the same six, none lost across cursors.
        let streamed: Vec<ActivityItem> = db.activity(&activity_key()).limit(1).into_stream_all().await;
        assert_eq!(streamed.len(), 1, "limit(1) means one item in all");
        let mut cursor = None;
        let mut paged = Vec::new();
        loop {
            let query = db.activity(&activity_key()).limit(1);
            let page = query.page(cursor.as_ref()).await.unwrap();
            paged.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(paged.len(), 6);
        let streamed: Vec<ActivityItem> = db
            .activity(&activity_key())
            .stream()
            .map(|r| r.unwrap())
            .collect()
            .await;
        assert_eq!(streamed, paged);
    })
    .await;
}

/// Helper: a query's stream, collected (every item must read).
trait IntoStreamAll<T> {
    async fn into_stream_all(self) -> Vec<T>;
}

impl<T: dyngen_runtime::FromItem + std::fmt::Debug> IntoStreamAll<T> for dyngen_runtime::Query<'_, T> {
    async fn into_stream_all(self) -> Vec<T> {
        self.stream().map(|r| r.unwrap()).collect().await
    }
}

/// `get` checks the entity tag: an item of another entity under the key,
/// or an untagged one, is `WrongEntity` naming both, never decoded.
#[tokio::test]
async fn get_refuses_an_item_of_another_entity_or_without_a_tag() {
    with_vcs("holes-get", |db, _| async move {
        let repo = repository();
        let key = repo.key();
        // A `Repository`-shaped item under the repository's key, tagged as
        // an `Issue` (its attributes would even decode as a repository).
        put_raw(&db, retagged(repo.to_item().unwrap(), Some("Issue"))).await;
        let err = db.repositories().get(&key).await.unwrap_err();
        match &err {
            Error::WrongEntity { expected, found, item } => {
                assert_eq!(*expected, "Repository");
                assert_eq!(found.as_deref(), Some("Issue"));
                assert_eq!(item.get("repoName"), Some(&AttributeValue::S("hello-world".into())));
            }
            other => panic!("expected WrongEntity, got {other:?}"),
        }
        assert_eq!(err.to_string(), "expected a `Repository` item, found a `Issue` item");
        assert!(matches!(
            db.repositories().get_consistent(&key).await,
            Err(Error::WrongEntity { .. })
        ));

        put_raw(&db, retagged(repo.to_item().unwrap(), None)).await;
        let err = db.repositories().get(&key).await.unwrap_err();
        assert!(
            matches!(
                &err,
                Error::WrongEntity {
                    expected: "Repository",
                    found: None,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("without an entity tag"), "{err}");

        // A tag in the wrong case is another entity.
        put_raw(&db, retagged(repo.to_item().unwrap(), Some("repository"))).await;
        let err = db.repositories().get(&key).await.unwrap_err();
        assert!(
            matches!(&err, Error::WrongEntity { found: Some(f), .. } if f == "repository"),
            "{err:?}"
        );

        // Batch and transactional gets check it too.
        let mut batch = db.batch_get();
        let ticket = batch.get(&key).unwrap();
        let user = UserKey {
            username: "nobody".into(),
        };
        batch.get(&user).unwrap();
        let result = batch.send().await.unwrap();
        assert!(matches!(result.get(ticket), Err(Error::WrongEntity { .. })));
        // `items` holds what was read; what could not be is listed, not dropped.
        assert_eq!(result.items::<Repository>().count(), 0);
        let unreadable: Vec<&Error> = result.unreadable().collect();
        assert_eq!(unreadable.len(), 1);
        assert!(matches!(
            unreadable[0],
            Error::WrongEntity {
                expected: "Repository",
                ..
            }
        ));
        let mut transact = db.transact_get();
        let ticket = transact.get(&key).unwrap();
        let result = transact.send().await.unwrap();
        assert!(matches!(result.get(ticket), Err(Error::WrongEntity { .. })));

        // Put right, it reads.
        let written = db.repositories().put(&repo).await.unwrap();
        assert_eq!(db.repositories().get(&key).await.unwrap(), Some(written));
    })
    .await;
}

/// An entity query and the collection query over one partition agree: the
/// foreign item the collection calls `Unknown` is an error for the entity
/// query (in a page and in `all`), and a stream yields it as an error in
/// its place and goes on.
#[tokio::test]
async fn entity_queries_refuse_items_tagged_as_another_entity() {
    with_vcs("holes-query", |db, _| async move {
        let open = db.issues().put(&issue("1", IssueStatus::Open)).await.unwrap();
        let second = db.issues().put(&issue("3", IssueStatus::Open)).await.unwrap();
        // Tagged `PullRequest` but shaped (and keyed) as an issue, between them.
        put_raw(
            &db,
            retagged(issue("2", IssueStatus::Open).to_item().unwrap(), Some("PullRequest")),
        )
        .await;

        let partition = IssueManagedPartition {
            username: "torvalds".into(),
        };
        let err = db.issues().managed(&partition).all().await.unwrap_err();
        assert!(
            matches!(&err, Error::WrongEntity { expected: "Issue", found: Some(f), .. } if f == "PullRequest"),
            "{err:?}"
        );
        assert!(matches!(
            db.issues().managed(&partition).page(None).await,
            Err(Error::WrongEntity { .. })
        ));
        let streamed: Vec<Result<Issue, Error>> = db.issues().managed(&partition).stream().collect().await;
        assert_eq!(streamed.len(), 3);
        assert_eq!(streamed[0].as_ref().unwrap(), &open);
        assert!(matches!(streamed[1], Err(Error::WrongEntity { .. })));
        assert_eq!(streamed[2].as_ref().unwrap(), &second);

        // The collection query reads the same item as a `PullRequest`
        // member, which it then fails to decode: an error, not a skip.
        let err = db
            .managed(&ManagedCollectionKey {
                username: "torvalds".into(),
            })
            .all()
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Decode(d) if d.entity == "PullRequest"), "{err:?}");
    })
    .await;
}

/// An issue whose `createdAt` holds text that is no timestamp: every write
/// DynamoDB applies over it is reported as applied, and every refusal is
/// reported as the refusal it is.
fn broken_issue(number: &str) -> Item {
    let mut item = issue(number, IssueStatus::Open).to_item().unwrap();
    item.insert("createdAt".into(), AttributeValue::S("not a time".into()));
    item
}

#[tokio::test]
async fn applied_writes_are_never_reported_as_failed() {
    with_vcs("holes-applied", |db, _| async move {
        let key = issue("1", IssueStatus::Open).key();
        put_raw(&db, broken_issue("1")).await;

        // update: applied, the returned item does not decode.
        let err = db
            .issues()
            .update(&key)
            .set_subject("changed".to_owned())
            .await
            .unwrap_err();
        assert!(err.was_applied(), "{err:?}");
        match &err {
            Error::WrittenUndecodable {
                entity,
                operation,
                item,
                source,
            } => {
                assert_eq!((*entity, *operation), ("Issue", Operation::Update));
                assert_eq!(item.get("subject"), Some(&AttributeValue::S("changed".into())));
                assert_eq!(source.attribute, "createdAt");
            }
            other => panic!("expected WrittenUndecodable, got {other:?}"),
        }
        assert!(err.to_string().contains("was applied"), "{err}");
        let stored = get_raw(&db, key_item(&key)).await.unwrap();
        assert_eq!(stored.get("subject"), Some(&AttributeValue::S("changed".into())));

        // update returning the old item: applied too.
        let err = db
            .issues()
            .update(&key)
            .set_subject("again".to_owned())
            .send_returning_old()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::WrittenUndecodable { item, .. }
            if item.get("subject") == Some(&AttributeValue::S("changed".into()))),
            "{err:?}"
        );
        let stored = get_raw(&db, key_item(&key)).await.unwrap();
        assert_eq!(stored.get("subject"), Some(&AttributeValue::S("again".into())));

        // upsert keeps the stored (broken) createdAt: applied, not decodable.
        let value = Issue {
            subject: "upserted".into(),
            ..issue("1", IssueStatus::Open)
        };
        let err = db.issues().upsert(&value).await.unwrap_err();
        assert!(
            matches!(
                &err,
                Error::WrittenUndecodable {
                    operation: Operation::Upsert,
                    ..
                }
            ),
            "{err:?}"
        );
        let stored = get_raw(&db, key_item(&key)).await.unwrap();
        assert_eq!(stored.get("subject"), Some(&AttributeValue::S("upserted".into())));

        // A refused update is a refusal, with the stored item kept raw.
        let err = db
            .issues()
            .update(&key)
            .set_subject("never".to_owned())
            .condition(|a| a.username.eq("someone else"))
            .await
            .unwrap_err();
        assert!(!err.was_applied());
        assert!(
            matches!(
                err,
                Error::ConditionFailed {
                    operation: Operation::Update,
                    ..
                }
            ),
            "{err:?}"
        );
        let (raw, why) = err
            .current_item()
            .and_then(|c| c.undecodable())
            .expect("the stored item, raw");
        assert_eq!(raw.get("subject"), Some(&AttributeValue::S("upserted".into())));
        assert_eq!(why.attribute, "createdAt");
        assert!(err.current::<Issue>().is_none());

        // create over it: AlreadyExists, not a decode error.
        let err = db.issues().create(&issue("1", IssueStatus::Open)).await.unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { entity: "Issue" }), "{err:?}");

        // A transaction: applied writes succeed; a refused one says why.
        db.transact_write()
            .update(db.issues().update(&key).set_subject("in a transaction".to_owned()))
            .send()
            .await
            .expect("the transaction is applied");
        let stored = get_raw(&db, key_item(&key)).await.unwrap();
        assert_eq!(
            stored.get("subject"),
            Some(&AttributeValue::S("in a transaction".into()))
        );
        let err = db
            .transact_write()
            .update(
                db.issues()
                    .update(&key)
                    .set_subject("never".to_owned())
                    .condition(|a| a.username.eq("someone else")),
            )
            .send()
            .await
            .unwrap_err();
        match &err {
            Error::TransactionCanceled { actions, .. } => {
                assert_eq!(actions.len(), 1);
                match &actions[0].reason {
                    CancelReason::Refused(refusal) => {
                        assert!(matches!(**refusal, Error::ConditionFailed { .. }), "{refusal:?}");
                        assert!(refusal.current_item().and_then(|c| c.undecodable()).is_some());
                    }
                    other => panic!("expected a refusal, got {other:?}"),
                }
            }
            other => panic!("expected TransactionCanceled, got {other:?}"),
        }

        // delete and delete_existing: applied, Ok.
        db.issues().delete_existing(&key).await.expect("delete_existing");
        assert_eq!(get_raw(&db, key_item(&key)).await, None);
        put_raw(&db, broken_issue("1")).await;
        db.issues().delete(&key).await.expect("delete");
        assert_eq!(get_raw(&db, key_item(&key)).await, None);

        // put replaces it whole: Ok, and it reads again.
        put_raw(&db, broken_issue("1")).await;
        let written = db.issues().put(&issue("1", IssueStatus::Open)).await.unwrap();
        assert_eq!(db.issues().get(&key).await.unwrap(), Some(written));
    })
    .await;
}

fn key_item(key: &IssueKey) -> Item {
    dyngen_runtime::PrimaryKey::to_key(key).unwrap()
}

/// Requests carry only what they need: the stored item is asked for on a
/// refusal only when there is a condition to refuse; a query sends
/// `ScanIndexForward` only when descending.
#[tokio::test]
async fn requests_carry_only_what_they_need() {
    with_vcs("holes-shape", |db, seen| async move {
        let value = issue("1", IssueStatus::Open);
        db.issues().put(&value).await.unwrap();
        db.issues().create(&issue("2", IssueStatus::Open)).await.unwrap();
        db.issues()
            .put(&value)
            .condition(|a| a.status.eq(IssueStatus::Open))
            .await
            .unwrap();
        db.issues().delete(&issue("2", IssueStatus::Open).key()).await.unwrap();
        db.issues().delete_existing(&value.key()).await.unwrap();
        let user = User {
            username: "u".into(),
            full_name: "f".into(),
            bio: "b".into(),
            location: "l".into(),
            created_at: at(1),
            updated_at: at(1),
        };
        db.users().upsert(&user).await.unwrap();
        let all = |s: &Seen| s.refusal_returns.clone();
        let all_old = Some(ReturnValuesOnConditionCheckFailure::AllOld);
        assert_eq!(
            all(&seen.lock().unwrap()),
            vec![
                ("put", None),
                ("put", all_old.clone()),
                ("put", all_old.clone()),
                ("delete", None),
                ("delete", all_old.clone()),
                // upsert of an entity with no readonly attribute and no version.
                ("update", None),
            ]
        );
        let partition = IssueManagedPartition {
            username: "torvalds".into(),
        };
        db.issues().managed(&partition).all().await.unwrap();
        db.issues().managed(&partition).descending().all().await.unwrap();
        assert_eq!(seen.lock().unwrap().scan_forward, vec![None, Some(false)]);
    })
    .await;
}
