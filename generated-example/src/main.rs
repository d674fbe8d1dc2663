//! Seeds the seed document's version-control data into a table and runs
//! its access patterns 1 to 8 through the generated module, printing what it
//! finds. Exits non-zero if a result differs from the seed.
//!
//! ```sh
//! cargo run -p dyngen-example-vcs          # on the embedded engine: nothing to install
//!
//! eval "$(scripts/dynamodb-local.sh start)"  # or on DynamoDB Local (or AWS):
//! cargo run -p dyngen-example-vcs          # DYNGEN_DYNAMODB_ENDPOINT is set
//! ```
//!
//! With `DYNGEN_DYNAMODB_ENDPOINT` set, the client uses that endpoint, with
//! the credentials of `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
//! `AWS_SESSION_TOKEN` and the region of `AWS_REGION` when they are set
//! (so `https://dynamodb.eu-west-1.amazonaws.com` reaches AWS), and dummy
//! ones otherwise (enough for a local engine).

use dyngen_example_vcs::vcs::*;
use dyngen_runtime::aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::embedded::EmbeddedEngine;
use std::process::ExitCode;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The endpoint of DynamoDB Local, another engine or AWS; unset for the
/// embedded engine.
const ENDPOINT_ENV: &str = "DYNGEN_DYNAMODB_ENDPOINT";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("\nAll access patterns returned what the seed expects.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Where the example's table lives.
enum Engine {
    /// In this process; stops when dropped.
    Embedded(EmbeddedEngine),
    /// At an endpoint: DynamoDB Local, another engine, or AWS.
    Remote(dyngen_runtime::aws_sdk_dynamodb::Client),
}

impl Engine {
    fn from_env() -> Result<Engine> {
        let Some(endpoint) = std::env::var(ENDPOINT_ENV).ok().filter(|e| !e.trim().is_empty()) else {
            println!(
                "Engine: embedded (dynoxide {}); set {ENDPOINT_ENV} for another",
                EmbeddedEngine::version()
            );
            return Ok(Engine::Embedded(EmbeddedEngine::start()?));
        };
        println!("Engine: {endpoint}");
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => Credentials::new(id, secret, env("AWS_SESSION_TOKEN"), None, "environment"),
            _ => Credentials::new("local", "local", None, None, "dyngen-example"),
        };
        let config = dyngen_runtime::aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new(env("AWS_REGION").unwrap_or_else(|| "us-east-1".to_owned())))
            .credentials_provider(credentials)
            .build();
        Ok(Engine::Remote(dyngen_runtime::aws_sdk_dynamodb::Client::from_conf(
            config,
        )))
    }

    fn client(&self) -> dyngen_runtime::aws_sdk_dynamodb::Client {
        match self {
            Engine::Embedded(engine) => engine.client(),
            Engine::Remote(client) => client.clone(),
        }
    }
}

/// Fails the run when a pattern returns something the seed does not expect.
fn expect<T: PartialEq + std::fmt::Debug>(what: &str, actual: T, expected: T) -> Result<()> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, found {actual:?}").into())
    }
}

