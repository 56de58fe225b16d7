//! A member of botocore's Batch model that the SDK version in use does not have yet.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "path", "argument": "jobs[0].eksProperties.podProperties.securityContext.runAsUser", "expected": 0, "state": "success"}]}}}"#);

fn main() {}
