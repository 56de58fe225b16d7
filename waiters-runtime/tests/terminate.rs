//! Terminating the jobs a wait leaves unfinished, over a mocked Batch client: one
//! TerminateJob call per job with the reason, failures named per job, and the state of a
//! termination stopped part way.

use aws_sdk_batch::Client;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use serde_json::json;
use waiters_runtime::terminate::{
    TERMINATE_CONCURRENCY, Termination, TerminationState, terminate_jobs,
};

const REASON: &str = "terminated by waiters on SIGINT";

#[tokio::test]
async fn each_job_gets_one_call_with_the_reason_and_failures_are_named() {
    let accepted = mock!(Client::terminate_job)
        .match_requests(|input| input.job_id() != Some("gone") && input.reason() == Some(REASON))
        .then_output(|| {
            aws_sdk_batch::operation::terminate_job::TerminateJobOutput::builder().build()
        });
    let refused = mock!(Client::terminate_job)
        .match_requests(|input| input.job_id() == Some("gone"))
        .sequence()
        .http_status(
            400,
            Some(json!({"__type": "ClientException", "message": "Job gone not found"}).to_string()),
        )
        .build();
    let client = mock_client!(aws_sdk_batch, RuleMode::MatchAny, [&accepted, &refused]);
    let states = terminate_jobs(&client, ["a", "gone", "b", "a"], REASON).await;
    let ids: Vec<&str> = states.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["a", "gone", "b"], "each job once, in the order given");
    assert_eq!(states[0].1, TerminationState::Terminated);
    assert_eq!(states[2].1, TerminationState::Terminated);
    let TerminationState::Failed(error) = &states[1].1 else {
        panic!("the refused call is a failure: {states:?}");
    };
    assert_eq!(error.job_id(), "gone");
    assert!(
        error
            .to_string()
            .starts_with("TerminateJob for Batch job gone failed: "),
        "{error}"
    );
    assert!(error.message().contains("Job gone not found"), "{error}");
    assert_eq!((accepted.num_calls(), refused.num_calls()), (2, 1));
    assert!(states.iter().filter(|(_, s)| s.may_still_run()).count() == 1);
}

/// On a one-thread runtime, a termination dropped at its first await has sent no call:
/// the first batch is in flight (abandoned), the rest never asked; a later run asks those.
#[tokio::test(flavor = "current_thread")]
async fn a_termination_stopped_part_way_says_which_jobs_may_still_run() {
    let accepted = mock!(Client::terminate_job).then_output(|| {
        aws_sdk_batch::operation::terminate_job::TerminateJobOutput::builder().build()
    });
    let client = mock_client!(aws_sdk_batch, RuleMode::MatchAny, [&accepted]);
    let ids: Vec<String> = (0..TERMINATE_CONCURRENCY + 5)
        .map(|i| format!("job-{i}"))
        .collect();
    let termination = Termination::new(&client, ids, REASON);
    assert!(
        termination
            .states()
            .iter()
            .all(|(_, state)| *state == TerminationState::NotAsked)
    );
    // `run` polled once, then dropped (as a second Ctrl-C drops it).
    tokio::select! {
        biased;
        () = termination.run() => panic!("no call can finish before the runtime runs it"),
        () = std::future::ready(()) => {}
    }
    let count = |wanted: &TerminationState| {
        termination
            .states()
            .iter()
            .filter(|(_, state)| state == wanted)
            .count()
    };
    assert_eq!(count(&TerminationState::InFlight), TERMINATE_CONCURRENCY);
    assert_eq!(count(&TerminationState::NotAsked), 5);
    assert!(termination.states().iter().all(|(_, s)| s.may_still_run()));
    assert_eq!(accepted.num_calls(), 0);
    // A later run asks the jobs never asked, and leaves the abandoned calls as they were.
    termination.run().await;
    assert_eq!(count(&TerminationState::Terminated), 5);
    assert_eq!(count(&TerminationState::InFlight), TERMINATE_CONCURRENCY);
    assert_eq!(accepted.num_calls(), 5);
}
