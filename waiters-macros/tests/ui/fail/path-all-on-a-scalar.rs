//! pathAll/pathAny need a list.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "length(jobs)", "expected": 0, "state": "success"}]}}}"#);

fn main() {}
