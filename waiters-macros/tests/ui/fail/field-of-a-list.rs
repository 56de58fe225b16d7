//! A member looked up on a list instead of projected over it.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "path", "argument": "jobs.status", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn main() {}
