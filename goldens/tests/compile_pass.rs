//! The correct forms of the calls `compile_fail.rs` rejects: they compile,
//! and build their requests without touching the network.

use dyngen_goldens::vcs::*;
use dyngen_runtime::aws_sdk_dynamodb::config::{BehaviorVersion, Builder, Region};
use dyngen_runtime::aws_sdk_dynamodb::Client;

/// A client that is never used to send anything.
fn offline_table() -> Vcs {
    let config = Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .build();
    Vcs::new(Client::from_conf(config), "vcs")
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
