//! `teardown`: the target, the rule and the queue removed; what is gone already is
//! reported, not an error.

use aws_sdk_eventbridge::types::Target;
use serde_json::{Value, json};

use super::calls::{is_no_such_queue, list_targets};
use super::names::{check_queue_name, check_rule_name};
use super::{EventsClients, EventsError, Progress, TARGET_ID, code_of, default_rule_name};

/// What to tear down.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeardownOptions {
    /// The SQS queue's name.
    pub queue_name: String,
    /// The rule's name; `None` for [`default_rule_name`] (`waiters-QUEUE`).
    pub rule_name: Option<String>,
}

impl TeardownOptions {
    /// Options for the queue `queue_name` and the default rule name.
    pub fn new(queue_name: impl Into<String>) -> Self {
        Self {
            queue_name: queue_name.into(),
            rule_name: None,
        }
    }

    /// Names the rule.
    pub fn rule_name(mut self, name: impl Into<String>) -> Self {
        self.rule_name = Some(name.into());
        self
    }

    /// Checks the names without sending anything, and gives the rule's name (the one
    /// given, or the default).
    pub fn validate(&self) -> Result<String, EventsError> {
        check_queue_name(&self.queue_name)?;
        match &self.rule_name {
            Some(name) => {
                check_rule_name(name)?;
                Ok(name.clone())
            }
            None => default_rule_name(&self.queue_name),
        }
    }
}

/// What [`teardown`] did with one piece.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemovalStatus {
    /// It existed and was removed.
    Removed,
    /// It did not exist.
    Missing,
    /// The rule was left in place: targets other than the queue still use it.
    Kept {
        /// The ids of those targets.
        other_targets: Vec<String>,
    },
}

impl RemovalStatus {
    /// `removed`, `missing` or `kept`, as in the JSON report.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Removed => "removed",
            Self::Missing => "missing",
            Self::Kept { .. } => "kept",
        }
    }

    fn text(&self) -> String {
        match self {
            Self::Removed => "removed".to_owned(),
            Self::Missing => "not found (nothing to remove)".to_owned(),
            Self::Kept { other_targets } => format!(
                "kept: other targets still use it ({})",
                other_targets.join(", ")
            ),
        }
    }
}

/// What [`teardown`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeardownReport {
    /// The queue's name.
    pub queue_name: String,
    /// The queue's URL, when it existed.
    pub queue_url: Option<String>,
    /// The rule's name.
    pub rule_name: String,
    /// The rule's target ([`TARGET_ID`]).
    pub target: RemovalStatus,
    /// The rule.
    pub rule: RemovalStatus,
    /// The queue.
    pub queue: RemovalStatus,
}

impl TeardownReport {
    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        let with_others = |status: &RemovalStatus, mut object: Value| {
            if let RemovalStatus::Kept { other_targets } = status {
                object["other_targets"] = json!(other_targets);
            }
            object
        };
        json!({
            "target": {"id": TARGET_ID, "rule": self.rule_name, "status": self.target.as_str()},
            "rule": with_others(&self.rule, json!({"name": self.rule_name, "status": self.rule.as_str()})),
            "queue": {"name": self.queue_name, "url": self.queue_url, "status": self.queue.as_str()},
        })
    }

    /// The report as lines of text.
    pub fn text_lines(&self) -> Vec<String> {
        let mut queue = format!("queue {}: {}", self.queue_name, self.queue.text());
        if let (RemovalStatus::Removed, Some(url)) = (&self.queue, &self.queue_url) {
            queue.push_str(&format!(" ({url})"));
        }
        vec![
            format!(
                "target {TARGET_ID} of rule {}: {}",
                self.rule_name,
                self.target.text()
            ),
            format!("rule {}: {}", self.rule_name, self.rule.text()),
            queue,
        ]
    }
}

/// Removes the queue's target from the rule, the rule when no other target uses it,
/// and the queue. Pieces that do not exist are reported as missing.
pub async fn teardown(
    clients: &EventsClients,
    options: &TeardownOptions,
) -> Result<TeardownReport, EventsError> {
    let rule_name = options.validate()?;
    let mut progress = Progress::default();
    let (target, rule) = remove_rule(clients, &rule_name, &mut progress).await?;
    let (queue_url, queue) = remove_queue(clients, &options.queue_name, &mut progress).await?;
    Ok(TeardownReport {
        queue_name: options.queue_name.clone(),
        queue_url,
        rule_name,
        target,
        rule,
        queue,
    })
}

