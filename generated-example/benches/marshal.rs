//! Marshalling an `Issue` and a `Repository` to and from DynamoDB items:
//! the generated code against a hand-written conversion and serde_dynamo.
//!
//! Run with `cargo bench -p dyngen-example-vcs --bench marshal`; the figures
//! are in `docs/performance.md`.
//!
//! All three implementations produce the same item: every attribute, the
//! primary key, the keys of both GSIs and the entity tag (`_et`), with the
//! timestamps as RFC 3339 text with nine fraction digits. This is checked
//! once, before anything is timed.
//!
//! - **generated**: `Entity::to_item` / `Entity::from_item`.
//! - **hand-written**: what one would write without a generator: the key
//!   strings built with `push_str`, `HashMap::with_capacity`, decoding by
//!   `remove` + `match`. It does *not* escape key values (the seed's values
//!   need no escaping, so the keys come out the same) and does not check key
//!   lengths; skipping both is what the generated code's correctness costs.
//! - **serde_dynamo**: a serde-derived mirror struct, with the key attributes
//!   as extra `String` fields computed (the hand-written way) before
//!   serializing; `serde_dynamo::to_item` / `from_item`.
//!
//! Every benchmark runs in `iter_batched` batches of [`BATCH`] operations:
//! the items to decode are cloned in the setup, and the results are dropped
//! after the batch, so neither cloning nor dropping is part of the figures.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dyngen_example_vcs::vcs::{Issue, IssueStatus, Repository};
use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
use dyngen_runtime::chrono::{DateTime, SecondsFormat, Utc};
use dyngen_runtime::{Entity, Item};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::hint::black_box;
use std::time::Duration;

// ---------------------------------------------------------------------------
// The values: from the seed's version-control example.

fn timestamp(seconds: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, nanos).expect("a valid timestamp")
}

fn sample_issue() -> Issue {
    Issue {
        issue_number: "15".to_owned(),
        repo_name: "hello-world".to_owned(),
        repo_owner: "octocat".to_owned(),
        username: "monalisa".to_owned(),
        subject: "Bug: README has typo".to_owned(),
        body: "The second paragraph of README.md says \"recieve\" where it should say \
               \"receive\", and the installation section links to the old wiki page, \
               which now returns a 404. Steps to reproduce: open README.md on the main \
               branch and read the section headed Getting started. Expected: correct \
               spelling and a working link. I am happy to send a pull request."
            .to_owned(),
        status: IssueStatus::Open,
        created_at: timestamp(1_717_171_717, 123_456_789),
        updated_at: timestamp(1_717_258_117, 987_654_321),
    }
}

fn sample_repository() -> Repository {
    Repository {
        counters: std::collections::BTreeMap::from([("stars".to_owned(), 42)]),
        repo_name: "hello-world".to_owned(),
        repo_owner: "octocat".to_owned(),
        username: "octocat".to_owned(),
        about: "My first repository on the platform!".to_owned(),
        description: "A small repository used to try out issues, pull requests and \
                      branches. It holds a README, a license and a short script that \
                      prints a greeting; contributions that fix typos or improve the \
                      examples are welcome."
            .to_owned(),
        is_private: false,
        default_branch: "main".to_owned(),
        created_at: timestamp(1_700_000_000, 0),
        updated_at: timestamp(1_717_171_717, 500_000_000),
    }
}

// ---------------------------------------------------------------------------
// Hand-written conversions. Key values are not escaped and key lengths are
// not checked: correct for these values, not in general.

/// `parts` joined, each followed by `#`: the key format, without escaping.
fn key(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts {
        out.push_str(part);
        out.push('#');
    }
    out
}