async fn run() -> Result<()> {
    let engine = Engine::from_env()?;
    let db = Vcs::new(engine.client(), format!("vcs-example-{}", std::process::id()));
    db.table().create_if_missing().await?;
    seed(&db, Utc::now()).await?;

    println!("Pattern 1: get user profile");
    for (username, full_name) in [("octocat", "The Octocat"), ("torvalds", "Linus Torvalds")] {
        let user = db
            .users()
            .get(&UserKey {
                username: username.into(),
            })
            .await?
            .ok_or(format!("user {username} not found"))?;
        println!("  {username}: {} ({}, {})", user.full_name, user.bio, user.location);
        expect("pattern 1 full name", user.full_name.as_str(), full_name)?;
        // A projection reads only the attributes it names (and the key).
        let card = db
            .users()
            .get_projected::<UserCard, _>(&user.key())
            .await?
            .ok_or(format!("user {username} not found"))?;
        expect(
            "pattern 1 card",
            card,
            UserCard {
                username: username.into(),
                full_name: full_name.into(),
            },
        )?;
    }

    println!("Pattern 2: get repository");
    for (owner, name, branch) in [("octocat", "hello-world", "main"), ("torvalds", "linux", "master")] {
        let repo = db
            .repositories()
            .get(&RepositoryKey {
                repo_owner: owner.into(),
                repo_name: name.into(),
            })
            .await?
            .ok_or(format!("repository {owner}/{name} not found"))?;
        println!(
            "  {owner}/{name}: {:?}, default branch {}",
            repo.about, repo.default_branch
        );
        expect("pattern 2 default branch", repo.default_branch.as_str(), branch)?;
        // A nested update: one entry of the `counters` map, in place.
        let starred = db
            .repositories()
            .update(&repo.key())
            .at(|a| a.counters.key("stars"))
            .add(1)
            .await?;
        println!("    starred: {} star(s)", starred.counters["stars"]);
        expect(
            "pattern 2 stars",
            starred.counters.get("stars").copied(),
            Some(repo.counters.get("stars").copied().unwrap_or(0) + 1),
        )?;
    }

    println!("Pattern 3: a user's owned repositories (collection `owned` on gsi1)");
    for (username, repos) in [("octocat", vec!["hello-world"]), ("torvalds", vec!["linux"])] {
        let owned: OwnedCollection = db
            .owned(&OwnedCollectionKey {
                username: username.into(),
            })
            .collect()
            .await?;
        let names: Vec<&str> = owned.repositories.iter().map(|r| r.repo_name.as_str()).collect();
        println!(
            "  {username}: profile {:?}, repositories {names:?}",
            owned.users.first().map(|u| &u.full_name)
        );
        expect("pattern 3 repositories", names, repos)?;
        expect("pattern 3 profile", owned.users.len(), 1)?;
    }

    pattern_4(&db).await?;
    pattern_5(&db).await?;

    println!("Pattern 6: a user's managed issues and pull requests (collection `managed` on gsi1)");
    for (username, issues, prs) in [
        (
            "torvalds",
            vec![("hello-world", "1"), ("hello-world", "3")],
            vec![("hello-world", "1")],
        ),
        (
            "octocat",
            vec![("hello-world", "2"), ("linux", "1")],
            vec![("hello-world", "2"), ("linux", "1")],
        ),
    ] {
        let managed: ManagedCollection = db
            .managed(&ManagedCollectionKey {
                username: username.into(),
            })
            .collect()
            .await?;
        let mut found_issues: Vec<(&str, &str)> = managed
            .issues
            .iter()
            .map(|i| (i.repo_name.as_str(), i.issue_number.as_str()))
            .collect();
        let mut found_prs: Vec<(&str, &str)> = managed
            .pull_requests
            .iter()
            .map(|p| (p.repo_name.as_str(), p.pull_request_number.as_str()))
            .collect();
        println!("  {username}: issues {found_issues:?}, pull requests {found_prs:?}");
        found_issues.sort();
        found_prs.sort();
        expect("pattern 6 issues", found_issues, issues)?;
        expect("pattern 6 pull requests", found_prs, prs)?;
    }

    println!("Pattern 7: repository activity (collection `activity` on gsi2)");
    for (owner, name, issues, prs) in [
        // Closed sorts before Open: status leads the sort key. Issue 3 and
        // pull request 2 were closed by patterns 4 and 5.
        (
            "octocat",
            "hello-world",
            vec![
                ("2", IssueStatus::Closed),
                ("3", IssueStatus::Closed),
                ("1", IssueStatus::Open),
            ],
            vec!["2", "1"],
        ),
        ("torvalds", "linux", vec![("1", IssueStatus::Open)], vec!["1"]),
    ] {
        let activity: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: owner.into(),
                repo_name: name.into(),
            })
            .collect()
            .await?;
        let found_issues: Vec<(&str, IssueStatus)> = activity
            .issues
            .iter()
            .map(|i| (i.issue_number.as_str(), i.status))
            .collect();
        let found_prs: Vec<&str> = activity
            .pull_requests
            .iter()
            .map(|p| p.pull_request_number.as_str())
            .collect();
        // The seed filters the open issues on the client; a member filter
        // does it in DynamoDB and leaves the other members alone.
        let open: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: owner.into(),
                repo_name: name.into(),
            })
            .filter_member::<Issue>(|a| a.status.eq(IssueStatus::Open))
            .collect()
            .await?;
        let open_issues: Vec<&str> = open.issues.iter().map(|i| i.issue_number.as_str()).collect();
        println!(
            "  {owner}/{name}: repository {}, issues {found_issues:?} (open: {open_issues:?}), pull requests {found_prs:?}",
            activity.repositories.len()
        );
        let expected_open: Vec<&str> = issues
            .iter()
            .filter(|(_, status)| *status == IssueStatus::Open)
            .map(|(number, _)| *number)
            .collect();
        expect("pattern 7 issues", found_issues, issues)?;
        expect("pattern 7 pull requests", found_prs, prs)?;
        expect("pattern 7 repository", activity.repositories.len(), 1)?;
        let expected_open_count = expected_open.len();
        expect("pattern 7 open issues", open_issues, expected_open)?;
        // Counting the open issues reads none of them (`Select: COUNT`).
        let open_count = db
            .issues()
            .activity(&IssueActivityPartition {
                repo_owner: owner.into(),
                repo_name: name.into(),
            })
            .status(IssueStatus::Open)
            .count()
            .await?;
        println!("    open issues counted: {}", open_count.count);
        expect(
            "pattern 7 open issues counted",
            open_count.count as usize,
            expected_open_count,
        )?;
        expect(
            "pattern 7 others unfiltered",
            (open.repositories, open.pull_requests),
            (activity.repositories, activity.pull_requests),
        )?;
    }

    pattern_8(&db).await?;

    db.table()
        .client()
        .delete_table()
        .table_name(db.table().name())
        .send()
        .await?;
    Ok(())
}

