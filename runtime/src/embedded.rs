//! An in-process DynamoDB-compatible engine, for trying dyngen and for tests
//! that should need no Java, no Docker and no network (feature `embedded`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = dyngen_runtime::embedded::EmbeddedEngine::start()?;
//! let client = engine.client(); // an aws_sdk_dynamodb::Client, ready to use
//! client.list_tables().send().await?;
//! # Ok(()) }
//! ```
//!
//! The engine is [dynoxide](https://crates.io/crates/dynoxide-rs), an
//! emulator over an in-memory SQLite database. It serves the DynamoDB JSON
//! protocol on a loopback port (`127.0.0.1`, chosen by the OS) from a thread
//! of its own, so the SDK client talks to it exactly as it talks to DynamoDB,
//! and the engine outlives any one async runtime: a test binary can share one
//! engine between `#[tokio::test]`s. Every engine starts empty; its data goes
//! when it stops.
//!
//! Where it differs from DynamoDB (see docs/testing.md for the list measured
//! by dyngen's suite): TTL deletes only when [`EmbeddedEngine::sweep_ttl`] is
//! called, there is no throttling and no transaction conflict, and
//! `ConsistentRead` changes nothing (every read is consistent).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::thread::JoinHandle;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// The region the client is configured with; the engine accepts any.
const REGION: &str = "us-east-1";

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No loopback port could be bound.
    #[error("embedded engine: cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
    /// The engine's in-memory database could not be opened.
    #[error("embedded engine: cannot open its in-memory database: {0}")]
    Database(String),
    /// The engine's thread or its async runtime could not be started.
    #[error("embedded engine: cannot start its server thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// A running in-process engine and a client configured for it.
///
/// Dropping it stops the engine (requests already running finish first);
/// [`stop`](Self::stop) does the same and waits until the engine is gone.
pub struct EmbeddedEngine {
    client: aws_sdk_dynamodb::Client,
    endpoint: String,
    database: dynoxide::Database,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl EmbeddedEngine {
    /// Starts an empty engine. It needs no async runtime of the caller's:
    /// the engine runs on a thread of its own.
    pub fn start() -> Result<EmbeddedEngine, StartError> {
        let database = dynoxide::Database::memory().map_err(|e| StartError::Database(e.to_string()))?;
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).map_err(StartError::Listen)?;
        listener.set_nonblocking(true).map_err(StartError::Listen)?;
        let address = listener.local_addr().map_err(StartError::Listen)?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(StartError::Thread)?;
        let served = database.clone();
        let server = std::thread::Builder::new()
            .name("dyngen-embedded-engine".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    // The listener was bound above, so connections made
                    // before this point wait in its backlog.
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let stop = async move {
                        // A dropped sender stops the engine too.
                        let _ = stopped.await;
                    };
                    let _ = dynoxide::server::serve_with_shutdown(listener, served, stop).await;
                });
            })
            .map_err(StartError::Thread)?;
        let endpoint = format!("http://{address}");
        Ok(EmbeddedEngine {
            client: client_for(&endpoint),
            endpoint,
            database,
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    /// A client for this engine. Clones share one connection pool; use it
    /// while the engine runs.
    pub fn client(&self) -> aws_sdk_dynamodb::Client {
        self.client.clone()
    }

    /// The engine's URL (`http://127.0.0.1:PORT`), for a client configured
    /// elsewhere (static credentials of any value, any region).
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint
    }

    /// Deletes every item whose TTL attribute is in the past, as DynamoDB's
    /// background process would eventually; returns how many it deleted.
    /// The engine never does this by itself.
    pub fn sweep_ttl(&self) -> Result<usize, String> {
        self.database.sweep_ttl().map_err(|e| e.to_string())
    }

    /// The engine's product version (dynoxide's, as `dynoxide --version`
    /// prints it), for reports of where it differs from DynamoDB.
    pub fn version() -> &'static str {
        dynoxide::PRODUCT_VERSION
    }

    /// Stops the engine and waits until its thread has ended.
    pub fn stop(mut self) {
        self.signal_stop();
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }

    fn signal_stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for EmbeddedEngine {
    fn drop(&mut self) {
        // Not joined here: a drop inside an async task must not block it.
        self.signal_stop();
    }
}

impl std::fmt::Debug for EmbeddedEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedEngine")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// The SDK client for an engine at `endpoint`: fixed region and dummy static
/// credentials (the engine checks that requests are signed, not by whom), so
/// nothing in the environment (AWS profiles, env vars) is read.
fn client_for(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("embedded", "embedded", None, None, "dyngen-embedded"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}
