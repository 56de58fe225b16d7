//! A JMESPath function other than length() and contains().

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "path", "argument": "max_by(jobs, &createdAt).status", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn main() {}
