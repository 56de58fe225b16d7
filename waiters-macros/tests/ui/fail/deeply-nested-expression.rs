//! An expression nested far deeper than any waiter needs: refused before the recursive
//! JMESPath parser sees it (900 levels used to overflow the compiler's stack).

waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
        "acceptors": [
            {"matcher": "path", "argument": "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!jobs[].status", "expected": true, "state": "success"}]}}}"#);

fn main() {}
