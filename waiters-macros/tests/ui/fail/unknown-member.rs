//! A typo in a member name, caught against the typed output. The fallback keeps
//! `JobComplete` and the extension trait, so the code below adds no errors of its own.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[].statuz", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn use_it(client: &waiters_runtime::aws_sdk_batch::Client) -> JobComplete {
    let waiter = Waiters::wait_until_job_complete(client).jobs("job-1");
    assert_eq!(JobComplete::MAX_ATTEMPTS, 288);
    waiter
}

fn main() {
    let _ = use_it;
}
