//! `setup`: the queue, the rule, the policy statement and the target, each created or
//! brought up to date, with what was found reported.

use aws_sdk_eventbridge::types::{RuleState, Target};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};

use super::calls::{is_no_such_queue, list_targets};
use super::documents::{PolicyChange, merge_policy};
use super::names::{ArnScope, JobQueue, check_queue_name, check_rule_name, parse_job_queue};
use super::{
    EVENTS_PRINCIPAL, EventsClients, EventsError, Progress, RECEIVE_WAIT_SECONDS, TARGET_ID,
    code_of, default_rule_name, event_pattern, policy_statement, policy_statement_id,
};

/// What to set up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetupOptions {
    /// The SQS queue's name.
    pub queue_name: String,
    /// The rule's name; `None` for [`default_rule_name`] (`waiters-QUEUE`).
    pub rule_name: Option<String>,
    /// Job queues (ARNs or names in the queue's account and region) whose jobs' events
    /// the rule takes; empty for every job queue.
    pub job_queues: Vec<String>,
}

impl SetupOptions {
    /// Options for the queue `queue_name`, every job queue, the default rule name.
    pub fn new(queue_name: impl Into<String>) -> Self {
        Self {
            queue_name: queue_name.into(),
            ..Self::default()
        }
    }

    /// Names the rule.
    pub fn rule_name(mut self, name: impl Into<String>) -> Self {
        self.rule_name = Some(name.into());
        self
    }

    /// Adds a job queue to take events from.
    pub fn job_queue(mut self, job_queue: impl Into<String>) -> Self {
        self.job_queues.push(job_queue.into());
        self
    }

    /// Checks the names and job queues without sending anything, and gives the rule's
    /// name (the one given, or the default).
    pub fn validate(&self) -> Result<String, EventsError> {
        check_queue_name(&self.queue_name)?;
        for job_queue in &self.job_queues {
            parse_job_queue(job_queue)?;
        }
        match &self.rule_name {
            Some(name) => {
                check_rule_name(name)?;
                Ok(name.clone())
            }
            None => default_rule_name(&self.queue_name),
        }
    }
}

/// What [`setup`] found and did with one piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupStatus {
    /// It did not exist and was created.
    Created,
    /// It existed but differed, and was changed.
    Updated,
    /// It existed as it should be.
    Unchanged,
}

impl SetupStatus {
    /// `created`, `updated` or `unchanged`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
        }
    }

    /// Words for the text report.
    fn text(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "already existed, updated",
            Self::Unchanged => "already existed, unchanged",
        }
    }
}

/// The queue [`setup`] made or found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueReport {
    /// Its name.
    pub name: String,
    /// Its URL, for `ReceiveMessage`.
    pub url: String,
    /// Its ARN, the rule's target.
    pub arn: String,
    /// Created or found.
    pub status: SetupStatus,
}

/// The rule [`setup`] made or found.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleReport {
    /// Its name.
    pub name: String,
    /// Its ARN, the policy's `aws:SourceArn`.
    pub arn: String,
    /// Its event pattern.
    pub event_pattern: Value,
    /// Created, updated (another pattern, or disabled) or found as it should be.
    pub status: SetupStatus,
}

/// What [`setup`] made or found.
#[derive(Clone, Debug, PartialEq)]
pub struct SetupReport {
    /// The queue.
    pub queue: QueueReport,
    /// The queue policy's statement for the rule (`Sid` `waiters-events-RULE`).
    pub policy: SetupStatus,
    /// The rule.
    pub rule: RuleReport,
    /// The rule's target, the queue ([`TARGET_ID`]).
    pub target: SetupStatus,
}

impl SetupReport {
    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        json!({
            "queue": {
                "name": self.queue.name,
                "url": self.queue.url,
                "arn": self.queue.arn,
                "status": self.queue.status.as_str(),
            },
            "policy": {
                "sid": policy_statement_id(&self.rule.name),
                "status": self.policy.as_str(),
            },
            "rule": {
                "name": self.rule.name,
                "arn": self.rule.arn,
                "event_pattern": self.rule.event_pattern,
                "status": self.rule.status.as_str(),
            },
            "target": {"id": TARGET_ID, "status": self.target.as_str()},
        })
    }

    /// The report as lines of text.
    pub fn text_lines(&self) -> Vec<String> {
        let queue = &self.queue;
        let rule = &self.rule;
        vec![
            format!("queue {}: {}", queue.name, queue.status.text()),
            format!("  url: {}", queue.url),
            format!("  arn: {}", queue.arn),
            format!(
                "queue policy statement {}: {} ({EVENTS_PRINCIPAL} may send messages for rule {})",
                policy_statement_id(&rule.name),
                self.policy.text(),
                rule.name
            ),
            format!("rule {}: {}", rule.name, rule.status.text()),
            format!("  arn: {}", rule.arn),
            format!("  pattern: {}", rule.event_pattern),
            format!(
                "target {TARGET_ID} of rule {}: {} (queue {})",
                rule.name,
                self.target.text(),
                queue.name
            ),
        ]
    }
}