fn is_no_such_rule(code: Option<&str>) -> bool {
    code == Some("ResourceNotFoundException")
}

/// The target, then the rule: (target status, rule status).
async fn remove_rule(
    clients: &EventsClients,
    rule_name: &str,
    progress: &mut Progress,
) -> Result<(RemovalStatus, RemovalStatus), EventsError> {
    let action = format!("listing the targets of rule {rule_name} (ListTargetsByRule)");
    let targets = match list_targets(clients, rule_name).await {
        Ok(targets) => targets,
        Err(error) if is_no_such_rule(code_of(&error)) => {
            return Ok((RemovalStatus::Missing, RemovalStatus::Missing));
        }
        Err(error) => return Err(progress.failed(&action, &error)),
    };
    let target = if targets.iter().any(|t| t.id() == TARGET_ID) {
        let action = format!("removing target {TARGET_ID} of rule {rule_name} (RemoveTargets)");
        let removed = clients
            .eventbridge
            .remove_targets()
            .rule(rule_name)
            .ids(TARGET_ID)
            .send()
            .await
            .map_err(|e| progress.failed(&action, &e))?;
        if let Some(failure) = removed.failed_entries().first() {
            return Err(EventsError::Call {
                action,
                message: super::one_line(&format!(
                    "{}: {}",
                    failure.error_code().unwrap_or("unknown error"),
                    failure.error_message().unwrap_or("no message")
                )),
                code: failure.error_code().map(str::to_owned),
                done: progress.done.clone(),
            });
        }
        progress.record(format!("removed target {TARGET_ID} of rule {rule_name}"));
        RemovalStatus::Removed
    } else {
        RemovalStatus::Missing
    };
    let others: Vec<String> = targets
        .iter()
        .map(Target::id)
        .filter(|id| *id != TARGET_ID)
        .map(str::to_owned)
        .collect();
    if !others.is_empty() {
        return Ok((
            target,
            RemovalStatus::Kept {
                other_targets: others,
            },
        ));
    }
    let action = format!("deleting rule {rule_name} (DeleteRule)");
    let rule = match clients
        .eventbridge
        .delete_rule()
        .name(rule_name)
        .send()
        .await
    {
        Ok(_) => {
            progress.record(format!("deleted rule {rule_name}"));
            RemovalStatus::Removed
        }
        Err(error) if is_no_such_rule(code_of(&error)) => RemovalStatus::Missing,
        Err(error) => return Err(progress.failed(&action, &error)),
    };
    Ok((target, rule))
}

/// The queue: (its URL if it existed, status).
async fn remove_queue(
    clients: &EventsClients,
    name: &str,
    progress: &mut Progress,
) -> Result<(Option<String>, RemovalStatus), EventsError> {
    let action = format!("looking up queue {name} (GetQueueUrl)");
    let url = match clients.sqs.get_queue_url().queue_name(name).send().await {
        Ok(found) => found
            .queue_url()
            .ok_or_else(|| progress.incomplete(&action, "queue URL"))?
            .to_owned(),
        Err(error) if is_no_such_queue(code_of(&error)) => {
            return Ok((None, RemovalStatus::Missing));
        }
        Err(error) => return Err(progress.failed(&action, &error)),
    };
    let action = format!("deleting queue {name} (DeleteQueue)");
    match clients.sqs.delete_queue().queue_url(&url).send().await {
        Ok(_) => Ok((Some(url), RemovalStatus::Removed)),
        // Deleted meanwhile by someone else: gone all the same.
        Err(error) if is_no_such_queue(code_of(&error)) => Ok((Some(url), RemovalStatus::Missing)),
        Err(error) => Err(progress.failed(&action, &error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_say_what_happened() {
        let report = TeardownReport {
            queue_name: "events".into(),
            queue_url: Some("http://sqs/1/events".into()),
            rule_name: "waiters-events".into(),
            target: RemovalStatus::Removed,
            rule: RemovalStatus::Kept {
                other_targets: vec!["audit".into()],
            },
            queue: RemovalStatus::Removed,
        };
        assert_eq!(
            report.text_lines(),
            [
                "target waiters-events-queue of rule waiters-events: removed",
                "rule waiters-events: kept: other targets still use it (audit)",
                "queue events: removed (http://sqs/1/events)",
            ]
        );
        let json = report.to_json();
        assert_eq!(json["rule"]["status"], "kept");
        assert_eq!(json["rule"]["other_targets"], json!(["audit"]));
        assert_eq!(json["queue"]["url"], "http://sqs/1/events");
        assert_eq!(json["target"]["status"], "removed");
    }
}
