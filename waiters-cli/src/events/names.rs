//! Checking queue, rule and job queue names before anything is sent, and the ARNs made
//! from them.

use super::EventsError;

/// SQS queue names: 1 to 80 characters.
const MAX_QUEUE_NAME_CHARS: usize = 80;
/// EventBridge rule names: 1 to 64 characters.
pub const MAX_RULE_NAME_CHARS: usize = 64;
/// Batch job queue names: 1 to 128 characters.
const MAX_JOB_QUEUE_NAME_CHARS: usize = 128;
/// The prefix of the default rule name.
const RULE_PREFIX: &str = "waiters-";

/// A standard queue's name: letters, digits, `-` and `_`. FIFO queues are refused: an
/// EventBridge target needs a message group id for them, and nothing here needs order.
pub(crate) fn check_queue_name(name: &str) -> Result<(), EventsError> {
    if name.ends_with(".fifo") {
        return Err(EventsError::Invalid(format!(
            "queue {} is a FIFO queue; use a standard queue (a name without .fifo): \
             events arrive in no particular order anyway",
            shown(name)
        )));
    }
    check_name(
        "queue name",
        name,
        MAX_QUEUE_NAME_CHARS,
        |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
        "letters, digits, - and _",
    )
}

/// A rule's name: letters, digits, `.`, `-` and `_`.
pub(crate) fn check_rule_name(name: &str) -> Result<(), EventsError> {
    check_name(
        "rule name",
        name,
        MAX_RULE_NAME_CHARS,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'),
        "letters, digits, ., - and _",
    )
}

fn check_name(
    what: &str,
    name: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
    allowed_text: &str,
) -> Result<(), EventsError> {
    let shown = shown(name);
    if name.is_empty() {
        return Err(EventsError::Invalid(format!(
            "the {what} must not be empty"
        )));
    }
    if name.chars().count() > max {
        return Err(EventsError::Invalid(format!(
            "{what} {shown} is longer than {max} characters"
        )));
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(EventsError::Invalid(format!(
            "{what} {shown} has the character {bad:?}; it may have only {allowed_text}"
        )));
    }
    Ok(())
}

/// A name as quoted in messages: escaped (no control characters reach the terminal)
/// and cut short when long.
fn shown(name: &str) -> String {
    let cut: String = name.chars().take(100).collect();
    let ellipsis = if cut.len() < name.len() { "..." } else { "" };
    format!("{:?}{ellipsis}", cut)
}

/// The rule's name when none is given: `waiters-QUEUE`, if that fits in 64 characters.
pub fn default_rule_name(queue_name: &str) -> Result<String, EventsError> {
    let name = format!("{RULE_PREFIX}{queue_name}");
    if name.chars().count() > MAX_RULE_NAME_CHARS {
        return Err(EventsError::Invalid(format!(
            "the default rule name {} is longer than {MAX_RULE_NAME_CHARS} characters; \
             name the rule with --rule-name",
            shown(&name)
        )));
    }
    Ok(name)
}

/// A job queue as given: an ARN (`arn:PARTITION:batch:REGION:ACCOUNT:job-queue/NAME`),
/// or a name, made an ARN in the queue's account and region later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JobQueue {
    Arn(String),
    Name(String),
}

pub(crate) fn parse_job_queue(text: &str) -> Result<JobQueue, EventsError> {
    if text.starts_with("arn:") {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let valid = matches!(
            parts.as_slice(),
            ["arn", partition, "batch", region, account, resource]
                if !partition.is_empty() && !region.is_empty() && !account.is_empty()
                    && resource.strip_prefix("job-queue/").is_some_and(|name| !name.is_empty())
        );
        if !valid || text.chars().any(char::is_whitespace) {
            return Err(EventsError::Invalid(format!(
                "job queue {} is not a job queue ARN \
                 (arn:PARTITION:batch:REGION:ACCOUNT:job-queue/NAME)",
                shown(text)
            )));
        }
        return Ok(JobQueue::Arn(text.to_owned()));
    }
    check_name(
        "job queue name",
        text,
        MAX_JOB_QUEUE_NAME_CHARS,
        |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
        "letters, digits, - and _ (or give the job queue's ARN)",
    )?;
    Ok(JobQueue::Name(text.to_owned()))
}

/// The parts of an SQS queue ARN (`arn:PARTITION:sqs:REGION:ACCOUNT:NAME`) that a job
/// queue ARN shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArnScope {
    partition: String,
    region: String,
    account: String,
}

impl ArnScope {
    pub(crate) fn of_queue_arn(arn: &str) -> Option<Self> {
        match arn.splitn(6, ':').collect::<Vec<_>>().as_slice() {
            ["arn", partition, "sqs", region, account, _name] => Some(Self {
                partition: (*partition).to_owned(),
                region: (*region).to_owned(),
                account: (*account).to_owned(),
            }),
            _ => None,
        }
    }

    pub(crate) fn job_queue_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:batch:{}:{}:job-queue/{name}",
            self.partition, self.region, self.account
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names() {
        assert!(check_queue_name("batch-events_1").is_ok());
        assert!(check_queue_name(&"q".repeat(80)).is_ok());
        for (bad, expected) in [
            ("", "must not be empty"),
            (&"q".repeat(81), "longer than 80"),
            ("has space", "the character ' '"),
            ("events.fifo", "FIFO"),
            ("bell\u{7}", r"'\u{7}'"),
        ] {
            let error = check_queue_name(bad).unwrap_err().to_string();
            assert!(error.contains(expected), "{bad:?}: {error}");
            assert!(!error.contains('\u{7}'), "{error}");
        }
    }

    #[test]
    fn rule_names_and_the_default() {
        assert!(check_rule_name("a.b-c_d").is_ok());
        assert!(check_rule_name("a/b").is_err());
        assert_eq!(default_rule_name("q").unwrap(), "waiters-q");
        assert!(default_rule_name(&"q".repeat(56)).is_ok());
        let error = default_rule_name(&"q".repeat(57)).unwrap_err().to_string();
        assert!(error.contains("--rule-name"), "{error}");
    }

    #[test]
    fn job_queues_are_arns_or_names() {
        let arn = "arn:aws:batch:eu-west-1:123456789012:job-queue/etl";
        assert_eq!(parse_job_queue(arn).unwrap(), JobQueue::Arn(arn.into()));
        assert_eq!(
            parse_job_queue("etl_2").unwrap(),
            JobQueue::Name("etl_2".into())
        );
        for bad in [
            "arn:aws:batch:eu-west-1:123456789012:job-definition/etl",
            "arn:aws:sqs:eu-west-1:123456789012:job-queue/etl",
            "arn:aws:batch::123456789012:job-queue/etl",
            "arn:aws:batch:eu-west-1:123456789012:job-queue/",
            "arn:aws:batch",
            "etl queue",
            "",
        ] {
            assert!(parse_job_queue(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn job_queue_arns_share_the_queue_scope() {
        let scope = ArnScope::of_queue_arn("arn:aws-cn:sqs:cn-north-1:111122223333:events")
            .expect("a queue ARN");
        assert_eq!(
            scope.job_queue_arn("etl"),
            "arn:aws-cn:batch:cn-north-1:111122223333:job-queue/etl"
        );
        assert_eq!(ArnScope::of_queue_arn("arn:aws:sns:r:a:t"), None);
        assert_eq!(ArnScope::of_queue_arn("not an arn"), None);
    }
}