/// Creates, or finds and brings up to date, the queue, the rule, the policy statement
/// and the target (in that order). Running it again changes nothing and says so.
pub async fn setup(
    clients: &EventsClients,
    options: &SetupOptions,
) -> Result<SetupReport, EventsError> {
    let rule_name = options.validate()?;
    let job_queues = options
        .job_queues
        .iter()
        .map(|text| parse_job_queue(text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut progress = Progress::default();
    let queue = ensure_queue(clients, &options.queue_name, &mut progress).await?;
    let scope = ArnScope::of_queue_arn(&queue.arn).ok_or_else(|| {
        EventsError::Invalid(format!(
            "the queue's ARN {} is not an SQS queue ARN",
            queue.arn
        ))
    })?;
    let mut arns: Vec<String> = job_queues
        .into_iter()
        .map(|job_queue| match job_queue {
            JobQueue::Arn(arn) => arn,
            JobQueue::Name(name) => scope.job_queue_arn(&name),
        })
        .collect();
    arns.sort();
    arns.dedup();
    let rule = ensure_rule(clients, &rule_name, event_pattern(&arns), &mut progress).await?;
    let policy = ensure_policy(clients, &queue, &rule, &mut progress).await?;
    let target = ensure_target(clients, &queue, &rule, &mut progress).await?;
    Ok(SetupReport {
        queue,
        policy,
        rule,
        target,
    })
}

async fn ensure_queue(
    clients: &EventsClients,
    name: &str,
    progress: &mut Progress,
) -> Result<QueueReport, EventsError> {
    let lookup = clients.sqs.get_queue_url().queue_name(name).send().await;
    let (url, status) = match lookup {
        Ok(found) => {
            let action = format!("looking up queue {name} (GetQueueUrl)");
            let url = found
                .queue_url()
                .ok_or_else(|| progress.incomplete(&action, "queue URL"))?;
            (url.to_owned(), SetupStatus::Unchanged)
        }
        Err(error) if is_no_such_queue(code_of(&error)) => {
            let action = format!("creating queue {name} (CreateQueue)");
            let created = clients
                .sqs
                .create_queue()
                .queue_name(name)
                .attributes(
                    QueueAttributeName::ReceiveMessageWaitTimeSeconds,
                    RECEIVE_WAIT_SECONDS.to_string(),
                )
                .send()
                .await
                .map_err(|e| progress.failed(&action, &e))?;
            let url = created
                .queue_url()
                .ok_or_else(|| progress.incomplete(&action, "queue URL"))?
                .to_owned();
            progress.record(format!("created queue {name}"));
            (url, SetupStatus::Created)
        }
        Err(error) => {
            return Err(progress.failed(format!("looking up queue {name} (GetQueueUrl)"), &error));
        }
    };
    let action = format!("reading the ARN of queue {name} (GetQueueAttributes)");
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| progress.failed(&action, &e))?;
    let arn = attributes
        .attributes()
        .and_then(|map| map.get(&QueueAttributeName::QueueArn))
        .ok_or_else(|| progress.incomplete(&action, "QueueArn attribute"))?
        .clone();
    Ok(QueueReport {
        name: name.to_owned(),
        url,
        arn,
        status,
    })
}

async fn ensure_rule(
    clients: &EventsClients,
    name: &str,
    pattern: Value,
    progress: &mut Progress,
) -> Result<RuleReport, EventsError> {
    let found = clients.eventbridge.describe_rule().name(name).send().await;
    let status = match found {
        Ok(rule) => {
            if let Some(manager) = rule.managed_by() {
                return Err(EventsError::Invalid(format!(
                    "rule {name} is managed by {manager}; name another rule with --rule-name{}",
                    Progress::note(&progress.done)
                )));
            }
            let same_pattern = rule
                .event_pattern()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .is_some_and(|existing| existing == pattern);
            let enabled = rule.state() == Some(&RuleState::Enabled);
            match (same_pattern && enabled, rule.arn()) {
                (true, Some(arn)) => {
                    return Ok(RuleReport {
                        name: name.to_owned(),
                        arn: arn.to_owned(),
                        event_pattern: pattern,
                        status: SetupStatus::Unchanged,
                    });
                }
                _ => SetupStatus::Updated,
            }
        }
        Err(error) if code_of(&error) == Some("ResourceNotFoundException") => SetupStatus::Created,
        Err(error) => {
            return Err(progress.failed(format!("reading rule {name} (DescribeRule)"), &error));
        }
    };
    let verb = match status {
        SetupStatus::Created => "creating",
        _ => "updating",
    };
    let action = format!("{verb} rule {name} (PutRule)");
    let put = clients
        .eventbridge
        .put_rule()
        .name(name)
        .event_pattern(pattern.to_string())
        .state(RuleState::Enabled)
        .description("AWS Batch job state changes for waiters (waiters events setup)")
        .send()
        .await
        .map_err(|e| progress.failed(&action, &e))?;
    let arn = put
        .rule_arn()
        .ok_or_else(|| progress.incomplete(&action, "rule ARN"))?
        .to_owned();
    progress.record(format!("{} rule {name}", status.as_str()));
    Ok(RuleReport {
        name: name.to_owned(),
        arn,
        event_pattern: pattern,
        status,
    })
}

async fn ensure_policy(
    clients: &EventsClients,
    queue: &QueueReport,
    rule: &RuleReport,
    progress: &mut Progress,
) -> Result<SetupStatus, EventsError> {
    let action = format!(
        "reading the policy of queue {} (GetQueueAttributes)",
        queue.name
    );
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&queue.url)
        .attribute_names(QueueAttributeName::Policy)
        .send()
        .await
        .map_err(|e| progress.failed(&action, &e))?;
    let existing = attributes
        .attributes()
        .and_then(|map| map.get(&QueueAttributeName::Policy))
        .map(String::as_str);
    let statement = policy_statement(&queue.arn, &rule.name, &rule.arn);
    let (policy, replaced) = match merge_policy(existing, statement) {
        Ok(PolicyChange::Unchanged) => return Ok(SetupStatus::Unchanged),
        Ok(PolicyChange::Changed { policy, replaced }) => (policy, replaced),
        Err(problem) => {
            return Err(EventsError::Invalid(format!(
                "cannot add to the policy of queue {}: {problem}{}",
                queue.name,
                Progress::note(&progress.done)
            )));
        }
    };
    let action = format!(
        "setting the policy of queue {} (SetQueueAttributes)",
        queue.name
    );
    clients
        .sqs
        .set_queue_attributes()
        .queue_url(&queue.url)
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .map_err(|e| progress.failed(&action, &e))?;
    let status = if replaced {
        SetupStatus::Updated
    } else {
        SetupStatus::Created
    };
    progress.record(format!("{} the queue policy statement", status.as_str()));
    Ok(status)
}

