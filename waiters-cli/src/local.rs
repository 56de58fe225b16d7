//! `waiters local`: the local AWS Batch endpoint in the foreground.

use std::net::{Ipv4Addr, SocketAddr};

use waiters_local::LocalBatch;

use crate::cli::LocalArgs;
use crate::error::{CliError, Exit, stderr_line, stdout_line};
use crate::signals::Signals;

pub(crate) async fn run(args: &LocalArgs) -> Result<Exit, CliError> {
    // Ctrl-C or SIGTERM (what `kill` and process supervisors send) stops the server.
    let mut signals = Signals::install()?;
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
        "waiters: local AWS Batch endpoint at {url} (region {}); stop with Ctrl-C",
        server.region()
    ));
    stderr_line(&format!(
        "waiters: try: waiters wait JobComplete --endpoint-url {url} --region {} --job-id ID",
        server.region()
    ));
    let signal = signals.recv().await;
    tracing::debug!(signal = signal.name(), "stopping the local endpoint");
    server.shutdown().await;
    Ok(Exit::Success)
}