/// Pattern 4: create an issue, then close it. `status` is a composite of
/// the `managed` (gsi1sk) and `activity` (gsi2sk) sort keys together with
/// the issue number, which the update knows from the key: closing needs
/// nothing else, and both index keys move in the same request.
async fn pattern_4(db: &Vcs) -> Result<()> {
    println!("Pattern 4: create an issue, then close it");
    let key = IssueKey {
        repo_owner: "octocat".into(),
        repo_name: "hello-world".into(),
        issue_number: "3".into(),
    };
    let created = db
        .issues()
        .create(&Issue {
            issue_number: key.issue_number.clone(),
            repo_name: key.repo_name.clone(),
            repo_owner: key.repo_owner.clone(),
            username: "torvalds".into(),
            subject: "Enhancement: Add CI pipeline".into(),
            body: "We should add GitHub Actions for CI/CD.".into(),
            status: IssueStatus::Open,
            // Set by the write.
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        })
        .await?;
    expect("pattern 4 new issue status", created.status, IssueStatus::Open)?;
    let closed = db.issues().update(&key).set_status(IssueStatus::Closed).await?;
    println!(
        "  octocat/hello-world#3 {:?} -> {:?}: {:?}",
        created.status, closed.status, closed.subject
    );
    expect("pattern 4 closed status", closed.status, IssueStatus::Closed)?;
    expect(
        "pattern 4 subject kept",
        closed.subject.as_str(),
        "Enhancement: Add CI pipeline",
    )?;
    expect("pattern 4 createdAt kept", closed.created_at, created.created_at)?;
    expect(
        "pattern 4 updatedAt moved",
        closed.updated_at > created.updated_at,
        true,
    )?;

    // The index keys followed the status.
    let managed = |status| {
        db.issues()
            .managed(&IssueManagedPartition {
                username: "torvalds".into(),
            })
            .status(status)
            .issue_number("3")
            .all()
    };
    expect(
        "pattern 4 no longer open in `managed`",
        managed(IssueStatus::Open).await?.len(),
        0,
    )?;
    expect(
        "pattern 4 closed in `managed`",
        managed(IssueStatus::Closed).await?,
        vec![closed.clone()],
    )?;
    let activity = db
        .issues()
        .activity(&IssueActivityPartition {
            repo_owner: "octocat".into(),
            repo_name: "hello-world".into(),
        })
        .status(IssueStatus::Closed)
        .issue_number("3")
        .all()
        .await?;
    expect("pattern 4 closed in `activity`", activity, vec![closed])?;
    Ok(())
}

