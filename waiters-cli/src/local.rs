//! `waiters local`: the local AWS Batch endpoint in the foreground.

use std::net::{Ipv4Addr, SocketAddr};

use waiters_local::LocalBatch;

use crate::cli::LocalArgs;
use crate::error::{CliError, Exit, stderr_line, stdout_line};

pub(crate) async fn run(args: &LocalArgs) -> Result<Exit, CliError> {
    let mut builder =
        LocalBatch::builder().bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)));
    if let Some(url) = &args.eventbridge_url {
        builder = builder.eventbridge(url);
    }
    let server = builder.start().await?;
    let url = server.endpoint_url();
    // The URL alone on the first stdout line, flushed at once, for scripts to read.
    stdout_line(&url);
    stderr_line(&format!(
        "waiters: local AWS Batch endpoint at {url} (region {}); stop with Ctrl-C\n\
         waiters: try: waiters wait JobComplete --endpoint-url {url} --region {} --job-id ID",
        server.region(),
        server.region()
    ));
    shutdown_signal().await?;
    server.shutdown().await;
    Ok(Exit::Success)
}

/// Ctrl-C, or SIGTERM (what `kill` and process supervisors send) on Unix.
async fn shutdown_signal() -> Result<(), CliError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).map_err(CliError::Signal)?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(CliError::Signal),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(CliError::Signal)
    }
}
