//! JMESPath that does not parse.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[.status", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn main() {}
