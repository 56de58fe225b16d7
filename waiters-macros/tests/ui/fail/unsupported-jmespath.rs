//! Valid JMESPath the macro cannot compile: the message names the construct.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[0:2].status", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn main() {}