/// Pattern 5: the same for a pull request.
async fn pattern_5(db: &Vcs) -> Result<()> {
    println!("Pattern 5: create a pull request, then close it");
    let key = PullRequestKey {
        repo_owner: "octocat".into(),
        repo_name: "hello-world".into(),
        pull_request_number: "2".into(),
    };
    let created = db
        .pull_requests()
        .create(&PullRequest {
            pull_request_number: key.pull_request_number.clone(),
            repo_name: key.repo_name.clone(),
            repo_owner: key.repo_owner.clone(),
            username: "octocat".into(),
            subject: "Add CONTRIBUTING.md".into(),
            body: "Adds a contributing guide as requested in issue #2.".into(),
            status: IssueStatus::Open,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        })
        .await?;
    let closed = db.pull_requests().update(&key).set_status(IssueStatus::Closed).await?;
    println!(
        "  octocat/hello-world pull request 2 {:?} -> {:?}: {:?}",
        created.status, closed.status, closed.subject
    );
    expect("pattern 5 closed status", closed.status, IssueStatus::Closed)?;
    expect("pattern 5 subject kept", closed.subject.as_str(), "Add CONTRIBUTING.md")?;
    let managed = |status| {
        db.pull_requests()
            .managed(&PullRequestManagedPartition {
                username: "octocat".into(),
            })
            .status(status)
            .all()
    };
    let numbers = |prs: Vec<PullRequest>| -> Vec<String> { prs.into_iter().map(|p| p.pull_request_number).collect() };
    expect(
        "pattern 5 open in `managed`",
        numbers(managed(IssueStatus::Open).await?),
        vec!["1".to_owned()],
    )?;
    expect(
        "pattern 5 closed in `managed`",
        numbers(managed(IssueStatus::Closed).await?),
        vec!["2".to_owned()],
    )?;
    Ok(())
}

/// Pattern 8: an issue and a pull request created in one transaction
/// (both or neither), then seen together in the `activity` collection.
async fn pattern_8(db: &Vcs) -> Result<()> {
    println!("Pattern 8: create an issue and a pull request atomically (transaction)");
    let issue = Issue {
        issue_number: "2".into(),
        repo_name: "linux".into(),
        repo_owner: "torvalds".into(),
        username: "torvalds".into(),
        subject: "Track: Memory leak in driver".into(),
        body: "Tracking issue for the memory leak fix.".into(),
        status: IssueStatus::Open,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    };
    let pull_request = PullRequest {
        pull_request_number: "2".into(),
        repo_name: "linux".into(),
        repo_owner: "torvalds".into(),
        username: "torvalds".into(),
        subject: "Fix memory leak in driver X".into(),
        body: "Fixes the memory leak described in issue #2.".into(),
        status: IssueStatus::Open,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    };
    db.transact_write()
        .put(db.issues().create(&issue))
        .put(db.pull_requests().create(&pull_request))
        .send()
        .await?;

    // Again: the issue exists now, so the transaction is canceled and the
    // pull request (a new number) is not written either.
    let again = db
        .transact_write()
        .put(db.issues().create(&issue))
        .put(db.pull_requests().create(&PullRequest {
            pull_request_number: "3".into(),
            ..pull_request.clone()
        }))
        .send()
        .await;
    let refused_position = match &again {
        Err(dyngen_runtime::Error::TransactionCanceled { actions, .. }) => actions.first().map(|a| a.position),
        _ => None,
    };
    expect(
        "pattern 8 second transaction refused at action 0",
        refused_position,
        Some(0),
    )?;

    let activity: ActivityCollection = db
        .activity(&ActivityCollectionKey {
            repo_owner: "torvalds".into(),
            repo_name: "linux".into(),
        })
        .collect()
        .await?;
    let issues: Vec<&str> = activity.issues.iter().map(|i| i.issue_number.as_str()).collect();
    let prs: Vec<&str> = activity
        .pull_requests
        .iter()
        .map(|p| p.pull_request_number.as_str())
        .collect();
    println!("  torvalds/linux activity: issues {issues:?}, pull requests {prs:?}");
    expect("pattern 8 issues", issues, vec!["1", "2"])?;
    expect("pattern 8 pull requests", prs, vec!["1", "2"])?;
    Ok(())
}

