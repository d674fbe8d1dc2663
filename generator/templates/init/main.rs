mod todo {
    dyngen_runtime::include_generated!("todo");
}

use dyngen_runtime::aws_sdk_dynamodb;
use dyngen_runtime::embedded::EmbeddedEngine;

/// Where the table lives, by `DYNAMODB_ENDPOINT`:
/// - unset: an engine inside this process (nothing to install; it starts
///   empty and forgets everything when the program ends);
/// - a URL: a local engine there (DynamoDB Local: `http://127.0.0.1:8000`;
///   any credentials do);
/// - `aws`: AWS, with credentials and region from the environment, a
///   profile or a role.
///
/// The embedded engine, when it is the one, is returned too: it runs until
/// it is dropped.
async fn client() -> Result<(aws_sdk_dynamodb::Client, Option<EmbeddedEngine>), Box<dyn std::error::Error>> {
    let latest = aws_config::BehaviorVersion::latest();
    match std::env::var("DYNAMODB_ENDPOINT").as_deref() {
        Err(_) => {
            let engine = EmbeddedEngine::start()?;
            Ok((engine.client(), Some(engine)))
        }
        Ok("aws") => {
            let config = aws_config::load_defaults(latest).await;
            Ok((aws_sdk_dynamodb::Client::new(&config), None))
        }
        Ok(endpoint) => {
            let config = aws_config::defaults(latest)
                .endpoint_url(endpoint)
                .region(aws_config::Region::new("us-east-1"))
                .test_credentials()
                .load()
                .await;
            Ok((aws_sdk_dynamodb::Client::new(&config), None))
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _engine) = client().await?;
    let db = todo::Todo::new(client, "todo");
    db.table().create_if_missing().await?;

    let task = todo::Task {
        list_id: "groceries".into(),
        task_id: "milk".into(),
        title: "Buy milk".into(),
        done: false,
        created_at: Default::default(), // set by dyngen on every write
        updated_at: Default::default(),
    };
    db.tasks().put(&task).await?;

    let list = todo::TaskPartition { list_id: "groceries".into() };
    for task in db.tasks().query(&list).all().await? {
        println!("{}: {} (done: {})", task.task_id, task.title, task.done);
    }
    Ok(())
}
