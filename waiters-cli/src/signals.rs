//! SIGINT and SIGTERM: a wait stops polling, reports what it knows, and exits with
//! 128 + the signal number (130, 143), as shells expect.

use crate::error::{CliError, Exit};

/// A signal that ends a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Ctrl-C.
    Interrupt,
    /// `kill`, process supervisors, CI cancellation.
    Terminate,
}

impl Signal {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }

    pub(crate) fn exit(self) -> Exit {
        match self {
            Self::Interrupt => Exit::Interrupted,
            Self::Terminate => Exit::Terminated,
        }
    }
}

/// The handlers, installed when created: a signal that arrives later is kept until
/// [`Signals::recv`] looks.
#[derive(Debug)]
pub(crate) struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the handlers for SIGINT and SIGTERM (from then on they no longer kill the
    /// process).
    pub(crate) fn install() -> Result<Self, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).map_err(CliError::Signal)?,
                terminate: signal(SignalKind::terminate()).map_err(CliError::Signal)?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// The next signal.
    pub(crate) async fn recv(&mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Signal::Interrupt,
                _ = self.terminate.recv() => Signal::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => Signal::Interrupt,
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// How a future ended: on its own, or by a signal.
pub(crate) enum Ended<T> {
    Finished(T),
    Signalled(Signal),
}

impl Signals {
    /// Runs `future` until it finishes or a signal arrives; a signal drops it, which
    /// cancels whatever it was doing (no further calls are made).
    pub(crate) async fn run<F: std::future::Future>(&mut self, future: F) -> Ended<F::Output> {
        tokio::select! {
            output = future => Ended::Finished(output),
            signal = self.recv() => {
                tracing::debug!(signal = signal.name(), "stopping on a signal");
                Ended::Signalled(signal)
            }
        }
    }
}