/// The seed document's data: 2 users, 2 repositories, 3 issues, 2 pull requests.
async fn seed(db: &Vcs, now: DateTime<Utc>) -> Result<()> {
    for (username, full_name, bio, location) in [
        ("octocat", "The Octocat", "GitHub mascot", "San Francisco, CA"),
        ("torvalds", "Linus Torvalds", "Creator of Linux and Git", "Portland, OR"),
    ] {
        db.users()
            .put(&User {
                username: username.into(),
                full_name: full_name.into(),
                bio: bio.into(),
                location: location.into(),
                created_at: now,
                updated_at: now,
            })
            .await?;
    }
    for (name, owner, about, description, branch) in [
        (
            "hello-world",
            "octocat",
            "My first repository on GitHub!",
            "A simple hello world project for learning Git",
            "main",
        ),
        (
            "linux",
            "torvalds",
            "Linux kernel source tree",
            "The Linux kernel",
            "master",
        ),
    ] {
        db.repositories()
            .put(&Repository {
                counters: ::std::default::Default::default(),
                repo_name: name.into(),
                repo_owner: owner.into(),
                username: owner.into(),
                about: about.into(),
                description: description.into(),
                is_private: false,
                default_branch: branch.into(),
                created_at: now,
                updated_at: now,
            })
            .await?;
    }
    for (number, repo, owner, username, subject, body, status) in [
        (
            "1",
            "hello-world",
            "octocat",
            "torvalds",
            "Bug: README has typo",
            "There is a typo in the README file on line 3.",
            IssueStatus::Open,
        ),
        (
            "2",
            "hello-world",
            "octocat",
            "octocat",
            "Feature: Add contributing guide",
            "We should add a CONTRIBUTING.md file.",
            IssueStatus::Closed,
        ),
        (
            "1",
            "linux",
            "torvalds",
            "octocat",
            "Bug: Kernel panic on boot",
            "Kernel panic when booting with specific hardware configuration.",
            IssueStatus::Open,
        ),
    ] {
        db.issues()
            .put(&Issue {
                issue_number: number.into(),
                repo_name: repo.into(),
                repo_owner: owner.into(),
                username: username.into(),
                subject: subject.into(),
                body: body.into(),
                status,
                created_at: now,
                updated_at: now,
            })
            .await?;
    }
    for (number, repo, owner, username, subject, body) in [
        (
            "1",
            "hello-world",
            "octocat",
            "torvalds",
            "Fix README typo",
            "Fixes the typo mentioned in issue #1.",
        ),
        (
            "1",
            "linux",
            "torvalds",
            "octocat",
            "Fix boot panic for hardware X",
            "Addresses kernel panic on boot with specific hardware.",
        ),
    ] {
        db.pull_requests()
            .put(&PullRequest {
                pull_request_number: number.into(),
                repo_name: repo.into(),
                repo_owner: owner.into(),
                username: username.into(),
                subject: subject.into(),
                body: body.into(),
                status: IssueStatus::Open,
                created_at: now,
                updated_at: now,
            })
            .await?;
    }
    Ok(())
}
