//! The server: binding, routing, the request pipeline (counting, faults, latency) and
//! lifecycle.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_batch::config::{BehaviorVersion, Region};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::post;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;
use tracing::{debug, info, warn};

use crate::app::App;
use crate::clock::ServerClock;
use crate::counters::Counters;
use crate::credentials::test_credentials;
use crate::events::{EventCounters, EventFaults};
use crate::faults::{FaultKind, Faults};
use crate::ids::{ArnContext, IdGenerator};
use crate::jobs::JobStore;
use crate::operation::Operation;
use crate::profile::JobProfile;
#[cfg(feature = "eventbridge")]
use crate::publisher::EventPublisher;
use crate::resources::ResourceStore;
use crate::wire::{ApiError, DropConnection, json_response};

/// Largest request body accepted (SubmitJob itself is limited to 30 KiB by Batch).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalBatchError {
    /// `start` was called outside a tokio runtime.
    #[error("waiters-local must be started from within a tokio runtime")]
    NoRuntime,
    /// The listening socket could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The bound address could not be read back.
    #[error("cannot read the bound address: {0}")]
    LocalAddr(#[source] std::io::Error),
}

/// Where job state events go, if anywhere.
#[cfg(feature = "eventbridge")]
#[derive(Clone, Debug)]
enum EventTarget {
    Endpoint(String),
    Client(aws_sdk_eventbridge::Client),
}

/// Configures and starts a [`LocalBatch`].
#[derive(Clone, Debug)]
pub struct LocalBatchBuilder {
    bind: SocketAddr,
    default_profile: JobProfile,
    settle_after: Duration,
    region: String,
    account_id: String,
    seed: u64,
    #[cfg(feature = "eventbridge")]
    events: Option<EventTarget>,
}

/// How long a new or updated compute environment or job queue stays `CREATING` or
/// `UPDATING`, unless its `local:readyMillis` tag says otherwise.
pub const DEFAULT_SETTLE_AFTER: Duration = Duration::from_secs(2);

impl Default for LocalBatchBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            default_profile: JobProfile::default(),
            settle_after: DEFAULT_SETTLE_AFTER,
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            seed: 0x5eed,
            #[cfg(feature = "eventbridge")]
            events: None,
        }
    }
}

impl LocalBatchBuilder {
    /// Address to listen on; default `127.0.0.1:0` (an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Schedule for jobs that do not override it through their parameters; default
    /// [`JobProfile::default`].
    pub fn default_profile(mut self, profile: JobProfile) -> Self {
        self.default_profile = profile;
        self
    }

    /// How long new or updated compute environments and job queues stay `CREATING` or
    /// `UPDATING` before they are `VALID` (or `INVALID`, when their tag `local:outcome`
    /// asks for it); default [`DEFAULT_SETTLE_AFTER`]. The tag `local:readyMillis`
    /// overrides it per resource.
    pub fn settle_after(mut self, settle_after: Duration) -> Self {
        self.settle_after = settle_after;
        self
    }

    /// Region used in ARNs and by [`LocalBatch::client_config`]; default `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Account id used in ARNs; default `123456789012`.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = account_id.into();
        self
    }

    /// Seed for generated job, task and request ids, so runs are reproducible.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Publishes every job status change to the EventBridge endpoint at `endpoint_url`
    /// (for example moto's), as Batch does: a `PutEvents` entry with `Source`
    /// `aws.batch`, `DetailType` `Batch Job State Change`, the job ARN as its one
    /// resource, the time of the change in whole seconds, and the job's `DescribeJobs`
    /// document at that moment as `Detail`. There is no event for the initial
    /// `SUBMITTED`. The client speaks plain HTTP and signs with the test credentials
    /// in the server's region; [`eventbridge_client`](Self::eventbridge_client) takes
    /// any client instead. Needs the `eventbridge` feature (on by default).
    #[cfg(feature = "eventbridge")]
    pub fn eventbridge(mut self, endpoint_url: impl Into<String>) -> Self {
        self.events = Some(EventTarget::Endpoint(endpoint_url.into()));
        self
    }

    /// Publishes job status changes (as [`eventbridge`](Self::eventbridge) says) with
    /// this client. Needs the `eventbridge` feature (on by default).
    #[cfg(feature = "eventbridge")]
    pub fn eventbridge_client(mut self, client: aws_sdk_eventbridge::Client) -> Self {
        self.events = Some(EventTarget::Client(client));
        self
    }

    /// Binds the socket and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<LocalBatch, LocalBatchError> {
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| LocalBatchError::NoRuntime)?;
        let listener =
            TcpListener::bind(self.bind)
                .await
                .map_err(|source| LocalBatchError::Bind {
                    addr: self.bind,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(LocalBatchError::LocalAddr)?;
        let clock = Arc::new(ServerClock::new());
        let arns = ArnContext {
            region: self.region.clone(),
            account_id: self.account_id,
        };
        let app = Arc::new(App::new(
            clock,
            JobStore::new(IdGenerator::new(self.seed), arns.clone()),
            ResourceStore::new(arns, self.settle_after),
            self.default_profile,
        ));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let task = runtime.spawn(accept_loop(listener, router(Arc::clone(&app)), shutdown_rx));
        info!(%local_addr, "waiters-local listening");
        #[cfg(feature = "eventbridge")]
        let publisher = self.events.map(|target| {
            let publisher = match target {
                EventTarget::Endpoint(url) => {
                    info!(endpoint = %url, "publishing job state events");
                    EventPublisher::for_endpoint(&url, &self.region)
                }
                EventTarget::Client(client) => EventPublisher::with_client(client),
            };
            let (stop, stopped) = oneshot::channel();
            let task = runtime.spawn(crate::publisher::run(Arc::clone(&app), publisher, stopped));
            (stop, task)
        });
        #[cfg(not(feature = "eventbridge"))]
        let publisher = None;
        Ok(LocalBatch {
            app,
            local_addr,
            region: self.region,
            shutdown: Some(shutdown_tx),
            task: Some(task),
            publisher,
        })
    }
}

