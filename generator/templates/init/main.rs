mod todo {
    dyngen_runtime::include_generated!("todo");
}

use dyngen_runtime::aws_sdk_dynamodb;

/// A client for a local engine when `DYNAMODB_ENDPOINT` is set (DynamoDB
/// Local: `http://127.0.0.1:8000`; any credentials do), for AWS otherwise
/// (credentials and region from the environment, a profile or a role).
async fn client() -> aws_sdk_dynamodb::Client {
    let latest = aws_config::BehaviorVersion::latest();
    let config = match std::env::var("DYNAMODB_ENDPOINT") {
        Ok(endpoint) => {
            aws_config::defaults(latest)
                .endpoint_url(endpoint)
                .region(aws_config::Region::new("us-east-1"))
                .test_credentials()
                .load()
                .await
        }
        Err(_) => aws_config::load_defaults(latest).await,
    };
    aws_sdk_dynamodb::Client::new(&config)
}

#[tokio::main]
async fn main() -> Result<(), dyngen_runtime::Error> {
    let db = todo::Todo::new(client().await, "todo");
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