async fn ensure_target(
    clients: &EventsClients,
    queue: &QueueReport,
    rule: &RuleReport,
    progress: &mut Progress,
) -> Result<SetupStatus, EventsError> {
    let action = format!(
        "listing the targets of rule {} (ListTargetsByRule)",
        rule.name
    );
    let targets = list_targets(clients, &rule.name)
        .await
        .map_err(|e| progress.failed(&action, &e))?;
    let ours = targets.iter().find(|t| t.id() == TARGET_ID);
    let status = match ours {
        // The event itself as the message body: no input, path or transformer.
        Some(target)
            if target.arn() == queue.arn
                && target.input().is_none()
                && target.input_path().is_none()
                && target.input_transformer().is_none() =>
        {
            return Ok(SetupStatus::Unchanged);
        }
        Some(_) => SetupStatus::Updated,
        None => SetupStatus::Created,
    };
    let action = format!(
        "adding the queue as target of rule {} (PutTargets)",
        rule.name
    );
    let target = Target::builder()
        .id(TARGET_ID)
        .arn(&queue.arn)
        .build()
        .map_err(|e| EventsError::Invalid(format!("{action}: {e}")))?;
    let put = clients
        .eventbridge
        .put_targets()
        .rule(&rule.name)
        .targets(target)
        .send()
        .await
        .map_err(|e| progress.failed(&action, &e))?;
    if put.failed_entry_count() > 0 {
        let reasons: Vec<String> = put
            .failed_entries()
            .iter()
            .map(|entry| {
                format!(
                    "{}: {}",
                    entry.error_code().unwrap_or("unknown error"),
                    entry.error_message().unwrap_or("no message")
                )
            })
            .collect();
        return Err(EventsError::Call {
            action,
            message: super::one_line(&reasons.join("; ")),
            code: put
                .failed_entries()
                .first()
                .and_then(|entry| entry.error_code())
                .map(str::to_owned),
            done: progress.done.clone(),
        });
    }
    progress.record(format!("{} the rule's target", status.as_str()));
    Ok(status)
}
