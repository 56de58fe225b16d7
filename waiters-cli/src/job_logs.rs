//! Jobs' log lines as they arrive, for `waiters logs` and `wait-for-job --logs`: the jobs
//! are described now and then for new streams (a child that started, a new attempt), and
//! the streams of a job that ended are read once more to the end.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use waiters_runtime::aws_sdk_batch::Client as BatchClient;
use waiters_runtime::aws_sdk_batch::types::{JobDetail, JobStatus};
use waiters_runtime::logs::{
    FollowConfig, JobLog, LogFollower, LogStream, PartLogs, StreamId, expand_job_logs,
};

use crate::cli::MAX_DESCRIBE_JOBS;
use crate::error::CliError;
use crate::escape;

/// How often the jobs are described for new streams.
const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// Follows the log streams of some jobs.
pub(crate) struct LogFeed {
    batch: BatchClient,
    follower: LogFollower,
    /// Each stream's prefix: the job's name and the part.
    labels: HashMap<StreamId, String>,
    streams_of: HashMap<String, Vec<StreamId>>,
    watched: HashSet<LogStream>,
    /// Jobs that ended, their streams finishing.
    ended: HashSet<String>,
    /// Parts already named on stderr (another driver, no stream).
    noted: HashSet<String>,
    last_refresh: Option<tokio::time::Instant>,
    /// Rounds in a row whose every call was throttled or got no answer.
    stalled: u32,
}

/// One line to print: the stream's prefix and the text.
pub(crate) struct Printed {
    pub(crate) label: String,
    pub(crate) message: String,
}

impl LogFeed {
    pub(crate) fn new(batch: BatchClient, logs: aws_sdk_cloudwatchlogs::Client) -> Self {
        Self {
            batch,
            follower: LogFollower::new(logs, FollowConfig::default()),
            labels: HashMap::new(),
            streams_of: HashMap::new(),
            watched: HashSet::new(),
            ended: HashSet::new(),
            noted: HashSet::new(),
            last_refresh: None,
            stalled: 0,
        }
    }

    /// Describes the jobs (at most every [`REFRESH_EVERY`] unless `now`), follows their
    /// new streams and finishes those of jobs that ended; notes about parts without a
    /// stream to read.
    pub(crate) async fn refresh(
        &mut self,
        job_ids: &[String],
        now: bool,
    ) -> Result<Vec<String>, CliError> {
        let due = self
            .last_refresh
            .is_none_or(|at| at.elapsed() >= REFRESH_EVERY);
        if !(now || due) {
            return Ok(Vec::new());
        }
        self.last_refresh = Some(tokio::time::Instant::now());
        let open: Vec<String> = job_ids
            .iter()
            .filter(|id| !self.ended.contains(*id))
            .cloned()
            .collect();
        let mut notes = Vec::new();
        for chunk in open.chunks(MAX_DESCRIBE_JOBS) {
            let output = self
                .batch
                .describe_jobs()
                .set_jobs(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| {
                    CliError::Logs(format!(
                        "DescribeJobs failed: {}",
                        waiters_runtime::error::OperationError::describe(&e)
                    ))
                })?;
            for job in output.jobs() {
                let logs = expand_job_logs(&self.batch, job)
                    .await
                    .map_err(|e| CliError::Logs(e.to_string()))?;
                self.take(job, &logs, &mut notes);
            }
        }
        Ok(notes)
    }

    fn take(&mut self, job: &JobDetail, logs: &[JobLog], notes: &mut Vec<String>) {
        let job_id = job.job_id().unwrap_or_default().to_owned();
        let name = job.job_name().unwrap_or(&job_id).to_owned();
        for log in logs {
            let label = format!("{name}{}", log.part);
            match &log.logs {
                PartLogs::Stream(stream) if self.watched.insert(stream.clone()) => {
                    let id = self.follower.watch(stream.clone());
                    self.labels.insert(id, label);
                    self.streams_of.entry(job_id.clone()).or_default().push(id);
                }
                PartLogs::OtherDriver { driver } if self.noted.insert(label.clone()) => {
                    notes.push(format!(
                        "{label}: logs with the {driver} driver, not in CloudWatch Logs"
                    ));
                }
                _ => {}
            }
        }
        let ended = matches!(job.status(), Some(JobStatus::Succeeded | JobStatus::Failed));
        if ended && self.ended.insert(job_id.clone()) {
            self.finish_job(&job_id);
        }
    }

    fn finish_job(&mut self, job_id: &str) {
        for id in self.streams_of.get(job_id).into_iter().flatten() {
            self.follower.finish(*id);
        }
    }

    /// Stops following every job: their streams are read once more to the end.
    pub(crate) fn finish_all(&mut self, job_ids: &[String]) {
        for job_id in job_ids {
            if self.ended.insert(job_id.clone()) {
                self.finish_job(job_id);
            }
        }
    }

    /// One round of reads: the new lines, and warnings about streams that cannot be read.
    pub(crate) async fn read(&mut self) -> (Vec<Printed>, Vec<String>) {
        let round = self.follower.round().await;
        // Every call of the round throttled or unanswered.
        if round.calls > 0 && round.retried == round.calls {
            self.stalled += 1;
        } else {
            self.stalled = 0;
        }
        let lines = round
            .lines
            .into_iter()
            .map(|line| Printed {
                label: self.labels.get(&line.stream).cloned().unwrap_or_default(),
                message: escape::text(line.message.trim_end_matches(['\n', '\r'])).into_owned(),
            })
            .collect();
        let warnings = round
            .failed
            .iter()
            .map(|(_, error)| format!("waiters: {error}"))
            .collect();
        (lines, warnings)
    }

    /// Whether every job ended and its streams were read to the end.
    pub(crate) fn done(&self, job_ids: &[String]) -> bool {
        self.follower.is_empty() && job_ids.iter().all(|id| self.ended.contains(id))
    }

    /// Rounds in a row whose every call was throttled or got no answer.
    pub(crate) fn stalled(&self) -> u32 {
        self.stalled
    }

    /// How long to wait before the next read.
    pub(crate) fn interval(&self) -> Duration {
        self.follower.interval()
    }
}
