//! `waiters`: wait on AWS Batch jobs from shell scripts, CI pipelines and Makefiles, with
//! botocore's waiter semantics (the `waiters-runtime` library underneath).
//!
//! See `waiters --help` for the contract: subcommands, output formats and exit codes.

mod array_report;
mod aws;
mod cli;
mod credentials;
mod diagnose_command;
mod error;
mod escape;
mod events_command;
mod job_ids;
mod job_logs;
mod jobs;
mod local;
mod logs_command;
mod models;
mod operation_input;
mod progress;
mod report;
mod shell;
mod signals;
mod summary;
mod wait;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command};
use crate::error::{CliError, Exit, stderr_line};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error).into(),
    };
    init_tracing();
    // One thread is plenty: a wait spends its time sleeping, and many jobs share the task.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            stderr_line(&format!("waiters: cannot start the async runtime: {error}"));
            return Exit::Error.into();
        }
    };
    match runtime.block_on(run(&cli.command)) {
        Ok(exit) => exit.into(),
        Err(error) => {
            error.report();
            error.exit().into()
        }
    }
}

async fn run(command: &Command) -> Result<Exit, CliError> {
    match command {
        Command::List(args) => models::list(args),
        Command::Show(args) => models::show(args),
        Command::Validate(args) => models::validate(args),
        Command::Wait(args) => wait::run(args).await,
        Command::WaitForJob(args) => jobs::run(args).await,
        Command::Local(args) => local::run(args).await,
        Command::Events(args) => events_command::run(args).await,
        Command::Diagnose(args) => diagnose_command::run(args).await,
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
        Command::Logs(args) => logs_command::run(args).await,
    }
}

/// Debug logs on stderr, off unless RUST_LOG asks for them; colored only on a terminal.
fn init_tracing() {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter)
        .try_init();
}

/// Help and version go to stdout with exit 0; a usage error is one line on stderr with
/// exit 2 (clap's own rendering spans several lines).
fn usage_error(error: &clap::Error) -> Exit {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            Exit::Success
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            Exit::Usage
        }
        _ => {
            stderr_line(&format!(
                "waiters: {}",
                one_line(&error.render().to_string())
            ));
            Exit::Usage
        }
    }
}

/// Joins clap's message lines (`error: ...`, the argument list, `tip: ...`) into one,
/// leaving out the usage and "for more information" lines.
fn one_line(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if let Some(tip) = line.strip_prefix("tip: ") {
            parts.push(format!("(tip: {tip})"));
        } else if !line.is_empty() {
            parts.push(line.strip_prefix("error: ").unwrap_or(line).to_owned());
        }
    }
    let text = parts.join(" ");
    if text.is_empty() {
        "invalid arguments (see `waiters --help`)".to_owned()
    } else {
        format!("{text} (see `waiters --help`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_become_one_line() {
        let rendered = "error: the following required arguments were not provided:\n  --job-id <ID>\n\nUsage: waiters wait --job-id <ID> <WAITER>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(rendered),
            "the following required arguments were not provided: --job-id <ID> (see `waiters --help`)"
        );
    }

    #[test]
    fn invalid_values_name_the_option() {
        let error =
            Cli::try_parse_from(["waiters", "wait", "X", "--job-id", "a", "--delay", "NaN"])
                .err()
                .map(|e| one_line(&e.render().to_string()));
        let error = error.unwrap_or_default();
        assert!(
            error.contains("--delay") && error.contains("NaN"),
            "{error}"
        );
        assert!(!error.contains('\n'), "{error}");
    }
}