/// A running local AWS Batch endpoint. Dropping it stops the server; [`shutdown`]
/// does the same and waits until the listener is closed.
///
/// [`shutdown`]: LocalBatch::shutdown
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use waiters_local::{JobProfile, LocalBatch};
///
/// let server = LocalBatch::builder()
///     .default_profile(JobProfile::succeeding_after(Duration::from_secs(60)))
///     .start()
///     .await?;
/// let client = server.client();
/// let job = client
///     .submit_job()
///     .job_name("hello")
///     .job_queue("queue")
///     .job_definition("definition")
///     .send()
///     .await?;
/// server.advance_clock(Duration::from_secs(60));
/// let job_id = job.job_id().ok_or("no jobId")?;
/// let described = client.describe_jobs().jobs(job_id).send().await?;
/// assert_eq!(described.jobs()[0].status().map(|s| s.as_str()), Some("SUCCEEDED"));
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LocalBatch {
    app: Arc<App>,
    local_addr: SocketAddr,
    region: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    /// The event publisher's stop signal and task, when events are published.
    publisher: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl LocalBatch {
    /// A builder with the defaults: `127.0.0.1:0`, [`JobProfile::default`], `us-east-1`.
    pub fn builder() -> LocalBatchBuilder {
        LocalBatchBuilder::default()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The endpoint URL for SDK clients, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The region the server names in ARNs.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// An SDK config builder pointed at this server: plain-HTTP client (no TLS), static
    /// test credentials, the server's region, [`BehaviorVersion::latest`]. Adjust it
    /// (retries, timeouts) before `build()`.
    pub fn client_config(&self) -> aws_sdk_batch::config::Builder {
        aws_sdk_batch::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .credentials_provider(test_credentials())
            .endpoint_url(self.endpoint_url())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
    }

    /// An SDK client built from [`client_config`](Self::client_config) with the SDK's
    /// default retry and timeout settings.
    pub fn client(&self) -> aws_sdk_batch::Client {
        aws_sdk_batch::Client::from_conf(self.client_config().build())
    }

    /// The fault-injection handle.
    pub fn faults(&self) -> &Faults {
        &self.app.faults
    }

    /// A snapshot of the per-operation counters.
    pub fn counters(&self) -> Counters {
        self.app.counters.snapshot()
    }

    /// Requests received for `operation`, faulted ones included.
    pub fn request_count(&self, operation: Operation) -> u64 {
        self.counters().get(operation).requests
    }

    /// The access key ids that signed Batch requests, each once, in the order first seen
    /// (signatures are not checked; this tells a test which credentials a client used).
    pub fn access_key_ids(&self) -> Vec<String> {
        self.app.signers.access_key_ids()
    }

    /// Zeroes every counter.
    pub fn reset_counters(&self) {
        self.app.counters.reset();
    }

    /// Moves the server's clock forward: jobs progress and timed fault windows run out
    /// as if `by` had passed. Independent of (and added to) tokio's clock.
    pub fn advance_clock(&self, by: Duration) {
        self.app.clock.advance(by);
    }

    /// Replaces the default schedule for jobs submitted from now on.
    pub fn set_default_profile(&self, profile: JobProfile) {
        self.app.set_default_profile(profile);
    }

    /// The default schedule for new jobs.
    pub fn default_profile(&self) -> JobProfile {
        self.app.default_profile()
    }

    /// The event-fault handle: drop, duplicate or delay job state events.
    pub fn event_faults(&self) -> &EventFaults {
        &self.app.events.faults
    }

    /// The Logs API's throttling and call counters (`GetLogEvents`, `FilterLogEvents`,
    /// `DescribeLogStreams` at this same endpoint, for the jobs' own log streams).
    pub fn log_faults(&self) -> &crate::log_faults::LogFaults {
        &self.app.logs
    }

    /// A snapshot of the event counters (all zero unless events are published).
    pub fn event_counters(&self) -> EventCounters {
        self.app.events.counters.snapshot()
    }

    /// Zeroes the event counters.
    pub fn reset_event_counters(&self) {
        self.app.events.counters.reset();
    }

    /// Whether job state events are published.
    pub fn publishes_events(&self) -> bool {
        self.publisher.is_some()
    }

    /// How many jobs were submitted, visible or not.
    pub fn job_count(&self) -> usize {
        self.app.jobs().len()
    }

    /// Stops accepting connections, closes open ones, stops publishing events (events
    /// not sent yet are lost) and waits for the server's tasks.
    pub async fn shutdown(mut self) {
        if let Some((stop, task)) = self.publisher.take() {
            let _ = stop.send(());
            if let Err(error) = task.await {
                warn!(%error, "event publisher ended abnormally");
            }
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take()
            && let Err(error) = task.await
        {
            warn!(%error, "server task ended abnormally");
        }
        info!(local_addr = %self.local_addr, "waiters-local stopped");
    }
}

impl Drop for LocalBatch {
    fn drop(&mut self) {
        // The receiver sees the sender go away; abort as well in case the runtime is not
        // polling the task any more.
        self.shutdown.take();
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some((_, task)) = self.publisher.take() {
            task.abort();
        }
    }
}

fn router(app: Arc<App>) -> Router {
    Operation::ALL
        .into_iter()
        .fold(Router::new(), |router, operation| {
            router.route(
                operation.path(),
                post(
                    move |State(app): State<Arc<App>>, headers: HeaderMap, body: Body| async move {
                        app.signers.record(&headers);
                        batch_request(&app, operation, body).await
                    },
                ),
            )
        })
        .merge(crate::admin::routes())
        .merge(crate::logs::routes())
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route)
        .with_state(app)
}

async fn unknown_route(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    ApiError::UnknownOperation(format!("No operation matches {method} {}", uri.path()))
        .into_response(&app.request_id())
}

/// Every Batch request: count it, read the body, decide its fault, wait the latency, answer.
async fn batch_request(app: &App, operation: Operation, body: Body) -> Response {
    app.counters.record_request(operation);
    let request_id = app.request_id();
    // Read the whole body first so a dropped connection never leaves unread bytes
    // behind (which would turn the close into a reset).
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            ApiError::Client(format!(
                "Could not read the request body (limit {MAX_BODY_BYTES} bytes): {e}"
            ))
        });
    let (fault, latency) = app.faults.decide(operation);
    if let Some(kind) = fault {
        app.counters.record_fault(operation, kind);
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let result = match fault {
        Some(FaultKind::DropConnection) => {
            debug!(%operation, "dropping connection (injected)");
            let mut response = Response::new(Body::empty());
            response.extensions_mut().insert(DropConnection);
            return response;
        }
        Some(FaultKind::NeverAnswer) => {
            debug!(%operation, "never answering (injected)");
            return crate::hostile::never_answer().await;
        }
        Some(FaultKind::EndlessBody) => {
            debug!(%operation, "sending an endless body (injected)");
            return crate::hostile::endless_body(&request_id);
        }
        Some(FaultKind::Throttle) => Err(ApiError::Throttled),
        Some(FaultKind::ServerError) => Err(ApiError::InjectedServerError),
        None => body.and_then(|body| crate::api::handle(app, operation, &body)),
    };
    match result {
        Ok(document) => {
            debug!(%operation, %request_id, "200");
            json_response(axum::http::StatusCode::OK, &document, &request_id)
        }
        Err(error) => {
            debug!(%operation, %request_id, error_type = error.error_type(), %error, "error response");
            error.into_response(&request_id)
        }
    }
}

/// Returned by the connection service to make hyper close the connection unanswered.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct ConnectionDropped;

async fn accept_loop(listener: TcpListener, router: Router, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // Fires on an explicit shutdown and when the handle is dropped.
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, router.clone()));
                }
                Err(error) => {
                    // Typically descriptor exhaustion: back off instead of spinning.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, router: Router) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            let response = router
                .oneshot(request)
                .await
                .unwrap_or_else(|never: Infallible| match never {});
            if response.extensions().get::<DropConnection>().is_some() {
                Err(ConnectionDropped)
            } else {
                Ok(response)
            }
        }
    });
    if let Err(error) = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        debug!(%peer, %error, "connection ended");
    }
}
