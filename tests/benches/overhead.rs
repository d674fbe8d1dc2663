//! The generated layer's cost over hand-written SDK calls, in client CPU
//! per operation, against DynamoDB Local: the same put, get, update and
//! query (10 items), once through the generated version-control module and
//! once as the `aws-sdk-dynamodb` calls a careful user would write by hand
//! (same items, same conditions, same decoding work). Everything runs on a
//! current-thread runtime, so this thread's CPU time
//! (`/proc/thread-self/schedstat`) is all the client does; DynamoDB Local's
//! own CPU (another process) is not counted. Rounds alternate between the
//! two, so machine noise hits both alike. Figures: docs/performance.md.
//!
//! `eval "$(scripts/dynamodb-local.sh start)"`, then
//! `cargo bench -p dyngen-tests --bench overhead`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use dyngen_example_vcs::vcs::{Issue, IssueKey, IssueManagedPartition, IssueStatus, Vcs};
use dyngen_runtime::chrono::{DateTime, SecondsFormat, Utc};

const ROUNDS: usize = 21;
const OPS_PER_ROUND: usize = 150;

/// Rounds and operations per round: the full measurement under `cargo
/// bench` (which passes `--bench`), one short round as a smoke test under
/// `cargo test --all-targets`, which runs benchmarks too.
fn rounds() -> (usize, usize) {
    if std::env::args().any(|a| a == "--bench") {
        (ROUNDS, OPS_PER_ROUND)
    } else {
        (1, 2)
    }
}

/// CPU time this thread has used, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    text.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("schedstat field")
}

fn issue(i: usize) -> Issue {
    Issue {
        issue_number: format!("{i:05}"),
        repo_name: "overhead".into(),
        repo_owner: "bench".into(),
        username: "bench-user".into(),
        subject: format!("Issue {i}"),
        body: "A body of a realistic length for an issue, about a hundred bytes of text, give or take.".into(),
        status: IssueStatus::Open,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn status_text(status: IssueStatus) -> &'static str {
    match status {
        IssueStatus::Open => "Open",
        IssueStatus::Closed => "Closed",
    }
}

/// The hand-written item: the same attributes and keys the generated
/// `to_item` writes (keys unescaped: the values need no escaping).
fn hand_item(issue: &Issue, now: &str) -> HashMap<String, AttributeValue> {
    let status = status_text(issue.status);
    let mut item = HashMap::with_capacity(16);
    item.insert(
        "pk".into(),
        s(&format!("vcs#{}#{}#", issue.repo_owner, issue.repo_name)),
    );
    item.insert("sk".into(), s(&format!("Issue#{}#", issue.issue_number)));
    item.insert("gsi1pk".into(), s(&format!("vcs#{}#", issue.username)));
    item.insert(
        "gsi1sk".into(),
        s(&format!("managed#Issue#{status}#{}#", issue.issue_number)),
    );
    item.insert(
        "gsi2pk".into(),
        s(&format!("vcs#{}#{}#", issue.repo_owner, issue.repo_name)),
    );
    item.insert(
        "gsi2sk".into(),
        s(&format!("activity#Issue#{status}#{}#", issue.issue_number)),
    );
    item.insert("_et".into(), s("Issue"));
    item.insert("issueNumber".into(), s(&issue.issue_number));
    item.insert("repoName".into(), s(&issue.repo_name));
    item.insert("repoOwner".into(), s(&issue.repo_owner));
    item.insert("username".into(), s(&issue.username));
    item.insert("subject".into(), s(&issue.subject));
    item.insert("body".into(), s(&issue.body));
    item.insert("status".into(), s(status));
    item.insert("createdAt".into(), s(now));
    item.insert("updatedAt".into(), s(now));
    item
}

fn take_s(item: &mut HashMap<String, AttributeValue>, name: &str) -> String {
    match item.remove(name) {
        Some(AttributeValue::S(v)) => v,
        other => panic!("{name}: {other:?}"),
    }
}

fn hand_decode(mut item: HashMap<String, AttributeValue>) -> Issue {
    let time = |v: String| DateTime::parse_from_rfc3339(&v).expect("time").with_timezone(&Utc);
    Issue {
        issue_number: take_s(&mut item, "issueNumber"),
        repo_name: take_s(&mut item, "repoName"),
        repo_owner: take_s(&mut item, "repoOwner"),
        username: take_s(&mut item, "username"),
        subject: take_s(&mut item, "subject"),
        body: take_s(&mut item, "body"),
        status: match take_s(&mut item, "status").as_str() {
            "Open" => IssueStatus::Open,
            _ => IssueStatus::Closed,
        },
        created_at: time(take_s(&mut item, "createdAt")),
        updated_at: time(take_s(&mut item, "updatedAt")),
    }
}

fn hand_key(key: &IssueKey) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            "pk".to_owned(),
            s(&format!("vcs#{}#{}#", key.repo_owner, key.repo_name)),
        ),
        ("sk".to_owned(), s(&format!("Issue#{}#", key.issue_number))),
    ])
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// One operation, generated or by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Get,
    Update,
    Query,
}

