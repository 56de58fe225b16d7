//! Exit codes, errors that stop a command before or outside a wait, and writing to the
//! standard streams without panicking.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::escape;

use waiters_runtime::error::UnknownWaiter;
use waiters_runtime::model::ModelError;
use waiters_runtime::model::ReadModelError;

/// The exit codes of the contract (see `waiters --help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The waiter succeeded; every job SUCCEEDED.
    Success = 0,
    /// A failure state was reached, or a job FAILED.
    Failure = 1,
    /// Bad usage, an unreadable or invalid model, an unknown waiter, no region.
    Usage = 2,
    /// The attempt budget or the deadline ran out.
    Incomplete = 3,
    /// A service or transport error ended the wait.
    Error = 4,
    /// A job is stuck in RUNNABLE and will not start until something changes.
    Stuck = 5,
    /// Stopped by SIGINT (128 + 2).
    Interrupted = 130,
    /// Stopped by SIGTERM (128 + 15).
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Why a command stopped without a wait result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// Bad arguments the option parser could not catch (empty job id, too many ids, ...).
    #[error("{0}")]
    Usage(String),
    /// A file could not be read (or is not a regular file, or is too large); worded like
    /// a model problem at the document root (`FILE: $: ...`) so `validate` output has one
    /// shape.
    #[error("{path}: $: cannot read the file: {source}")]
    Read {
        path: String,
        #[source]
        source: ReadModelError,
    },
    /// An invalid model; printed one problem per line.
    #[error("{0}")]
    Model(ModelError),
    /// The model has no such waiter.
    #[error("{0}")]
    UnknownWaiter(#[from] UnknownWaiter),
    /// Nothing in the AWS configuration chain names a region.
    #[error(
        "no AWS region configured: pass --region, set AWS_REGION, or set `region` in the AWS config file"
    )]
    NoRegion,
    /// The profile signs in with IAM Identity Center (SSO) and has no valid token: checked
    /// before any call.
    #[error("{} for profile {profile}: run `aws sso login --profile {profile}`", problem.describe())]
    SsoLogin {
        profile: String,
        problem: SsoProblem,
    },
    /// The local endpoint could not start.
    #[error("cannot start the local Batch endpoint: {0}")]
    Local(#[from] waiters_local::LocalBatchError),
    /// A job's logs could not be found or read.
    #[error("{0}")]
    Logs(String),
    /// Output (a man page, a completion script) could not be written.
    #[error("cannot write to {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    /// The process cannot wait for a signal.
    #[error("cannot handle Ctrl-C and SIGTERM: {0}")]
    Signal(#[source] io::Error),
}

impl CliError {
    pub(crate) fn exit(&self) -> Exit {
        match self {
            Self::Usage(_)
            | Self::Read { .. }
            | Self::Model(_)
            | Self::UnknownWaiter(_)
            | Self::NoRegion
            | Self::SsoLogin { .. } => Exit::Usage,
            Self::Local(_) | Self::Signal(_) | Self::Logs(_) | Self::Write { .. } => Exit::Error,
        }
    }

    /// Writes the error to stderr: model and file problems as `FILE: JSON-PATH: message`,
    /// one per line, anything else as one `waiters: ...` line.
    pub(crate) fn report(&self) {
        match self {
            Self::Model(error) => {
                for line in error.lines() {
                    stderr_line(&line);
                }
            }
            Self::Read { .. } => stderr_line(&self.to_string()),
            other => stderr_line(&format!("waiters: {other}")),
        }
    }
}

/// What is wrong with the SSO sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SsoProblem {
    /// No cached token (never signed in, or signed out).
    Missing,
    /// The cached token has expired and cannot be refreshed.
    Expired,
    /// The SSO portal refused the cached token (expired or revoked there).
    Refused,
}

impl SsoProblem {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Missing => "there is no SSO token",
            Self::Expired => "the SSO token has expired",
            Self::Refused => "the SSO portal refused the token",
        }
    }
}

/// Writes one line of text to stdout, with control characters escaped (see
/// [`escape`]), so that nothing in it can start a line of its own.
pub(crate) fn stdout_text(line: &str) {
    stdout_line(&escape::text(line));
}

/// Writes a line to stdout as it is: for JSON, which serde has escaped already. A closed
/// pipe (`waiters list | head -1`) is not an error: the reader has what it wanted.
pub(crate) fn stdout_line(line: &str) {
    let mut out = io::stdout().lock();
    let result = writeln!(out, "{line}").and_then(|()| out.flush());
    if let Err(error) = result
        && error.kind() != io::ErrorKind::BrokenPipe
    {
        tracing::debug!(%error, "cannot write to stdout");
    }
}

/// Writes one line to stderr, with control characters escaped; a stderr that cannot be
/// written to is ignored (unlike `eprintln!`, which panics).
pub(crate) fn stderr_line(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", escape::text(line));
}
