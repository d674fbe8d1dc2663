//! `count()` on queries, query stages, collections and scans of the
//! version-control module: `Select: COUNT` over every page, with filters
//! and limits respected, against what the same reads return.

use dyngen_example_vcs::vcs::*;
use dyngen_runtime::aws_sdk_dynamodb::types::{AttributeValue, Select};
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::{Count, PrimaryKey as _};
use dyngen_tests::{require_dynamodb_local, unique_table_name, with_table_cleanup};

fn created() -> DateTime<Utc> {
    DateTime::from_timestamp(1_715_949_296, 0).expect("valid timestamp")
}

/// Issue `n` of `owner/repo`: open when `n` is odd, with a body of `body_kb`
/// kilobytes (so that a few of them fill DynamoDB's 1 MB page).
fn issue(owner: &str, repo: &str, n: u32, body_kb: usize) -> Issue {
    Issue {
        issue_number: format!("{n:02}"),
        repo_name: repo.to_owned(),
        repo_owner: owner.to_owned(),
        username: if n % 3 == 0 { "torvalds" } else { "octocat" }.to_owned(),
        subject: format!("Issue {n}"),
        body: "x".repeat(body_kb * 1024),
        status: if n % 2 == 1 {
            IssueStatus::Open
        } else {
            IssueStatus::Closed
        },
        created_at: created(),
        updated_at: created(),
    }
}

fn partition(owner: &str, repo: &str) -> IssuePartition {
    IssuePartition {
        repo_owner: owner.to_owned(),
        repo_name: repo.to_owned(),
    }
}

#[tokio::test]
async fn counts_match_what_the_reads_return_across_pages() {
    let client = require_dynamodb_local!();
    let table = unique_table_name("counts");
    with_table_cleanup(&client, &table, |client, table| async move {
        let db = Vcs::new(client.clone(), table.clone());
        db.table().create_if_missing().await.expect("create table");
        // 14 issues of 100 KB in one partition: more than one 1 MB page.
        let big: Vec<Issue> = (1..=14).map(|n| issue("octocat", "hello-world", n, 100)).collect();
        let small: Vec<Issue> = (1..=3).map(|n| issue("torvalds", "linux", n, 1)).collect();
        for issue in big.iter().chain(&small) {
            db.issues().put(issue).await.expect("put issue");
        }
        db.pull_requests()
            .put(&PullRequest {
                pull_request_number: "01".into(),
                repo_name: "hello-world".into(),
                repo_owner: "octocat".into(),
                username: "octocat".into(),
                subject: "A pull request".into(),
                body: "in the issues' partition".into(),
                status: IssueStatus::Open,
                created_at: created(),
                updated_at: created(),
            })
            .await
            .expect("put pull request");

        // The precondition: one COUNT request does not cover the partition.
        let first = client
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(issue_pk(&big[0])))
            .select(Select::Count)
            .send()
            .await
            .expect("raw count");
        assert!(first.last_evaluated_key().is_some(), "the partition spans pages");
        assert!(first.count() < 14, "{}", first.count());

        let hello = || db.issues().query(&partition("octocat", "hello-world"));
        let counted = hello().count().await.expect("count");
        assert_eq!(counted.count, 14, "{counted:?}");
        assert_eq!(counted.count as usize, hello().all().await.unwrap().len());
        assert!(counted.scanned_count >= counted.count, "{counted:?}");

        // A filter: DynamoDB reads every issue and counts the open ones.
        let open = hello()
            .filter(|a| a.status.eq(IssueStatus::Open))
            .count()
            .await
            .expect("filtered count");
        assert_eq!(
            open,
            Count {
                count: 7,
                scanned_count: 14 + boundary_extra(1)
            }
        );

        // A limit caps the count, also when a filter leaves items out of
        // each request's page.
        assert_eq!(hello().limit(5).count().await.unwrap().count, 5);
        let capped = hello()
            .filter(|a| a.status.eq(IssueStatus::Closed))
            .limit(4)
            .count()
            .await
            .unwrap();
        assert_eq!(capped.count, 4, "{capped:?}");

        // Sort-key stages.
        let managed = |user: &str| {
            db.issues().managed(&IssueManagedPartition {
                username: user.to_owned(),
            })
        };
        let octocat_open = managed("octocat").status(IssueStatus::Open).count().await.unwrap();
        let expected = big
            .iter()
            .chain(&small)
            .filter(|i| i.username == "octocat" && i.status == IssueStatus::Open)
            .count();
        assert_eq!(octocat_open.count as usize, expected);
        assert_eq!(
            managed("torvalds")
                .status_gte(IssueStatus::Closed)
                .count()
                .await
                .unwrap()
                .count as usize,
            managed("torvalds")
                .status_gte(IssueStatus::Closed)
                .all()
                .await
                .unwrap()
                .len()
        );
        assert_eq!(
            managed("octocat")
                .status(IssueStatus::Open)
                .issue_number_between("03", "07")
                .count()
                .await
                .unwrap()
                .count,
            2,
            "issues 05 and 07 (03 is torvalds')"
        );

        // A collection counts every member.
        let activity = db
            .activity(&ActivityCollectionKey {
                repo_owner: "octocat".into(),
                repo_name: "hello-world".into(),
            })
            .count()
            .await
            .unwrap();
        assert_eq!(activity.count, 15, "14 issues and a pull request");

        // A scan counts the entity's items of the whole table, and reads them all.
        let scanned = db.issues().scan().count().await.unwrap();
        assert_eq!(
            scanned,
            Count {
                count: 17,
                scanned_count: 18 + boundary_extra(1)
            }
        );
        let open_everywhere = db
            .issues()
            .scan()
            .filter(|a| a.status.eq(IssueStatus::Open))
            .limit(4)
            .count()
            .await
            .unwrap();
        assert_eq!(
            open_everywhere,
            Count {
                count: 9,
                scanned_count: 18
            },
            "limit is the page size of a scan"
        );
        assert_eq!(db.pull_requests().scan().count().await.unwrap().count, 1);
    })
    .await;
}

/// What the engine adds to `ScannedCount` for `boundaries` 1 MB page
/// boundaries: DynamoDB Local (the reference) nothing; the embedded engine
/// counts the item that did not fit on both pages (docs/testing.md).
fn boundary_extra(boundaries: u64) -> u64 {
    match dyngen_tests::engine() {
        dyngen_tests::Engine::DynamoDbLocal => 0,
        dyngen_tests::Engine::Embedded => boundaries,
    }
}

/// The table key `pk` of `issue`, as the module writes it.
fn issue_pk(issue: &Issue) -> String {
    let key = issue.key().to_key().expect("key");
    key["pk"].as_s().expect("a string pk").clone()
}