async fn generated(db: &Vcs, op: Op, i: usize) {
    let value = issue(i % 10);
    match op {
        Op::Put => {
            db.issues().put(&value).await.expect("put");
        }
        Op::Get => {
            db.issues().get(&value.key()).await.expect("get").expect("stored");
        }
        Op::Update => {
            db.issues()
                .update(&value.key())
                .set_subject(format!("Subject {i}"))
                .await
                .expect("update");
        }
        Op::Query => {
            let items = db
                .issues()
                .managed(&IssueManagedPartition {
                    username: "bench-user".into(),
                })
                .all()
                .await
                .expect("query");
            assert_eq!(items.len(), 10);
        }
    }
}

async fn by_hand(client: &Client, table: &str, op: Op, i: usize) {
    let value = issue(i % 10);
    match op {
        Op::Put => {
            let now = now_text();
            client
                .put_item()
                .table_name(table)
                .set_item(Some(hand_item(&value, &now)))
                .send()
                .await
                .expect("put");
        }
        Op::Get => {
            let output = client
                .get_item()
                .table_name(table)
                .set_key(Some(hand_key(&value.key())))
                .send()
                .await
                .expect("get");
            hand_decode(output.item.expect("stored"));
        }
        Op::Update => {
            let output = client
                .update_item()
                .table_name(table)
                .set_key(Some(hand_key(&value.key())))
                .update_expression("SET #subject = :subject, #updatedAt = :now")
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#subject", "subject")
                .expression_attribute_names("#updatedAt", "updatedAt")
                .expression_attribute_names("#pk", "pk")
                .expression_attribute_values(":subject", s(&format!("Subject {i}")))
                .expression_attribute_values(":now", s(&now_text()))
                .return_values(ReturnValue::AllNew)
                .return_values_on_condition_check_failure(
                    aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await
                .expect("update");
            hand_decode(output.attributes.expect("returned"));
        }
        Op::Query => {
            let output = client
                .query()
                .table_name(table)
                .index_name("gsi1")
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
                .expression_attribute_names("#pk", "gsi1pk")
                .expression_attribute_names("#sk", "gsi1sk")
                .expression_attribute_values(":pk", s("vcs#bench-user#"))
                .expression_attribute_values(":sk", s("managed#Issue#"))
                .send()
                .await
                .expect("query");
            let items: Vec<Issue> = output.items.unwrap_or_default().into_iter().map(hand_decode).collect();
            assert_eq!(items.len(), 10);
        }
    }
}

fn main() {
    let Some(client) = dyngen_tests::endpoint().map(|e| dyngen_tests::client_for(&e)) else {
        eprintln!("overhead: DYNGEN_DYNAMODB_ENDPOINT is not set; skipped (start DynamoDB Local first)");
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let table = dyngen_tests::unique_table_name("bench-overhead");
    let db = Vcs::new(client.clone(), table.clone());
    runtime.block_on(async {
        db.table().create_if_missing().await.expect("create table");
        for i in 0..10 {
            db.issues().put(&issue(i)).await.expect("seed");
        }
        let (rounds, ops_per_round) = rounds();
        let warm_up = if rounds == ROUNDS { 50 } else { 1 };
        println!("operation  generated µs/op  hand-written µs/op  generated / hand (median round)");
        for op in [Op::Put, Op::Get, Op::Update, Op::Query] {
            // Warm both paths (connections, caches) before measuring.
            for i in 0..warm_up {
                generated(&db, op, i).await;
                by_hand(&client, &table, op, i).await;
            }
            let (mut gen_ns, mut hand_ns) = (0u64, 0u64);
            let mut ratios = Vec::with_capacity(rounds);
            for round in 0..rounds {
                let mut spent = [0u64; 2];
                // Alternate which goes first, so neither always runs warm.
                for first_generated in [round % 2 == 0, round % 2 != 0] {
                    let start = thread_cpu_ns();
                    for i in 0..ops_per_round {
                        if first_generated {
                            generated(&db, op, i).await;
                        } else {
                            by_hand(&client, &table, op, i).await;
                        }
                    }
                    spent[usize::from(!first_generated)] = thread_cpu_ns() - start;
                }
                gen_ns += spent[0];
                hand_ns += spent[1];
                ratios.push(spent[0] as f64 / spent[1] as f64);
            }
            // The median round: a burst of load elsewhere spoils a round,
            // not the figure.
            ratios.sort_by(f64::total_cmp);
            let per_op = |ns: u64| ns as f64 / (rounds * ops_per_round) as f64 / 1000.0;
            println!(
                "{:<9}  {:>15.1}  {:>18.1}  {:>16.3}  (rounds {:.3}..{:.3})",
                format!("{op:?}"),
                per_op(gen_ns),
                per_op(hand_ns),
                ratios[rounds / 2],
                ratios[0],
                ratios[rounds - 1]
            );
        }
    });
    runtime.block_on(dyngen_tests::delete_table_best_effort(&client, &table));
}
