//! An operation Batch does not have.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJob", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn main() {}
