//! A job's logs in CloudWatch Logs: where they are, and following them while the job runs.
//!
//! - [`job_logs`]: every stream of a job from its `JobDetail`, with group and region: the
//!   container's, each attempt's, each container of an `ecsProperties` task, a node's. A
//!   job that logs with another driver, or has no stream yet, is an answer
//!   ([`PartLogs`]), not an error.
//! - [`find_job_logs`]: the same, with the children of an array job and the nodes of a
//!   multi-node job (`ListJobs` with `arrayJobId` / `multiNodeJobId`, every page).
//! - `LogFollower` (feature `logs`): rounds of reads that deliver each line once, also
//!   when calls are throttled, and read a finished job's streams once more to the end.
//!
//! ```
//! use waiters_runtime::logs::{PartLogs, job_logs};
//! # fn show(job: &aws_sdk_batch::types::JobDetail) {
//! for log in job_logs(job) {
//!     match &log.logs {
//!         PartLogs::Stream(stream) => println!("{}{}: {} {}", log.part.job_id, log.part, stream.group, stream.stream),
//!         PartLogs::NoStreamYet { .. } => println!("{}{}: no stream yet", log.part.job_id, log.part),
//!         PartLogs::OtherDriver { driver } => println!("{}: logs go to {driver}", log.part.job_id),
//!         _ => {}
//!     }
//! }
//! # }
//! ```

mod children;
#[cfg(feature = "logs")]
mod follow;
mod location;
#[cfg(feature = "logs")]
mod read;

pub use children::{FindLogsError, expand_job_logs, find_job_logs};
#[cfg(feature = "logs")]
pub use follow::{
    FollowConfig, LogFollower, LogLine, LogReadError, LogRound, STREAMS_PER_CALL, StreamId,
    last_lines,
};
pub use location::{DEFAULT_LOG_GROUP, JobLog, LogPart, LogStream, PartLogs, job_logs};
