//! Loading waiter models (the bundled one or a file) and the model subcommands:
//! `list`, `show` and `validate`.

use std::path::Path;

use waiters_runtime::BatchWaiters;
use waiters_runtime::aws_sdk_batch::Client;
use waiters_runtime::batch::DEFAULT_MODEL_JSON;
use waiters_runtime::error::UnknownWaiter;
use waiters_runtime::model::{JsonPath, ProblemKind, read_model_file};
use waiters_runtime::model::{ModelError, WaiterModel};

use crate::cli::{ListArgs, MAX_SECONDS, ShowArgs, ValidateArgs};
use crate::error::{CliError, Exit, stdout_line, stdout_text};
use crate::escape;

/// Names the bundled model in error lines.
const BUNDLED: &str = "bundled model";

/// A validated model and where it came from.
#[derive(Debug)]
pub(crate) struct LoadedModel {
    pub(crate) model: WaiterModel,
    /// The file name, or `bundled model`.
    pub(crate) source: String,
}

impl LoadedModel {
    /// The model of `--model FILE`, or the bundled Batch model.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, CliError> {
        let Some(path) = path else {
            return Self::parse(DEFAULT_MODEL_JSON, BUNDLED.to_owned());
        };
        let source = path.display().to_string();
        // Only a regular file of at most 4 MiB: a FIFO, a device (/dev/zero) or a
        // directory is refused without blocking.
        let text = read_model_file(path).map_err(|source_error| CliError::Read {
            path: source.clone(),
            source: source_error,
        })?;
        Self::parse(&text, source)
    }

    fn parse(text: &str, source: String) -> Result<Self, CliError> {
        let model = WaiterModel::from_json_str(text)
            .map_err(|e| CliError::Model(e.with_source_name(source.clone())))?;
        tracing::debug!(%source, waiters = model.waiters().len(), "loaded waiter model");
        Ok(Self { model, source })
    }

    /// Fails with the model's known names unless it defines `name`; a name with control
    /// characters is refused as such (models cannot define one).
    pub(crate) fn require(&self, name: &str) -> Result<(), CliError> {
        if escape::has_unsafe(name) {
            return Err(CliError::Usage(format!(
                "waiter name \"{}\" contains control characters",
                escape::text(name)
            )));
        }
        match self.model.waiter(name) {
            Some(_) => Ok(()),
            None => Err(UnknownWaiter {
                name: name.to_owned(),
                known: self.model.waiter_names(),
            }
            .into()),
        }
    }

    /// Run-time Batch waiters over this model; fails if a waiter calls an operation the
    /// waiters cannot poll (not a read-only Batch operation), or has a delay longer than
    /// the CLI accepts for `--delay`.
    pub(crate) fn into_waiters(self, client: Client) -> Result<BatchWaiters, CliError> {
        let too_long: Vec<_> = self
            .model
            .waiters()
            .filter(|w| w.delay().as_secs_f64() > MAX_SECONDS)
            .map(|w| {
                (
                    JsonPath::root().key("waiters").key(w.name()).key("delay"),
                    ProblemKind::OutOfRange {
                        message: "the delay must be at most 1000000000 seconds to wait with it",
                        found: format!("{}", w.delay().as_secs_f64()),
                    },
                )
            })
            .collect();
        if !too_long.is_empty() {
            let error = ModelError::from_problems(too_long).with_source_name(self.source);
            return Err(CliError::Model(error));
        }
        let source = self.source;
        BatchWaiters::with_model(client, self.model)
            .map_err(|e| CliError::Model(e.with_source_name(source)))
    }
}

pub(crate) fn list(args: &ListArgs) -> Result<Exit, CliError> {
    let loaded = LoadedModel::load(args.model.model.as_deref())?;
    for name in loaded.model.waiter_names() {
        stdout_text(&name);
    }
    Ok(Exit::Success)
}

pub(crate) fn show(args: &ShowArgs) -> Result<Exit, CliError> {
    let loaded = LoadedModel::load(args.model.model.as_deref())?;
    loaded.require(&args.waiter)?;
    let config = loaded
        .model
        .waiter_json(&args.waiter)
        .unwrap_or(serde_json::Value::Null);
    // Serializing a `Value` cannot fail; fall back to compact output all the same.
    let text = serde_json::to_string_pretty(&config).unwrap_or_else(|_| config.to_string());
    stdout_line(&text);
    Ok(Exit::Success)
}

/// Checks every file (not only up to the first bad one) so one run lists every problem.
pub(crate) fn validate(args: &ValidateArgs) -> Result<Exit, CliError> {
    let mut invalid = 0usize;
    for path in &args.files {
        match LoadedModel::load(Some(path)) {
            Ok(loaded) => stdout_text(&format!(
                "{}: ok ({} waiters)",
                loaded.source,
                loaded.model.waiters().len()
            )),
            Err(error) => {
                invalid += 1;
                error.report();
            }
        }
    }
    let total = args.files.len();
    tracing::debug!(total, invalid, "validated model files");
    // stderr holds problem lines only, so scripts can parse every line the same way.
    Ok(if invalid == 0 {
        Exit::Success
    } else {
        Exit::Usage
    })
}
