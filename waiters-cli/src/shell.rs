//! Shell conventions from the same definition as the parser: `waiters completions SHELL`
//! (clap_complete) and `waiters man` (clap_mangen).

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::{CliError, Exit};

/// Prints the completion script for the shell on stdout.
pub(crate) fn completions(args: &CompletionsArgs) -> Result<Exit, CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "waiters", &mut script);
    write_stdout(&script)?;
    Ok(Exit::Success)
}

/// Prints a man page on stdout (the command's, or one subcommand's), or writes every page
/// to a directory.
pub(crate) fn man(args: &ManArgs) -> Result<Exit, CliError> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    if let Some(dir) = &args.dir {
        clap_mangen::generate_to(command, dir).map_err(|source| CliError::Write {
            path: dir.display().to_string(),
            source,
        })?;
        return Ok(Exit::Success);
    }
    let page = match &args.command {
        Some(name) => command.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
            CliError::Usage(format!(
                "no command {name} (the commands: {})",
                names.join(", ")
            ))
        })?,
        None => command,
    };
    let mut text = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut text)
        .map_err(|source| CliError::Write {
            path: "stdout".to_owned(),
            source,
        })?;
    write_stdout(&text)?;
    Ok(Exit::Success)
}

/// Writes `bytes` to stdout; a closed pipe is not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Write {
            path: "stdout".to_owned(),
            source: error,
        }),
        _ => Ok(()),
    }
}
