//! Calls and error codes that both the set-up and the teardown use.

use aws_sdk_eventbridge::config::http::HttpResponse;
use aws_sdk_eventbridge::error::SdkError;
use aws_sdk_eventbridge::operation::list_targets_by_rule::ListTargetsByRuleError;
use aws_sdk_eventbridge::types::Target;

use super::EventsClients;

/// Whether an SQS error says the queue does not exist (the JSON protocol's code, or the
/// query protocol's that SQS still sends).
pub(crate) fn is_no_such_queue(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist")
    )
}

/// Every target of a rule (all pages).
pub(crate) async fn list_targets(
    clients: &EventsClients,
    rule_name: &str,
) -> Result<Vec<Target>, SdkError<ListTargetsByRuleError, HttpResponse>> {
    let mut targets = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = clients
            .eventbridge
            .list_targets_by_rule()
            .rule(rule_name)
            .set_next_token(next_token.take())
            .send()
            .await?;
        targets.extend(page.targets().iter().cloned());
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
            _ => return Ok(targets),
        }
    }
}
