//! A Batch operation code generation does not support: waiters poll read-only operations.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobSubmitted": {
        "operation": "SubmitJob", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "error", "expected": "ClientException", "state": "failure"}]}}}"#);

fn main() {}
