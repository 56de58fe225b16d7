//! The benchmark's network: the SDK's HTTP client to the local endpoint, wrapped so that
//! tokio's paused clock stands still while a request is on the socket, and so that every
//! call is logged.
//!
//! On the paused clock tokio moves time forward to the next timer whenever the runtime has
//! nothing to run, even with a request on the socket: a round trip would then take as long
//! as the gap to the next timer (up to minutes). While a request is in flight the wrapper
//! keeps one `spawn_blocking` task alive, which stops the automatic advance (tokio's own
//! rule for blocking tasks), so a round trip takes no time on the benchmark's clock; its
//! real duration is logged instead.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant as WallInstant};

use aws_sdk_batch::config::{HttpClient, RuntimeComponents, SharedHttpClient};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use tokio::time::Instant;

use crate::endpoint::ClockSync;

/// One HTTP call: when it started (benchmark clock) and how long it really took.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallRecord {
    pub(crate) at: Instant,
    pub(crate) wall: Duration,
}

/// Shared by every connector of one run.
#[derive(Clone, Debug, Default)]
pub(crate) struct Network {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    in_flight: Mutex<usize>,
    idle: Condvar,
    log: Mutex<Vec<CallRecord>>,
    /// Keeps an endpoint on its own thread at the benchmark's time.
    clock: Option<ClockSync>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Network {
    /// A network whose every request first moves the endpoint's clock by `clock`.
    pub(crate) fn new(clock: Option<ClockSync>) -> Self {
        Self {
            shared: Arc::new(Shared {
                clock,
                ..Shared::default()
            }),
        }
    }

    /// `inner` (the SDK's HTTP client), frozen and logged.
    pub(crate) fn wrap(&self, inner: SharedHttpClient) -> Frozen {
        Frozen {
            inner,
            network: self.clone(),
        }
    }

    /// The calls logged so far, leaving the log empty.
    pub(crate) fn take_log(&self) -> Vec<CallRecord> {
        std::mem::take(&mut *lock(&self.shared.log))
    }

    fn enter(&self) -> InFlight {
        if let Some(clock) = &self.shared.clock {
            clock.sync();
        }
        let mut in_flight = lock(&self.shared.in_flight);
        *in_flight += 1;
        if *in_flight == 1 {
            let shared = self.shared.clone();
            // While this task exists, the paused clock does not advance by itself.
            tokio::task::spawn_blocking(move || {
                let mut in_flight = lock(&shared.in_flight);
                while *in_flight > 0 {
                    in_flight = shared
                        .idle
                        .wait(in_flight)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            });
        }
        InFlight {
            network: self.clone(),
            at: Instant::now(),
            wall: WallInstant::now(),
        }
    }
}

/// One request on the socket; dropping it logs the call and may let the clock go again.
struct InFlight {
    network: Network,
    at: Instant,
    wall: WallInstant,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let shared = &self.network.shared;
        lock(&shared.log).push(CallRecord {
            at: self.at,
            wall: self.wall.elapsed(),
        });
        let mut in_flight = lock(&shared.in_flight);
        *in_flight -= 1;
        if *in_flight == 0 {
            shared.idle.notify_all();
        }
    }
}

/// The SDK's HTTP client, with every connector frozen and logged.
#[derive(Debug)]
pub(crate) struct Frozen {
    inner: SharedHttpClient,
    network: Network,
}

impl HttpClient for Frozen {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FrozenConnector {
            inner: self.inner.http_connector(settings, components),
            network: self.network.clone(),
        })
    }
}

#[derive(Debug)]
struct FrozenConnector {
    inner: SharedHttpConnector,
    network: Network,
}

impl HttpConnector for FrozenConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let in_flight = self.network.enter();
        let call = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            let response = call.await?;
            // The whole body, so that the clock stands still until the last byte is in.
            let status = response.status();
            let headers = response.headers().clone();
            let body = ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?
                .into_bytes();
            let mut buffered = HttpResponse::new(status, SdkBody::from(body));
            *buffered.headers_mut() = headers;
            drop(in_flight);
            Ok(buffered)
        })
    }
}
