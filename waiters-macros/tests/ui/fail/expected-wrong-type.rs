//! `expected` must be able to equal what the argument gives.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[].status", "expected": 1, "state": "success"}]}}}"#);

fn main() {}
