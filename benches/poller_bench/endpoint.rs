//! The local endpoint of a run: on the benchmark's thread, or on a thread of its own for
//! the memory rows, so that the heap it uses to serve (the JSON of up to 100 calls of 100
//! jobs at once in a round) counts apart from the waiting side's (see `heap`).
//!
//! On its own thread the endpoint has its own paused tokio runtime, whose clock stands
//! still (the endpoint sets no timers); before each request the benchmark's HTTP client
//! moves the endpoint's clock to the benchmark's ([`ClockSync`]), so every job changes
//! status at the same benchmark instant as on the benchmark's thread, and a run makes the
//! same calls.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;
use waiters_local::LocalBatch;

use crate::heap;

/// The endpoint of one run.
pub(crate) enum Endpoint {
    /// On the benchmark's runtime.
    Here(Arc<LocalBatch>),
    /// On a thread and runtime of its own.
    Apart {
        server: Arc<LocalBatch>,
        stop: oneshot::Sender<()>,
        thread: JoinHandle<()>,
    },
}

impl Endpoint {
    /// Starts the endpoint with `seed`, on a thread of its own if `apart`.
    pub(crate) async fn start(seed: u64, apart: bool) -> Self {
        if !apart {
            return Self::Here(Arc::new(
                LocalBatch::builder()
                    .seed(seed)
                    .start()
                    .await
                    .expect("the local Batch endpoint starts"),
            ));
        }
        let (ready, started) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("local-endpoint".to_owned())
            .spawn(move || {
                heap::on_endpoint_thread();
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .start_paused(true)
                    .build()
                    .expect("the endpoint's tokio runtime");
                runtime.block_on(async move {
                    let server = LocalBatch::builder()
                        .seed(seed)
                        .start()
                        .await
                        .expect("the local Batch endpoint starts");
                    let _ = ready.send(Arc::new(server));
                    let _ = stopped.await;
                });
            })
            .expect("the endpoint's thread starts");
        // Blocking the benchmark's runtime here is fine: nothing runs on it yet, and its
        // paused clock does not move while it blocks.
        let server = started.recv().expect("the endpoint's thread reports");
        Self::Apart {
            server,
            stop,
            thread,
        }
    }

    pub(crate) fn server(&self) -> &Arc<LocalBatch> {
        match self {
            Self::Here(server) | Self::Apart { server, .. } => server,
        }
    }

    /// What keeps an endpoint on its own thread at the benchmark's time, if it is there.
    /// Its zero is now: call it right after [`start`](Self::start).
    pub(crate) fn clock_sync(&self) -> Option<ClockSync> {
        match self {
            Self::Here(_) => None,
            Self::Apart { server, .. } => Some(ClockSync {
                server: server.clone(),
                zero: Instant::now(),
                synced: Arc::new(Mutex::new(Duration::ZERO)),
            }),
        }
    }

    pub(crate) async fn shutdown(self) {
        match self {
            Self::Here(server) => match Arc::try_unwrap(server) {
                Ok(server) => server.shutdown().await,
                // Still shared: dropping the last handle closes it as well.
                Err(server) => drop(server),
            },
            Self::Apart { stop, thread, .. } => {
                // Ending its runtime ends the endpoint's tasks and closes its socket.
                let _ = stop.send(());
                thread.join().expect("the endpoint's thread");
            }
        }
    }
}

/// Moves an endpoint's clock (standing still on its own paused runtime) to the
/// benchmark's.
#[derive(Clone, Debug)]
pub(crate) struct ClockSync {
    server: Arc<LocalBatch>,
    /// The benchmark's time when the endpoint's clock read zero.
    zero: Instant,
    /// How far the endpoint's clock has been moved.
    synced: Arc<Mutex<Duration>>,
}

impl ClockSync {
    /// Moves the endpoint's clock to the benchmark's now.
    pub(crate) fn sync(&self) {
        let target = self.zero.elapsed();
        let mut synced = self.synced.lock().unwrap_or_else(PoisonError::into_inner);
        if target > *synced {
            self.server.advance_clock(target - *synced);
            *synced = target;
        }
    }
}
