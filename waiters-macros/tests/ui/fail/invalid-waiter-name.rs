//! Waiter names become type names as they are.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"job-complete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn main() {}
