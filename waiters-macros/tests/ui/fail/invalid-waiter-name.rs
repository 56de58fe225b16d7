//! Waiter names become UpperCamelCase type names (`job-complete` and `job_complete` give
//! `JobComplete`); a name with other characters cannot.

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"job.complete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]}}}"#);

fn main() {}