fn timestamp_text(value: &DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn issue_keys(issue: &Issue) -> [String; 6] {
    let status = issue.status.as_str();
    [
        key(&["vcs", &issue.repo_owner, &issue.repo_name]),
        key(&["Issue", &issue.issue_number]),
        key(&["vcs", &issue.username]),
        key(&["managed", "Issue", status, &issue.issue_number]),
        key(&["vcs", &issue.repo_owner, &issue.repo_name]),
        key(&["activity", "Issue", status, &issue.issue_number]),
    ]
}

fn repository_keys(repo: &Repository) -> [String; 6] {
    [
        key(&["vcs", &repo.repo_owner]),
        key(&["Repository", &repo.repo_name]),
        key(&["vcs", &repo.username]),
        key(&["owned", "Repository", &repo.repo_name]),
        key(&["vcs", &repo.repo_owner, &repo.repo_name]),
        key(&["activity", "Repository"]),
    ]
}

const KEY_NAMES: [&str; 6] = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"];

fn hand_issue_to_item(issue: &Issue) -> Item {
    let mut item = Item::with_capacity(16);
    for (name, value) in KEY_NAMES.into_iter().zip(issue_keys(issue)) {
        item.insert(name.to_owned(), AttributeValue::S(value));
    }
    item.insert("_et".to_owned(), s("Issue"));
    item.insert("issueNumber".to_owned(), s(&issue.issue_number));
    item.insert("repoName".to_owned(), s(&issue.repo_name));
    item.insert("repoOwner".to_owned(), s(&issue.repo_owner));
    item.insert("username".to_owned(), s(&issue.username));
    item.insert("subject".to_owned(), s(&issue.subject));
    item.insert("body".to_owned(), s(&issue.body));
    item.insert("status".to_owned(), s(issue.status.as_str()));
    item.insert(
        "createdAt".to_owned(),
        AttributeValue::S(timestamp_text(&issue.created_at)),
    );
    item.insert(
        "updatedAt".to_owned(),
        AttributeValue::S(timestamp_text(&issue.updated_at)),
    );
    item
}

fn hand_repository_to_item(repo: &Repository) -> Item {
    let mut item = Item::with_capacity(17);
    for (name, value) in KEY_NAMES.into_iter().zip(repository_keys(repo)) {
        item.insert(name.to_owned(), AttributeValue::S(value));
    }
    item.insert("_et".to_owned(), s("Repository"));
    item.insert("repoName".to_owned(), s(&repo.repo_name));
    item.insert("repoOwner".to_owned(), s(&repo.repo_owner));
    item.insert("username".to_owned(), s(&repo.username));
    item.insert("about".to_owned(), s(&repo.about));
    item.insert("description".to_owned(), s(&repo.description));
    item.insert("isPrivate".to_owned(), AttributeValue::Bool(repo.is_private));
    item.insert("defaultBranch".to_owned(), s(&repo.default_branch));
    item.insert(
        "counters".to_owned(),
        AttributeValue::M(
            repo.counters
                .iter()
                .map(|(k, v)| (k.clone(), AttributeValue::N(v.to_string())))
                .collect(),
        ),
    );
    item.insert(
        "createdAt".to_owned(),
        AttributeValue::S(timestamp_text(&repo.created_at)),
    );
    item.insert(
        "updatedAt".to_owned(),
        AttributeValue::S(timestamp_text(&repo.updated_at)),
    );
    item
}

/// What went wrong decoding, by hand: the attribute's name.
#[derive(Debug)]
struct BadAttribute(#[allow(dead_code)] &'static str);

fn take_string(item: &mut Item, name: &'static str) -> Result<String, BadAttribute> {
    match item.remove(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(BadAttribute(name)),
    }
}

fn take_timestamp(item: &mut Item, name: &'static str) -> Result<DateTime<Utc>, BadAttribute> {
    match item.remove(name) {
        Some(AttributeValue::S(text)) => DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| BadAttribute(name)),
        _ => Err(BadAttribute(name)),
    }
}

fn hand_issue_from_item(mut item: Item) -> Result<Issue, BadAttribute> {
    Ok(Issue {
        issue_number: take_string(&mut item, "issueNumber")?,
        repo_name: take_string(&mut item, "repoName")?,
        repo_owner: take_string(&mut item, "repoOwner")?,
        username: take_string(&mut item, "username")?,
        subject: take_string(&mut item, "subject")?,
        body: take_string(&mut item, "body")?,
        status: match item.remove("status") {
            None => IssueStatus::Open,
            Some(AttributeValue::S(text)) => match text.as_str() {
                "Open" => IssueStatus::Open,
                "Closed" => IssueStatus::Closed,
                _ => return Err(BadAttribute("status")),
            },
            Some(_) => return Err(BadAttribute("status")),
        },
        created_at: take_timestamp(&mut item, "createdAt")?,
        updated_at: take_timestamp(&mut item, "updatedAt")?,
    })
}

fn hand_repository_from_item(mut item: Item) -> Result<Repository, BadAttribute> {
    Ok(Repository {
        counters: match item.remove("counters") {
            None => Default::default(),
            Some(AttributeValue::M(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    AttributeValue::N(n) => n.parse().map(|n| (k, n)).map_err(|_| BadAttribute("counters")),
                    _ => Err(BadAttribute("counters")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(BadAttribute("counters")),
        },
        repo_name: take_string(&mut item, "repoName")?,
        repo_owner: take_string(&mut item, "repoOwner")?,
        username: take_string(&mut item, "username")?,
        about: take_string(&mut item, "about")?,
        description: take_string(&mut item, "description")?,
        is_private: match item.remove("isPrivate") {
            None => false,
            Some(AttributeValue::Bool(b)) => b,
            Some(_) => return Err(BadAttribute("isPrivate")),
        },
        default_branch: match item.remove("defaultBranch") {
            None => "main".to_owned(),
            Some(AttributeValue::S(text)) => text,
            Some(_) => return Err(BadAttribute("defaultBranch")),
        },
        created_at: take_timestamp(&mut item, "createdAt")?,
        updated_at: take_timestamp(&mut item, "updatedAt")?,
    })
}

// ---------------------------------------------------------------------------
// serde_dynamo: mirror structs. Serializing borrows the entity's strings (the
// cheapest way to use serde here); deserializing fills an owned mirror, which
// is then moved into the entity. Timestamps use the same text as the others.

fn serialize_timestamp<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&timestamp_text(value))
}

fn deserialize_timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(serde::de::Error::custom)
}

#[derive(Serialize, Deserialize, Clone, Copy)]
enum SerdeStatus {
    Open,
    Closed,
}

impl From<IssueStatus> for SerdeStatus {
    fn from(status: IssueStatus) -> Self {
        match status {
            IssueStatus::Open => SerdeStatus::Open,
            IssueStatus::Closed => SerdeStatus::Closed,
        }
    }
}

impl From<SerdeStatus> for IssueStatus {
    fn from(status: SerdeStatus) -> Self {
        match status {
            SerdeStatus::Open => IssueStatus::Open,
            SerdeStatus::Closed => IssueStatus::Closed,
        }
    }
}

fn default_status() -> SerdeStatus {
    SerdeStatus::Open
}

fn default_branch() -> String {
    "main".to_owned()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssueOut<'a> {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    gsi2pk: String,
    gsi2sk: String,
    #[serde(rename = "_et")]
    entity_tag: &'static str,
    issue_number: &'a str,
    repo_name: &'a str,
    repo_owner: &'a str,
    username: &'a str,
    subject: &'a str,
    body: &'a str,
    status: SerdeStatus,
    #[serde(serialize_with = "serialize_timestamp")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_timestamp")]
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueIn {
    issue_number: String,
    repo_name: String,
    repo_owner: String,
    username: String,
    subject: String,
    body: String,
    #[serde(default = "default_status")]
    status: SerdeStatus,
    #[serde(deserialize_with = "deserialize_timestamp")]
    created_at: DateTime<Utc>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryOut<'a> {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    gsi2pk: String,
    gsi2sk: String,
    #[serde(rename = "_et")]
    entity_tag: &'static str,
    repo_name: &'a str,
    repo_owner: &'a str,
    username: &'a str,
    about: &'a str,
    description: &'a str,
    is_private: bool,
    default_branch: &'a str,
    counters: &'a std::collections::BTreeMap<String, u64>,
    #[serde(serialize_with = "serialize_timestamp")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_timestamp")]
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryIn {
    repo_name: String,
    repo_owner: String,
    username: String,
    about: String,
    description: String,
    #[serde(default)]
    is_private: bool,
    #[serde(default = "default_branch")]
    default_branch: String,
    #[serde(default)]
    counters: std::collections::BTreeMap<String, u64>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    created_at: DateTime<Utc>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    updated_at: DateTime<Utc>,
}

fn serde_issue_to_item(issue: &Issue) -> Result<Item, serde_dynamo::Error> {
    let [pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk] = issue_keys(issue);
    serde_dynamo::to_item(IssueOut {
        pk,
        sk,
        gsi1pk,
        gsi1sk,
        gsi2pk,
        gsi2sk,
        entity_tag: "Issue",
        issue_number: &issue.issue_number,
        repo_name: &issue.repo_name,
        repo_owner: &issue.repo_owner,
        username: &issue.username,
        subject: &issue.subject,
        body: &issue.body,
        status: issue.status.into(),
        created_at: issue.created_at,
        updated_at: issue.updated_at,
    })
}

fn serde_issue_from_item(item: Item) -> Result<Issue, serde_dynamo::Error> {
    let mirror: IssueIn = serde_dynamo::from_item(item)?;
    Ok(Issue {
        issue_number: mirror.issue_number,
        repo_name: mirror.repo_name,
        repo_owner: mirror.repo_owner,
        username: mirror.username,
        subject: mirror.subject,
        body: mirror.body,
        status: mirror.status.into(),
        created_at: mirror.created_at,
        updated_at: mirror.updated_at,
    })
}

fn serde_repository_to_item(repo: &Repository) -> Result<Item, serde_dynamo::Error> {
    let [pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk] = repository_keys(repo);
    serde_dynamo::to_item(RepositoryOut {
        pk,
        sk,
        gsi1pk,
        gsi1sk,
        gsi2pk,
        gsi2sk,
        entity_tag: "Repository",
        repo_name: &repo.repo_name,
        repo_owner: &repo.repo_owner,
        username: &repo.username,
        about: &repo.about,
        description: &repo.description,
        is_private: repo.is_private,
        default_branch: &repo.default_branch,
        counters: &repo.counters,
        created_at: repo.created_at,
        updated_at: repo.updated_at,
    })
}

fn serde_repository_from_item(item: Item) -> Result<Repository, serde_dynamo::Error> {
    let mirror: RepositoryIn = serde_dynamo::from_item(item)?;
    Ok(Repository {
        counters: mirror.counters,
        repo_name: mirror.repo_name,
        repo_owner: mirror.repo_owner,
        username: mirror.username,
        about: mirror.about,
        description: mirror.description,
        is_private: mirror.is_private,
        default_branch: mirror.default_branch,
        created_at: mirror.created_at,
        updated_at: mirror.updated_at,
    })
}

// ---------------------------------------------------------------------------
// The checks (untimed) and the benchmarks.

/// Operations per timed batch. Small on purpose: `BatchSize::SmallInput`
/// makes each batch a tenth of a sample (thousands of items here), and the
/// memory those items hold (fresh pages, heap consolidation when they are
/// freed) then costs more than the marshalling and skews the long samples.
/// 64 items stay in cache, the allocator reuses their memory as a real
/// request loop would, and two clock reads per 64 operations are noise.
const BATCH: BatchSize = BatchSize::NumIterations(64);

/// All three implementations write the same item and read it back.
fn check_equivalence(issue: &Issue, repo: &Repository) {
    let generated = issue.to_item().expect("generated Issue::to_item");
    assert_eq!(generated, hand_issue_to_item(issue), "hand-written Issue item differs");
    assert_eq!(
        generated,
        serde_issue_to_item(issue).expect("serde_dynamo Issue"),
        "serde_dynamo Issue item differs"
    );
    assert_eq!(
        &Issue::from_item(generated.clone()).expect("generated from_item"),
        issue
    );
    assert_eq!(
        &hand_issue_from_item(generated.clone()).expect("hand-written from_item"),
        issue
    );
    assert_eq!(
        &serde_issue_from_item(generated).expect("serde_dynamo from_item"),
        issue
    );

    let generated = repo.to_item().expect("generated Repository::to_item");
    assert_eq!(
        generated,
        hand_repository_to_item(repo),
        "hand-written Repository item differs"
    );
    assert_eq!(
        generated,
        serde_repository_to_item(repo).expect("serde_dynamo Repository"),
        "serde_dynamo Repository item differs"
    );
    assert_eq!(
        &Repository::from_item(generated.clone()).expect("generated from_item"),
        repo
    );
    assert_eq!(
        &hand_repository_from_item(generated.clone()).expect("hand-written from_item"),
        repo
    );
    assert_eq!(
        &serde_repository_from_item(generated).expect("serde_dynamo from_item"),
        repo
    );
}

fn marshal(c: &mut Criterion) {
    let issue = sample_issue();
    let repo = sample_repository();
    check_equivalence(&issue, &repo);
    let issue_item = issue.to_item().expect("Issue item");
    let repo_item = repo.to_item().expect("Repository item");

    let mut group = c.benchmark_group("issue/to_item");
    group.bench_function("generated", |b| {
        b.iter_batched(|| (), |()| black_box(&issue).to_item().unwrap(), BATCH)
    });
    group.bench_function("hand_written", |b| {
        b.iter_batched(|| (), |()| hand_issue_to_item(black_box(&issue)), BATCH)
    });
    group.bench_function("serde_dynamo", |b| {
        b.iter_batched(|| (), |()| serde_issue_to_item(black_box(&issue)).unwrap(), BATCH)
    });
    group.finish();

    let mut group = c.benchmark_group("issue/from_item");
    group.bench_function("generated", |b| {
        b.iter_batched(|| issue_item.clone(), |item| Issue::from_item(item).unwrap(), BATCH)
    });
    group.bench_function("hand_written", |b| {
        b.iter_batched(|| issue_item.clone(), |item| hand_issue_from_item(item).unwrap(), BATCH)
    });
    group.bench_function("serde_dynamo", |b| {
        b.iter_batched(
            || issue_item.clone(),
            |item| serde_issue_from_item(item).unwrap(),
            BATCH,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("repository/to_item");
    group.bench_function("generated", |b| {
        b.iter_batched(|| (), |()| black_box(&repo).to_item().unwrap(), BATCH)
    });
    group.bench_function("hand_written", |b| {
        b.iter_batched(|| (), |()| hand_repository_to_item(black_box(&repo)), BATCH)
    });
    group.bench_function("serde_dynamo", |b| {
        b.iter_batched(|| (), |()| serde_repository_to_item(black_box(&repo)).unwrap(), BATCH)
    });
    group.finish();

    let mut group = c.benchmark_group("repository/from_item");
    group.bench_function("generated", |b| {
        b.iter_batched(|| repo_item.clone(), |item| Repository::from_item(item).unwrap(), BATCH)
    });
    group.bench_function("hand_written", |b| {
        b.iter_batched(
            || repo_item.clone(),
            |item| hand_repository_from_item(item).unwrap(),
            BATCH,
        )
    });
    group.bench_function("serde_dynamo", |b| {
        b.iter_batched(
            || repo_item.clone(),
            |item| serde_repository_from_item(item).unwrap(),
            BATCH,
        )
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = marshal
}
criterion_main!(benches);
