//! Tables in ElectroDB's format, against the real ElectroDB (npm
//! `electrodb` 3.x, driven by `electrodb/run.mjs`) on the same DynamoDB
//! Local: the version-control example (`electrodb/vcs.mjs`) and a catalog
//! (`electrodb/catalog.mjs`). ElectroDB's items are read and updated through
//! the generated modules, the modules' items are read by ElectroDB through
//! every access pattern, and both writers' items are compared byte for byte.
//!
//! The Node side is installed by `scripts/test-all.sh` (`npm ci` in
//! `examples/adopt/electrodb`). Without it the tests fail under CI and skip
//! elsewhere, like the DynamoDB Local tests.

use dyngen_adopt_examples::electrodb_catalog as catalog;
use dyngen_adopt_examples::electrodb_vcs::*;
use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
use dyngen_runtime::aws_sdk_dynamodb::Client;
use dyngen_runtime::Error;
use dyngen_tests::{run_with_table, RawItem};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The ElectroDB model, run by Node.
struct ElectroDb {
    dir: PathBuf,
    endpoint: String,
}

impl ElectroDb {
    /// The Node side, or `None` (the test skips) when it is not installed
    /// and nothing requires it.
    fn find() -> Option<ElectroDb> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("electrodb");
        let installed = dir.join("node_modules/electrodb").is_dir();
        let endpoint = dyngen_tests::endpoint();
        match (installed, endpoint) {
            (true, Some(endpoint)) => Some(ElectroDb { dir, endpoint }),
            _ if dyngen_tests::dynamodb_local_required() => panic!(
                "ElectroDB is not installed in {} (or no DynamoDB Local endpoint): run scripts/test-all.sh, \
                 or `npm ci --prefix examples/adopt/electrodb`",
                dir.display()
            ),
            _ => {
                eprintln!("skipping: ElectroDB is not installed (npm ci --prefix examples/adopt/electrodb)");
                None
            }
        }
    }

    /// Runs `command` on `table` for each request with the version-control
    /// model; one answer per request.
    fn run(&self, command: &str, table: &str, requests: Value) -> Vec<Value> {
        self.run_model("vcs", command, table, requests)
    }

    /// Runs `command` with `model` (`electrodb/<model>.mjs`).
    fn run_model(&self, model: &str, command: &str, table: &str, requests: Value) -> Vec<Value> {
        use std::io::Write;
        let mut child = std::process::Command::new("node")
            .arg(self.dir.join("run.mjs"))
            .args([model, command, table])
            .env("DYNGEN_DYNAMODB_ENDPOINT", &self.endpoint)
            // The SDK warns about Node versions on stderr; answers are on stdout.
            .env("NODE_NO_WARNINGS", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("node runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(requests.to_string().as_bytes())
            .expect("requests written");
        let output = child.wait_with_output().expect("node finishes");
        assert!(
            output.status.success(),
            "electrodb {command} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answers: Value = serde_json::from_slice(&output.stdout).expect("JSON answers");
        match answers {
            Value::Array(answers) => answers,
            other => panic!("answers are a list, got {other}"),
        }
    }
}

fn user(username: &str, full_name: &str) -> Value {
    json!({"username": username, "fullName": full_name, "bio": format!("{full_name}'s bio"), "location": "Earth"})
}

fn repository(owner: &str, name: &str) -> Value {
    json!({"repoOwner": owner, "repoName": name, "username": owner, "about": "about", "description": "description"})
}

fn issue(owner: &str, repo: &str, number: &str, by: &str) -> Value {
    json!({"repoOwner": owner, "repoName": repo, "issueNumber": number, "username": by,
           "subject": format!("issue {number}"), "body": "body"})
}

fn pull_request(owner: &str, repo: &str, number: &str, by: &str) -> Value {
    json!({"repoOwner": owner, "repoName": repo, "pullRequestNumber": number, "username": by,
           "subject": format!("pull request {number}"), "body": "body"})
}

/// The data both writers write: (ElectroDB entity, item). Mixed-case
/// values (`Torvalds`, `Hello-World`) show the keys' case folding.
fn fixtures() -> Vec<(&'static str, Value)> {
    vec![
        ("user", user("Torvalds", "Linus Torvalds")),
        ("user", user("octocat", "The Octocat")),
        ("repository", repository("octocat", "Hello-World")),
        ("repository", repository("Torvalds", "linux")),
        ("issue", issue("octocat", "Hello-World", "1", "Torvalds")),
        ("issue", issue("octocat", "Hello-World", "2", "octocat")),
        ("issue", issue("Torvalds", "linux", "10", "Torvalds")),
        ("pullRequest", pull_request("octocat", "Hello-World", "1", "Torvalds")),
    ]
}

fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {value}"))
        .to_owned()
}

/// Writes the fixtures through the generated module, as `create`s.
async fn create_with_dyngen(db: &Vcs) {
    for (entity, item) in fixtures() {
        match entity {
            "user" => db
                .users()
                .create(&User {
                    username: text(&item, "username"),
                    full_name: text(&item, "fullName"),
                    bio: text(&item, "bio"),
                    location: text(&item, "location"),
                    created_at: Default::default(),
                    updated_at: Default::default(),
                })
                .await
                .map(drop),
            "repository" => db
                .repositories()
                .create(&Repository {
                    repo_name: text(&item, "repoName"),
                    repo_owner: text(&item, "repoOwner"),
                    username: text(&item, "username"),
                    about: text(&item, "about"),
                    description: text(&item, "description"),
                    is_private: false,
                    default_branch: "main".into(),
                    created_at: Default::default(),
                    updated_at: Default::default(),
                })
                .await
                .map(drop),
            "issue" => db
                .issues()
                .create(&Issue {
                    issue_number: text(&item, "issueNumber"),
                    repo_name: text(&item, "repoName"),
                    repo_owner: text(&item, "repoOwner"),
                    username: text(&item, "username"),
                    subject: text(&item, "subject"),
                    body: text(&item, "body"),
                    status: IssueStatus::Open,
                    created_at: Default::default(),
                    updated_at: Default::default(),
                })
                .await
                .map(drop),
            _ => db
                .pull_requests()
                .create(&PullRequest {
                    pull_request_number: text(&item, "pullRequestNumber"),
                    repo_name: text(&item, "repoName"),
                    repo_owner: text(&item, "repoOwner"),
                    username: text(&item, "username"),
                    subject: text(&item, "subject"),
                    body: text(&item, "body"),
                    status: IssueStatus::Open,
                    created_at: Default::default(),
                    updated_at: Default::default(),
                })
                .await
                .map(drop),
        }
        .unwrap_or_else(|e| panic!("dyngen creates {entity} {item}: {e}"));
    }
}

fn create_with_electrodb(electrodb: &ElectroDb, table: &str) {
    let requests: Vec<Value> = fixtures()
        .into_iter()
        .map(|(entity, item)| json!({"entity": entity, "item": item}))
        .collect();
    electrodb.run("create", table, Value::Array(requests));
}

/// Every access pattern of the example, as ElectroDB calls them.
fn electrodb_reads() -> Vec<(&'static str, Value)> {
    let hello = json!({"repoOwner": "octocat", "repoName": "Hello-World"});
    vec![
        ("get", json!({"entity": "user", "key": {"username": "Torvalds"}})),
        (
            "get",
            json!({"entity": "repository", "key": {"repoOwner": "octocat", "repoName": "Hello-World"}}),
        ),
        (
            "get",
            json!({"entity": "issue", "key": {"repoOwner": "octocat", "repoName": "Hello-World", "issueNumber": "2"}}),
        ),
        (
            "query",
            json!({"entity": "repository", "index": "repository", "key": {"repoOwner": "octocat"}}),
        ),
        ("query", json!({"entity": "issue", "index": "issue", "key": hello})),
        (
            "query",
            json!({"entity": "issue", "index": "managed", "key": {"username": "Torvalds", "status": "Open"}}),
        ),
        (
            "query",
            json!({"entity": "issue", "index": "managed", "key": {"username": "Torvalds", "status": "Closed"}}),
        ),
        (
            "query",
            json!({"entity": "pullRequest", "index": "activity", "key": hello}),
        ),
        (
            "collect",
            json!({"collection": "owned", "key": {"username": "Torvalds"}}),
        ),
        (
            "collect",
            json!({"collection": "managed", "key": {"username": "Torvalds"}}),
        ),
        ("collect", json!({"collection": "activity", "key": hello})),
    ]
}

/// The answers of [`electrodb_reads`], timestamps taken out (each checked
/// to be `Date.toISOString()` text).
fn read_with_electrodb(electrodb: &ElectroDb, table: &str) -> Vec<Value> {
    electrodb_reads()
        .into_iter()
        .map(|(command, request)| {
            let mut answer = electrodb.run(command, table, json!([request])).remove(0);
            strip_timestamps(&mut answer);
            answer
        })
        .collect()
}

fn strip_timestamps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for field in ["createdAt", "updatedAt"] {
                if let Some(Value::String(at)) = map.remove(field) {
                    assert_iso_millis(&at);
                }
            }
            map.values_mut().for_each(strip_timestamps);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_timestamps),
        _ => {}
    }
}

