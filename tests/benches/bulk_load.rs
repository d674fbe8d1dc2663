//! Loading many items into DynamoDB Local: one `put` per item, the same
//! puts from 8 tasks at once, and `batch_write` (requests of 25) with 1 and
//! with 8 requests in flight. Items per second are in docs/performance.md.
//!
//! Needs DynamoDB Local (`DYNGEN_DYNAMODB_ENDPOINT`); without it, every
//! benchmark is skipped with a message.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dyngen_example_vcs::vcs::{Issue, IssueStatus, Vcs};
use dyngen_runtime::chrono::DateTime;
use futures::StreamExt as _;

/// Items per load: enough for many requests of 25, few enough for a
/// benchmark run of a few minutes.
const ITEMS: usize = 1_000;

fn issues() -> Vec<Issue> {
    (0..ITEMS)
        .map(|i| Issue {
            issue_number: format!("{i:05}"),
            repo_name: format!("repo-{}", i % 10),
            repo_owner: "bench".into(),
            username: format!("user-{}", i % 50),
            subject: format!("Issue {i}"),
            body: "A body of a realistic length for an issue, about a hundred bytes of text, give or take.".into(),
            status: IssueStatus::Open,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        })
        .collect()
}

fn bulk_load(c: &mut Criterion) {
    let Some(client) = dyngen_tests::endpoint().map(|e| dyngen_tests::client_for(&e)) else {
        eprintln!("bulk_load: DYNGEN_DYNAMODB_ENDPOINT is not set; skipped (start DynamoDB Local first)");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let table = dyngen_tests::unique_table_name("bench-bulk");
    let db = Vcs::new(client.clone(), table.clone());
    runtime.block_on(db.table().create_if_missing()).expect("create table");
    let items = issues();

    let mut group = c.benchmark_group("bulk_load");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ITEMS as u64));
    group.bench_function(BenchmarkId::new("put_each", ITEMS), |b| {
        b.to_async(&runtime).iter(|| async {
            for issue in &items {
                db.issues().put(issue).await.expect("put");
            }
        })
    });
    group.bench_function(BenchmarkId::new("put_8_tasks", ITEMS), |b| {
        b.to_async(&runtime).iter(|| async {
            futures::stream::iter(&items)
                .map(|issue| db.issues().put(issue).send())
                .buffer_unordered(8)
                .for_each(|result| async move {
                    result.expect("put");
                })
                .await;
        })
    });
    for concurrency in [1, 8] {
        group.bench_function(BenchmarkId::new(format!("batch_write_x{concurrency}"), ITEMS), |b| {
            b.to_async(&runtime).iter(|| async {
                let mut batch = db.batch_write();
                for issue in &items {
                    batch.put(issue).expect("add");
                }
                let outcome = batch.concurrency(concurrency).send().await.expect("batch write");
                assert!(outcome.leftovers.is_empty() && outcome.written == ITEMS);
            })
        });
    }
    group.finish();
    runtime.block_on(dyngen_tests::delete_table_best_effort(&client, &table));
}

criterion_group!(benches, bulk_load);
criterion_main!(benches);
