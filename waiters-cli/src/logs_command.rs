//! `waiters logs JOB_ID [--follow]`: a job's log lines, every child, node and attempt.

use crate::aws::{AwsConfig, Service};
use crate::cli::LogsArgs;
use crate::error::{CliError, Exit, stderr_line, stdout_text};
use crate::job_logs::LogFeed;

/// Rounds in a row without an answer after which `waiters logs` gives up (about 30 s).
const GIVE_UP_AFTER: u32 = 6;

pub(crate) async fn run(args: &LogsArgs) -> Result<Exit, CliError> {
    let aws = AwsConfig::load(&args.aws, &[Service::Batch, Service::Logs]).await?;
    let ids = [args.job_id.clone()];
    let batch = aws.batch().client;
    // An unknown job is an error, not "no lines".
    waiters_runtime::logs::find_job_logs(&batch, &args.job_id)
        .await
        .map_err(|e| CliError::Logs(e.to_string()))?;
    let mut feed = LogFeed::new(batch, aws.logs());
    for note in feed.refresh(&ids, true).await? {
        stderr_line(&format!("waiters: {note}"));
    }
    if !args.follow {
        feed.finish_all(&ids);
    }
    let mut printed = 0usize;
    loop {
        let (lines, warnings) = feed.read().await;
        printed += lines.len();
        for line in lines {
            stdout_text(&format!("{}: {}", line.label, line.message));
        }
        for warning in warnings {
            stderr_line(&warning);
        }
        if feed.done(&ids) {
            break;
        }
        if feed.stalled() >= GIVE_UP_AFTER {
            return Err(CliError::Logs(format!(
                "CloudWatch Logs calls were throttled or got no answer {GIVE_UP_AFTER} rounds in a row"
            )));
        }
        tokio::time::sleep(feed.interval()).await;
        if args.follow {
            for note in feed.refresh(&ids, false).await? {
                stderr_line(&format!("waiters: {note}"));
            }
        }
    }
    if printed == 0 {
        stderr_line(&format!(
            "waiters: no log lines for job {} (yet)",
            args.job_id
        ));
    }
    Ok(Exit::Success)
}
