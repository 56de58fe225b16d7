//! An operation Batch does not have; the closest one is suggested.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"compute_env_ready": {
        "operation": "DescribeComputeEnvironment", "delay": 30, "maxAttempts": 100,
        "acceptors": [
            {"matcher": "pathAll", "argument": "computeEnvironments[].status", "expected": "VALID", "state": "success"}]}}}"#);

fn main() {}
