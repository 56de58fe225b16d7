//! Two waiter names that map to the same UpperCamelCase type.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {
    "compute_env_ready": {
        "operation": "DescribeComputeEnvironments", "delay": 30, "maxAttempts": 100,
        "acceptors": [
            {"matcher": "pathAll", "argument": "computeEnvironments[].status", "expected": "VALID", "state": "success"}]},
    "ComputeEnvReady": {
        "operation": "DescribeComputeEnvironments", "delay": 30, "maxAttempts": 100,
        "acceptors": [
            {"matcher": "pathAll", "argument": "computeEnvironments[].status", "expected": "VALID", "state": "success"}]}}}"#);

fn main() {}
