//! An acceptor's argument is compiled against its own operation's output: DescribeJobs's
//! `jobs[].status` on DescribeComputeEnvironments names a member that output lacks.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"compute_env_ready": {
        "operation": "DescribeComputeEnvironments", "delay": 30, "maxAttempts": 100,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[].status", "expected": "VALID", "state": "success"}]}}}"#);

fn main() {}