/// `2026-12-04T19:19:56.019Z`: what `Date.toISOString()` writes.
fn assert_iso_millis(at: &str) {
    let parsed = dyngen_runtime::chrono::DateTime::parse_from_rfc3339(at);
    assert!(
        parsed.is_ok() && at.len() == 24 && at.ends_with('Z') && at.as_bytes()[19] == b'.',
        "not ISO text with milliseconds: {at}"
    );
}

/// Every item of the table as stored, by primary key, timestamps checked
/// and taken out.
async fn scan_raw(client: &Client, table: &str) -> BTreeMap<(String, String), RawItem> {
    scan_items(client, table, &["createdAt", "updatedAt"]).await
}

/// Every item of the table as stored, by primary key, with the `timestamps`
/// (which every item must have) checked and taken out.
async fn scan_items(client: &Client, table: &str, timestamps: &[&str]) -> BTreeMap<(String, String), RawItem> {
    let mut out = BTreeMap::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for mut item in page.items.unwrap_or_default() {
            for field in timestamps {
                match item.remove(*field) {
                    Some(AttributeValue::S(at)) => assert_iso_millis(&at),
                    other => panic!("{field} is {other:?} in {item:?}"),
                }
            }
            let key = |name: &str| match &item[name] {
                AttributeValue::S(s) => s.clone(),
                other => panic!("{name} is {other:?}"),
            };
            out.insert((key("pk"), key("sk")), item);
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return out,
        }
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

#[tokio::test]
async fn electrodb_items_are_read_and_updated_through_the_generated_module() {
    let Some(electrodb) = ElectroDb::find() else { return };
    run_with_table("adopt-electrodb-reads", move |client, name| async move {
        let db = Vcs::new(client.clone(), &name);
        db.table().create_if_missing().await.unwrap();
        create_with_electrodb(&electrodb, &name);

        // Pattern 1, in any case: ElectroDB lowercased the key.
        let linus = db
            .users()
            .get(&UserKey {
                username: "TORVALDS".into(),
            })
            .await
            .unwrap()
            .expect("ElectroDB's user, by a key in another case");
        assert_eq!(linus.username, "Torvalds", "attributes keep their case");
        assert_eq!(linus.full_name, "Linus Torvalds");
        let stored = electrodb.run("get", &name, json!([{"entity": "user", "key": {"username": "Torvalds"}}]));
        assert_eq!(
            linus.created_at.to_rfc3339_opts(dyngen_runtime::chrono::SecondsFormat::Millis, true),
            text(&stored[0], "createdAt"),
            "ElectroDB's timestamp, read to the millisecond"
        );

        // Pattern 2, with ElectroDB's defaults.
        let repo = db
            .repositories()
            .get(&RepositoryKey {
                repo_owner: "octocat".into(),
                repo_name: "Hello-World".into(),
            })
            .await
            .unwrap()
            .expect("repository");
        assert_eq!((repo.is_private, repo.default_branch.as_str()), (false, "main"));

        // Pattern 3: the `owned` collection.
        let owned: OwnedCollection = db
            .owned(&OwnedCollectionKey {
                username: "Torvalds".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(owned.users.len(), 1);
        let names: Vec<&str> = owned.repositories.iter().map(|r| r.repo_name.as_str()).collect();
        assert_eq!(names, ["linux"]);
        assert!(owned.unknown.is_empty());

        // Pattern 6, by status: ElectroDB's partial sort key.
        let open: Vec<String> = db
            .issues()
            .managed(&IssueManagedPartition {
                username: "Torvalds".into(),
            })
            .status(IssueStatus::Open)
            .into_query()
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.issue_number)
            .collect();
        assert_eq!(open, ["1", "10"]);

        // Pattern 4: closing an issue moves it in both indexes, for ElectroDB too.
        let closed = db
            .issues()
            .update(&IssueKey {
                repo_owner: "octocat".into(),
                repo_name: "Hello-World".into(),
                issue_number: "1".into(),
            })
            .set_status(IssueStatus::Closed)
            .await
            .unwrap();
        assert_eq!(closed.status, IssueStatus::Closed);
        let seen = electrodb.run(
            "query",
            &name,
            json!([
                {"entity": "issue", "index": "managed", "key": {"username": "Torvalds", "status": "Closed"}},
                {"entity": "issue", "index": "managed", "key": {"username": "Torvalds", "status": "Open"}},
                {"entity": "issue", "index": "activity", "key": {"repoOwner": "octocat", "repoName": "Hello-World", "status": "Closed"}},
            ]),
        );
        let numbers = |answer: &Value| -> Vec<String> {
            answer.as_array().unwrap().iter().map(|i| text(i, "issueNumber")).collect()
        };
        assert_eq!(numbers(&seen[0]), ["1"], "ElectroDB finds the closed issue");
        assert_eq!(numbers(&seen[1]), ["10"]);
        assert_eq!(numbers(&seen[2]), ["1"]);
        assert_eq!(text(&seen[0][0], "status"), "Closed");
        assert_iso_millis(&text(&seen[0][0], "updatedAt"));

        // ElectroDB's own update of an item, read back through dyngen.
        electrodb.run(
            "patch",
            &name,
            json!([{"entity": "issue", "key": {"repoOwner": "octocat", "repoName": "Hello-World", "issueNumber": "2"}, "set": {"status": "Closed"}}]),
        );
        // Pattern 7: the `activity` collection after both updates.
        let activity: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: "octocat".into(),
                repo_name: "Hello-World".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(activity.repositories.len(), 1);
        let statuses: Vec<(String, IssueStatus)> =
            activity.issues.iter().map(|i| (i.issue_number.clone(), i.status)).collect();
        assert_eq!(
            statuses,
            [("1".to_string(), IssueStatus::Closed), ("2".to_string(), IssueStatus::Closed)]
        );
        assert_eq!(activity.pull_requests.len(), 1);
        assert!(activity.unknown.is_empty());

        // Pattern 6 as a collection: everything Torvalds manages.
        let managed: ManagedCollection = db
            .managed(&ManagedCollectionKey {
                username: "Torvalds".into(),
            })
            .collect()
            .await
            .unwrap();
        let managed_issues: Vec<&str> = managed.issues.iter().map(|i| i.issue_number.as_str()).collect();
        assert_eq!(managed_issues, ["1", "10"], "the closed issue first: `closed` sorts before `open`");
        assert_eq!(managed.pull_requests.len(), 1);

        // Pattern 5: closing ElectroDB's pull request.
        db.pull_requests()
            .update(&PullRequestKey {
                repo_owner: "octocat".into(),
                repo_name: "Hello-World".into(),
                pull_request_number: "1".into(),
            })
            .set_status(IssueStatus::Closed)
            .await
            .unwrap();
        let closed_prs = electrodb.run(
            "query",
            &name,
            json!([{"entity": "pullRequest", "index": "managed", "key": {"username": "Torvalds", "status": "Closed"}}]),
        );
        assert_eq!(closed_prs[0].as_array().map(Vec::len), Some(1), "ElectroDB finds the closed pull request");

        // Pattern 8: an issue and a pull request in one transaction, seen by
        // ElectroDB's collection query.
        let new_issue = Issue {
            issue_number: "3".into(),
            repo_name: "Hello-World".into(),
            repo_owner: "octocat".into(),
            username: "octocat".into(),
            subject: "transacted".into(),
            body: "b".into(),
            status: IssueStatus::Open,
            created_at: Default::default(),
            updated_at: Default::default(),
        };
        let new_pr = PullRequest {
            pull_request_number: "2".into(),
            repo_name: "Hello-World".into(),
            repo_owner: "octocat".into(),
            username: "octocat".into(),
            subject: "transacted".into(),
            body: "b".into(),
            status: IssueStatus::Open,
            created_at: Default::default(),
            updated_at: Default::default(),
        };
        db.transact_write()
            .put(db.issues().create(&new_issue))
            .put(db.pull_requests().create(&new_pr))
            .send()
            .await
            .unwrap();
        let collected = electrodb.run(
            "collect",
            &name,
            json!([{"collection": "activity", "key": {"repoOwner": "octocat", "repoName": "Hello-World"}}]),
        );
        let numbers = |entity: &str, field: &str| -> Vec<String> {
            collected[0][entity].as_array().unwrap().iter().map(|i| text(i, field)).collect()
        };
        assert_eq!(numbers("issue", "issueNumber"), ["1", "2", "3"]);
        assert_eq!(numbers("pullRequest", "pullRequestNumber"), ["1", "2"]);

        // A delete of ElectroDB's item: ElectroDB no longer finds it.
        db.issues()
            .delete(&IssueKey {
                repo_owner: "Torvalds".into(),
                repo_name: "linux".into(),
                issue_number: "10".into(),
            })
            .await
            .unwrap();
        let gone = electrodb.run(
            "get",
            &name,
            json!([{"entity": "issue", "key": {"repoOwner": "Torvalds", "repoName": "linux", "issueNumber": "10"}}]),
        );
        assert_eq!(gone[0], Value::Null);

        // Every item still carries ElectroDB's markers.
        for item in scan_raw(&client, &name).await.values() {
            assert!(item.contains_key("__edb_e__"), "{item:?}");
            assert_eq!(item.get("__edb_v__"), Some(&s("1")), "{item:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn generated_items_are_electrodb_items_byte_for_byte() {
    let Some(electrodb) = ElectroDb::find() else { return };
    run_with_table("adopt-electrodb-same", move |client, name| async move {
        // `by_electrodb` gets ElectroDB's items, `name` the generated module's.
        let by_electrodb = format!("{name}-e");
        let db = Vcs::new(client.clone(), &name);
        db.table().create_if_missing().await.unwrap();
        let reference = Vcs::new(client.clone(), &by_electrodb);
        reference.table().create_if_missing().await.unwrap();

        create_with_dyngen(&db).await;
        create_with_electrodb(&electrodb, &by_electrodb);
        let ours = scan_raw(&client, &name).await;
        assert_eq!(ours.len(), fixtures().len());
        assert_eq!(ours, scan_raw(&client, &by_electrodb).await, "the same items, attribute for attribute");
        let issue = &ours[&(
            "$vcs#repoowner_octocat#reponame_hello-world".to_string(),
            "$issue_1#issuenumber_1".to_string(),
        )];
        assert_eq!(issue["gsi1pk"], s("$vcs#username_torvalds"));
        assert_eq!(issue["gsi1sk"], s("$managed#issue_1#status_open#issuenumber_1"));
        assert_eq!(issue["gsi2sk"], s("$activity#issue_1#status_open#issuenumber_1"));
        assert_eq!(issue["__edb_e__"], s("Issue"));
        assert_eq!(issue["repoName"], s("Hello-World"));

        // ElectroDB reads what the module wrote through every access pattern,
        // exactly as it reads its own items.
        let from_ours = read_with_electrodb(&electrodb, &name);
        assert_eq!(from_ours, read_with_electrodb(&electrodb, &by_electrodb));
        assert_eq!(text(&from_ours[0], "fullName"), "Linus Torvalds");
        let managed_open: Vec<String> =
            from_ours[5].as_array().unwrap().iter().map(|i| text(i, "issueNumber")).collect();
        assert_eq!(managed_open, ["1", "10"]);
        assert_eq!(from_ours[10]["issue"].as_array().map(Vec::len), Some(2));
        assert_eq!(from_ours[10]["repository"].as_array().map(Vec::len), Some(1));

        // The same update and delete on both sides leave the same items.
        let key = IssueKey {
            repo_owner: "octocat".into(),
            repo_name: "Hello-World".into(),
            issue_number: "2".into(),
        };
        db.issues()
            .update(&key)
            .set_status(IssueStatus::Closed)
            .set_subject("closed")
            .await
            .unwrap();
        db.pull_requests()
            .delete(&PullRequestKey {
                repo_owner: "octocat".into(),
                repo_name: "Hello-World".into(),
                pull_request_number: "1".into(),
            })
            .await
            .unwrap();
        electrodb.run(
            "patch",
            &by_electrodb,
            json!([{"entity": "issue", "key": {"repoOwner": "octocat", "repoName": "Hello-World", "issueNumber": "2"},
                    "set": {"status": "Closed", "subject": "closed"}}]),
        );
        electrodb.run(
            "remove",
            &by_electrodb,
            json!([{"entity": "pullRequest", "key": {"repoOwner": "octocat", "repoName": "Hello-World", "pullRequestNumber": "1"}}]),
        );
        assert_eq!(scan_raw(&client, &name).await, scan_raw(&client, &by_electrodb).await);
        let closed = electrodb.run(
            "query",
            &name,
            json!([{"entity": "issue", "index": "activity", "key": {"repoOwner": "octocat", "repoName": "Hello-World", "status": "Closed"}}]),
        );
        assert_eq!(text(&closed[0][0], "subject"), "closed");

        client.delete_table().table_name(&by_electrodb).send().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn values_that_would_make_an_electrodb_key_ambiguous_are_refused() {
    run_with_table("adopt-electrodb-refused", |client, name| async move {
        let db = Vcs::new(client.clone(), &name);
        db.table().create_if_missing().await.unwrap();
        // `a#reponame_b` + `c` would be the key of `a` + `b#reponame_c`.
        let issue = Issue {
            issue_number: "1".into(),
            repo_name: "c".into(),
            repo_owner: "a#reponame_b".into(),
            username: "someone".into(),
            subject: "s".into(),
            body: "b".into(),
            status: IssueStatus::Open,
            created_at: Default::default(),
            updated_at: Default::default(),
        };
        let error = db.issues().create(&issue).await.unwrap_err();
        assert!(
            matches!(
                &error,
                Error::InvalidKey {
                    entity: "Issue",
                    attribute: "repoOwner",
                    ..
                }
            ),
            "{error:?}"
        );
        let stored = client.scan().table_name(&name).send().await.unwrap();
        assert_eq!(stored.count, 0, "nothing was written");
    })
    .await;
}

#[tokio::test]
async fn items_of_another_model_version_are_not_read_and_updates_mark_items() {
    run_with_table("adopt-electrodb-versions", |client, name| async move {
        let db = Vcs::new(client.clone(), &name);
        db.table().create_if_missing().await.unwrap();
        let key = UserKey { username: "ada".into() };
        let item = |version: Option<&str>| {
            let mut item = RawItem::from([
                ("pk".to_owned(), s("$vcs#username_ada")),
                ("sk".to_owned(), s("$user_1")),
                ("username".to_owned(), s("ada")),
                ("fullName".to_owned(), s("Ada")),
                ("bio".to_owned(), s("b")),
                ("location".to_owned(), s("l")),
                ("createdAt".to_owned(), s("2026-01-02T03:04:05.678Z")),
                ("updatedAt".to_owned(), s("2026-01-02T03:04:05.678Z")),
                ("__edb_e__".to_owned(), s("User")),
            ]);
            if let Some(version) = version {
                item.insert("__edb_v__".to_owned(), s(version));
            }
            item
        };
        // Under a version-1 key, an item ElectroDB would not read as model
        // version 1 is not read as a `User` either: it is reported.
        dyngen_tests::put_raw(&client, &name, item(Some("2"))).await;
        let error = db.users().get(&key).await.unwrap_err();
        assert!(
            matches!(error, Error::WrongEntity { expected: "User", .. }),
            "{error:?}"
        );

        // An item some writer left without the version marker: an update
        // marks it again, as ElectroDB's updates do.
        dyngen_tests::put_raw(&client, &name, item(None)).await;
        assert!(matches!(db.users().get(&key).await, Err(Error::WrongEntity { .. })));
        db.users().update(&key).set_bio("updated").await.unwrap();
        let stored = dyngen_tests::get_raw(
            &client,
            &name,
            RawItem::from([
                ("pk".to_owned(), s("$vcs#username_ada")),
                ("sk".to_owned(), s("$user_1")),
            ]),
        )
        .await
        .unwrap();
        assert_eq!(stored["__edb_v__"], s("1"));
        assert_eq!(stored["__edb_e__"], s("User"));
        match &stored["updatedAt"] {
            AttributeValue::S(at) => assert_iso_millis(at),
            other => panic!("updatedAt is {other:?}"),
        }
        let ada = db.users().get(&key).await.unwrap().expect("marked");
        assert_eq!(ada.bio, "updated");
        assert_eq!(ada.created_at.timestamp_subsec_millis(), 678);
    })
    .await;
}

fn product(sku: &str, title: &str, price: u32, in_stock: bool) -> catalog::Product {
    catalog::Product {
        sku: sku.into(),
        title: title.into(),
        category: "Kitchen".into(),
        price,
        in_stock,
    }
}

fn review(sku: &str, id: &str, stars: u32) -> catalog::Review {
    catalog::Review {
        sku: sku.into(),
        review_id: id.into(),
        stars,
        body: format!("review {id}"),
    }
}

fn catalog_fixtures() -> (Vec<catalog::Product>, Vec<catalog::Review>) {
    (
        vec![
            product("SKU-1", "Blue Mug", 1250, true),
            product("SKU-2", "Red Mug", 990, true),
            product("SKU-3", "Teapot", 4500, false),
        ],
        vec![review("SKU-1", "R1", 5), review("SKU-1", "R2", 3)],
    )
}

#[tokio::test]
async fn model_versions_numbers_casing_and_indexes_without_sort_keys_match_electrodb() {
    let Some(electrodb) = ElectroDb::find() else { return };
    run_with_table("adopt-electrodb-catalog", move |client, name| async move {
        let by_electrodb = format!("{name}-e");
        let db = catalog::Catalog::new(client.clone(), &name);
        db.table().create_if_missing().await.unwrap();
        catalog::Catalog::new(client.clone(), &by_electrodb)
            .table()
            .create_if_missing()
            .await
            .unwrap();

        let (products, reviews) = catalog_fixtures();
        let mut requests = Vec::new();
        for p in &products {
            db.products().create(p).await.unwrap();
            requests.push(json!({"entity": "product", "item": {"sku": p.sku, "title": p.title,
                "category": p.category, "price": p.price, "inStock": p.in_stock}}));
        }
        for r in &reviews {
            db.reviews().create(r).await.unwrap();
            requests.push(
                json!({"entity": "review", "item": {"sku": r.sku, "reviewId": r.review_id,
                "stars": r.stars, "body": r.body}}),
            );
        }
        electrodb.run_model("catalog", "create", &by_electrodb, Value::Array(requests));

        let ours = scan_items(&client, &name, &[]).await;
        assert_eq!(ours.len(), 5);
        assert_eq!(
            ours,
            scan_items(&client, &by_electrodb, &[]).await,
            "the same items, attribute for attribute"
        );
        let mug = &ours[&("$catalog#sku_sku-1".to_string(), "$productpage#product_2".to_string())];
        assert_eq!(
            mug["gsi1sk"],
            s("$product_2#inStock_true#price_1250"),
            "casing none keeps the labels' case"
        );
        assert_eq!(mug["gsi2pk"], s("$catalog$product_2#title_blue mug"));
        assert_eq!(mug["__edb_e__"], s("product"));
        assert_eq!(mug["__edb_v__"], s("2"));
        assert_eq!(mug["price"], AttributeValue::N("1250".into()));

        // Through the generated module, on the items ElectroDB wrote.
        let reference = catalog::Catalog::new(client.clone(), &by_electrodb);
        let in_stock: Vec<u32> = reference
            .products()
            .by_category(&catalog::ProductByCategoryPartition {
                category: "Kitchen".into(),
            })
            .in_stock(true)
            .into_query()
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.price)
            .collect();
        assert_eq!(in_stock, [1250, 990], "text order, as ElectroDB stores numbers");
        let teapot = reference
            .products()
            .by_title(&catalog::ProductByTitlePartition { title: "Teapot".into() })
            .all()
            .await
            .unwrap();
        assert_eq!(teapot, [product("SKU-3", "Teapot", 4500, false)]);
        let page: catalog::ProductPageCollection = reference
            .product_page(&catalog::ProductPageCollectionKey { sku: "SKU-1".into() })
            .collect()
            .await
            .unwrap();
        assert_eq!(page.products, [product("SKU-1", "Blue Mug", 1250, true)]);
        assert_eq!(page.reviews, reviews);
        assert!(page.unknown.is_empty());

        // Through ElectroDB, on the items the module wrote.
        let reads = json!([
            {"entity": "product", "index": "byCategory", "key": {"category": "Kitchen", "inStock": true}},
            {"entity": "product", "index": "byTitle", "key": {"title": "Teapot"}},
            {"entity": "review", "index": "review", "key": {"sku": "SKU-1"}},
        ]);
        let from_ours = electrodb.run_model("catalog", "query", &name, reads.clone());
        assert_eq!(from_ours, electrodb.run_model("catalog", "query", &by_electrodb, reads));
        assert_eq!(from_ours[0].as_array().map(Vec::len), Some(2));
        assert_eq!(from_ours[1][0]["price"], json!(4500));
        let collected = electrodb.run_model(
            "catalog",
            "collect",
            &name,
            json!([{"collection": "productPage", "key": {"sku": "SKU-1"}}]),
        );
        assert_eq!(collected[0]["review"].as_array().map(Vec::len), Some(2));
        assert_eq!(collected[0]["product"].as_array().map(Vec::len), Some(1));

        // A price change rewrites the key that sorts by it, on both sides alike
        // (both need the key's other value, `inStock`, to rebuild it).
        db.products()
            .update(&catalog::ProductKey { sku: "SKU-2".into() })
            .set_price(1990, true)
            .await
            .unwrap();
        electrodb.run_model(
            "catalog",
            "patch",
            &by_electrodb,
            json!([{"entity": "product", "key": {"sku": "SKU-2"}, "set": {"price": 1990, "inStock": true}}]),
        );
        assert_eq!(
            scan_items(&client, &name, &[]).await,
            scan_items(&client, &by_electrodb, &[]).await
        );

        client.delete_table().table_name(&by_electrodb).send().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn batches_transactions_conditions_and_pages_write_what_electrodb_reads() {
    let Some(electrodb) = ElectroDb::find() else { return };
    run_with_table("adopt-electrodb-writes", move |client, name| async move {
        let db = catalog::Catalog::new(client.clone(), &name);
        db.table().create_if_missing().await.unwrap();

        // A batch of 30 reviews, read back by ElectroDB and in pages here.
        let reviews: Vec<catalog::Review> = (0..30).map(|i| review("SKU-1", &format!("R{i:02}"), i % 5)).collect();
        let mut batch = db.batch_write();
        for r in &reviews {
            batch.put(r).unwrap();
        }
        assert_eq!(batch.send().await.unwrap().written, 30);
        let seen = electrodb.run_model(
            "catalog",
            "query",
            &name,
            json!([{"entity": "review", "index": "review", "key": {"sku": "SKU-1"}}]),
        );
        assert_eq!(seen[0].as_array().map(Vec::len), Some(30), "ElectroDB reads the batch");
        let mut paged = Vec::new();
        let mut cursor = None;
        loop {
            let page = db
                .reviews()
                .query(&catalog::ReviewPartition { sku: "SKU-1".into() })
                .limit(7)
                .page(cursor.as_ref())
                .await
                .unwrap();
            paged.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(paged, reviews, "pages in key order, each review once");

        // A transaction: a create and an update, both marked.
        db.products()
            .create(&product("SKU-1", "Blue Mug", 1250, true))
            .await
            .unwrap();
        db.transact_write()
            .put(db.products().create(&product("SKU-9", "Green Mug", 1500, false)))
            .update(
                db.products()
                    .update(&catalog::ProductKey { sku: "SKU-1".into() })
                    .set_title("Big Blue Mug"),
            )
            .send()
            .await
            .unwrap();
        // A put replaces, an upsert keeps nothing it does not hold.
        db.products().put(&product("SKU-7", "Jug", 2000, true)).await.unwrap();
        db.products()
            .upsert(&product("SKU-7", "Jug", 2100, true))
            .await
            .unwrap();

        // Conditions see the stored values.
        let refused = db
            .products()
            .update(&catalog::ProductKey { sku: "SKU-9".into() })
            .condition(|a| a.price.eq(1_u32))
            .set_title("never")
            .await;
        assert!(matches!(refused, Err(Error::ConditionFailed { .. })), "{refused:?}");

        let read = electrodb.run_model(
            "catalog",
            "get",
            &name,
            json!([{"entity": "product", "key": {"sku": "SKU-1"}}, {"entity": "product", "key": {"sku": "SKU-9"}},
                   {"entity": "product", "key": {"sku": "SKU-7"}}]),
        );
        assert_eq!(text(&read[0], "title"), "Big Blue Mug");
        assert_eq!(text(&read[1], "title"), "Green Mug");
        assert_eq!(read[2]["price"], json!(2100));
        let by_title = electrodb.run_model(
            "catalog",
            "query",
            &name,
            json!([{"entity": "product", "index": "byTitle", "key": {"title": "Big Blue Mug"}}]),
        );
        assert_eq!(
            by_title[0].as_array().map(Vec::len),
            Some(1),
            "the update rewrote the title's key"
        );
        for item in scan_items(&client, &name, &[]).await.values() {
            assert!(
                item.contains_key("__edb_e__") && item.contains_key("__edb_v__"),
                "{item:?}"
            );
        }
    })
    .await;
}
