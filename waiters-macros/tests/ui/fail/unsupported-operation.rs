//! A Batch operation code generation does not support.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"QueueDeleted": {
        "operation": "DescribeJobQueues", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "error", "expected": "ClientException", "state": "failure"}]}}}"#);

fn main() {}
