//! Airflow's `failed` instead of `failure`: botocore would silently retry forever.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"},
            {"matcher": "pathAny", "argument": "jobs[].status", "expected": "FAILED", "state": "failed"}]}}}"#);

fn main() {}
