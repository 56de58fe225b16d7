//! The JSON documents: the rule's event pattern and the queue policy statement.

use serde_json::{Map, Value, json};

use waiters_runtime::events::QUEUE_BLOCKED_DETAIL_TYPE;

use super::{EVENT_DETAIL_TYPE, EVENT_SOURCE, EVENTS_PRINCIPAL};

/// The rule's event pattern: Batch's job state changes and blocked-queue events (which
/// start a stuck job's diagnosis at once), from the given job queues only
/// when there are any (ARNs, as events carry them in `detail.jobQueue`).
///
/// ```
/// let pattern = waiters_cli::events::event_pattern(&[]);
/// assert_eq!(
///     pattern.to_string(),
///     r#"{"source":["aws.batch"],"detail-type":["Batch Job State Change","Batch Job Queue Blocked"]}"#
/// );
/// ```
pub fn event_pattern(job_queue_arns: &[String]) -> Value {
    let mut pattern = json!({
        "source": [EVENT_SOURCE],
        "detail-type": [EVENT_DETAIL_TYPE, QUEUE_BLOCKED_DETAIL_TYPE],
    });
    if !job_queue_arns.is_empty() {
        pattern["detail"] = json!({ "jobQueue": job_queue_arns });
    }
    pattern
}

/// The `Sid` of the statement that lets the rule send to the queue.
pub fn policy_statement_id(rule_name: &str) -> String {
    format!("waiters-events-{rule_name}")
}

/// The queue policy statement: EventBridge may send messages to the queue, for this
/// rule only.
pub fn policy_statement(queue_arn: &str, rule_name: &str, rule_arn: &str) -> Value {
    json!({
        "Sid": policy_statement_id(rule_name),
        "Effect": "Allow",
        "Principal": { "Service": EVENTS_PRINCIPAL },
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": { "ArnEquals": { "aws:SourceArn": rule_arn } },
    })
}

/// What adding a statement does to a policy.
#[derive(Debug, PartialEq)]
pub(crate) enum PolicyChange {
    /// The policy already has the statement as it should be.
    Unchanged,
    /// The statement was added (`replaced: false`) or an older one with its `Sid`
    /// replaced; the new policy document.
    Changed { policy: String, replaced: bool },
}

/// The queue's policy with `statement` in it, keeping every other statement.
pub(crate) fn merge_policy(
    existing: Option<&str>,
    statement: Value,
) -> Result<PolicyChange, String> {
    let existing = existing.map(str::trim).filter(|text| !text.is_empty());
    let mut policy = match existing {
        None => json!({ "Version": "2012-10-17", "Statement": [] }),
        Some(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| format!("the queue's policy is not JSON: {e}"))?,
    };
    let Some(document) = policy.as_object_mut() else {
        return Err("the queue's policy is not a JSON object".to_owned());
    };
    // A single statement may be written as an object instead of a list.
    let statements = match document.remove("Statement") {
        None => Vec::new(),
        Some(Value::Array(list)) => list,
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) => return Err("the queue's policy has a Statement that is not a list".to_owned()),
    };
    let sid = statement.get("Sid").cloned();
    let mut kept: Vec<Value> = Vec::with_capacity(statements.len() + 1);
    let mut replaced = false;
    for existing in statements {
        if sid.is_some() && existing.get("Sid") == sid.as_ref() {
            if existing == statement {
                return Ok(PolicyChange::Unchanged);
            }
            replaced = true;
        } else {
            kept.push(existing);
        }
    }
    kept.push(statement);
    document.insert("Statement".to_owned(), Value::Array(kept));
    if !document.contains_key("Version") {
        let mut ordered = Map::new();
        ordered.insert("Version".to_owned(), json!("2012-10-17"));
        ordered.extend(std::mem::take(document));
        *document = ordered;
    }
    Ok(PolicyChange::Changed {
        policy: policy.to_string(),
        replaced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:events";
    const RULE: &str = "arn:aws:events:us-east-1:123456789012:rule/waiters-events";

    fn statement() -> Value {
        policy_statement(QUEUE, "waiters-events", RULE)
    }

    fn changed(change: PolicyChange) -> (Value, bool) {
        match change {
            PolicyChange::Changed { policy, replaced } => {
                (serde_json::from_str(&policy).unwrap(), replaced)
            }
            PolicyChange::Unchanged => panic!("expected a change"),
        }
    }

    #[test]
    fn pattern_narrows_to_job_queues() {
        let arns = vec!["arn:aws:batch:us-east-1:123456789012:job-queue/etl".to_owned()];
        assert_eq!(
            event_pattern(&arns),
            json!({
                "source": ["aws.batch"],
                "detail-type": ["Batch Job State Change", "Batch Job Queue Blocked"],
                "detail": {"jobQueue": arns},
            })
        );
    }

    #[test]
    fn statement_is_for_this_rule_only() {
        let statement = statement();
        assert_eq!(statement["Principal"]["Service"], "events.amazonaws.com");
        assert_eq!(statement["Action"], "sqs:SendMessage");
        assert_eq!(statement["Resource"], QUEUE);
        assert_eq!(statement["Condition"]["ArnEquals"]["aws:SourceArn"], RULE);
    }

    #[test]
    fn a_new_policy_has_the_statement() {
        for existing in [None, Some(""), Some("  ")] {
            let (policy, replaced) = changed(merge_policy(existing, statement()).unwrap());
            assert_eq!(policy["Version"], "2012-10-17");
            assert_eq!(policy["Statement"], json!([statement()]));
            assert!(!replaced);
        }
    }

    #[test]
    fn other_statements_stay_and_ours_is_added_once() {
        let other = json!({"Sid": "Other", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE});
        let existing =
            json!({"Version": "2012-10-17", "Id": "p", "Statement": other.clone()}).to_string();
        let (policy, _) = changed(merge_policy(Some(&existing), statement()).unwrap());
        assert_eq!(policy["Id"], "p");
        assert_eq!(policy["Statement"], json!([other, statement()]));
        assert_eq!(
            merge_policy(Some(&policy.to_string()), statement()).unwrap(),
            PolicyChange::Unchanged
        );
    }

    #[test]
    fn an_outdated_statement_is_replaced() {
        let old = policy_statement(QUEUE, "waiters-events", "arn:aws:events:eu-west-1:1:rule/x");
        let existing = json!({"Statement": [old]}).to_string();
        let (policy, replaced) = changed(merge_policy(Some(&existing), statement()).unwrap());
        assert!(replaced);
        assert_eq!(policy["Statement"], json!([statement()]));
        assert_eq!(policy["Version"], "2012-10-17");
    }

    #[test]
    fn unreadable_policies_are_errors_not_panics() {
        for bad in ["{", "[]", "3", r#"{"Statement": 3}"#] {
            assert!(merge_policy(Some(bad), statement()).is_err(), "{bad}");
        }
    }
}
