//! Where a job's log lines are, read from its `JobDetail` alone (no calls).

use std::collections::HashMap;
use std::fmt;

use aws_sdk_batch::types::{AttemptDetail, JobDetail, LogConfiguration};

/// The log group Batch writes to when a job definition names none.
pub const DEFAULT_LOG_GROUP: &str = "/aws/batch/job";

/// One CloudWatch Logs stream: the group, the stream, and the region when the job's
/// `awslogs-region` option names one (otherwise the client's region).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogStream {
    /// The log group (`awslogs-group`, by default [`DEFAULT_LOG_GROUP`]).
    pub group: String,
    /// The log stream (`<prefix>/<container>/<task id>`).
    pub stream: String,
    /// The region of the group (`awslogs-region`), if the job names one.
    pub region: Option<String>,
}

/// Which part of a job a stream belongs to: the job itself, an array child, a node of a
/// multi-node job, one attempt of a retried job, one container of an ECS task.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogPart {
    /// The job (or child, or node) id.
    pub job_id: String,
    /// The child's index in its array job.
    pub array_index: Option<i32>,
    /// The node's index in its multi-node parallel job.
    pub node: Option<i32>,
    /// The attempt, counted from 1; `None` when the job has run once.
    pub attempt: Option<usize>,
    /// The container's name in an ECS task (`ecsProperties` jobs).
    pub container: Option<String>,
}

impl fmt::Display for LogPart {
    /// The part's label after a job's name: `[3]`, `#1`, `/sidecar`, ` (attempt 2)`, empty
    /// for a plain single-attempt job.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(index) = self.array_index {
            write!(f, "[{index}]")?;
        }
        if let Some(node) = self.node {
            write!(f, "#{node}")?;
        }
        if let Some(container) = &self.container {
            write!(f, "/{container}")?;
        }
        if let Some(attempt) = self.attempt {
            write!(f, " (attempt {attempt})")?;
        }
        Ok(())
    }
}

/// Where one part of a job logs: a clear answer in every case, including "nowhere yet".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartLogs {
    /// Lines are (or will be) in this stream.
    Stream(LogStream),
    /// The part logs to CloudWatch Logs, but no stream is named yet (the job has not
    /// started a container).
    NoStreamYet {
        /// The group the stream will be in.
        group: String,
        /// Its region, when the job names one.
        region: Option<String>,
    },
    /// The part logs with another driver (`splunk`, `fluentd`, ...; `kubernetes` for EKS
    /// jobs): nothing to read in CloudWatch Logs.
    OtherDriver {
        /// The log driver named by the job.
        driver: String,
    },
    /// The lines are in the job's children: the array's child jobs or the multi-node job's
    /// nodes (see [`find_job_logs`](super::find_job_logs)).
    InChildren,
}

/// One part of a job and where it logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobLog {
    /// Which part of the job.
    pub part: LogPart,
    /// Where its lines are.
    pub logs: PartLogs,
}

impl JobLog {
    /// The stream, when the part has one.
    pub fn stream(&self) -> Option<&LogStream> {
        match &self.logs {
            PartLogs::Stream(stream) => Some(stream),
            _ => None,
        }
    }
}

/// Every log stream of a job, from its `JobDetail`: the container's and each attempt's
/// (`attempts[].container.logStreamName`), each container of an `ecsProperties` task and
/// its attempts (`attempts[].taskProperties[].containers[]`), a node of a multi-node job.
/// An array job or a multi-node job's parent answers [`PartLogs::InChildren`] (with any
/// streams its own attempts name); [`find_job_logs`](super::find_job_logs) reads the
/// children.
pub fn job_logs(job: &JobDetail) -> Vec<JobLog> {
    let base = LogPart {
        job_id: job.job_id().unwrap_or_default().to_owned(),
        array_index: job.array_properties().and_then(|a| a.index()),
        node: job.node_details().and_then(|n| n.node_index()),
        ..LogPart::default()
    };
    let is_array_parent = job
        .array_properties()
        .is_some_and(|a| a.size().is_some() && a.index().is_none());
    if is_array_parent {
        return vec![JobLog {
            part: base,
            logs: PartLogs::InChildren,
        }];
    }
    if let Some(nodes) = job
        .node_properties()
        .filter(|_| job.node_details().is_none())
    {
        let main = nodes.main_node().unwrap_or(0);
        let config = nodes
            .node_range_properties()
            .iter()
            .find(|range| range_holds(range.target_nodes().unwrap_or(""), main))
            .and_then(|range| range.container())
            .and_then(|c| c.log_configuration());
        let mut logs = container_logs(&base, job.attempts(), None, config);
        logs.retain(|log| log.stream().is_some());
        logs.push(JobLog {
            part: base,
            logs: PartLogs::InChildren,
        });
        return logs;
    }
    if job.eks_properties().is_some() {
        let logs = PartLogs::OtherDriver {
            driver: "kubernetes".to_owned(),
        };
        return vec![JobLog { part: base, logs }];
    }
    if let Some(ecs) = job.ecs_properties() {
        return ecs_logs(&base, job.attempts(), ecs);
    }
    match job.container() {
        Some(container) => container_logs(
            &base,
            job.attempts(),
            Some((container.log_stream_name(), container.task_arn())),
            container.log_configuration(),
        ),
        None => vec![JobLog {
            part: base,
            logs: PartLogs::NoStreamYet {
                group: DEFAULT_LOG_GROUP.to_owned(),
                region: None,
            },
        }],
    }
}

/// Whether a node range (`"0:3"`, `"2:"`, `":1"`, `"4"`) holds node `index`.
fn range_holds(range: &str, index: i32) -> bool {
    let bound = |s: &str, default: i32| s.trim().parse().unwrap_or(default);
    match range.split_once(':') {
        Some((from, to)) => bound(from, 0) <= index && index <= bound(to, i32::MAX),
        None => bound(range, -1) == index,
    }
}

/// The awslogs group and region of a log configuration, or the other driver's name.
fn awslogs(config: Option<&LogConfiguration>) -> Result<Awslogs, String> {
    let driver = config.and_then(|c| c.log_driver()).map(|d| d.as_str());
    if let Some(driver) = driver.filter(|d| *d != "awslogs") {
        return Err(driver.to_owned());
    }
    let options = config.and_then(|c| c.options());
    let option = |key: &str| options.and_then(|o: &HashMap<_, _>| o.get(key)).cloned();
    Ok(Awslogs {
        group: option("awslogs-group").unwrap_or_else(|| DEFAULT_LOG_GROUP.to_owned()),
        region: option("awslogs-region"),
        prefix: option("awslogs-stream-prefix"),
    })
}

struct Awslogs {
    group: String,
    region: Option<String>,
    prefix: Option<String>,
}

impl Awslogs {
    fn stream(&self, stream: &str) -> PartLogs {
        PartLogs::Stream(LogStream {
            group: self.group.clone(),
            stream: stream.to_owned(),
            region: self.region.clone(),
        })
    }

    /// The stream a started task writes to when Batch has not named it yet: with an
    /// `awslogs-stream-prefix`, the awslogs driver names it `<prefix>/<container>/<task id>`.
    fn derived(&self, container: &str, task_arn: Option<&str>) -> PartLogs {
        let task_id = task_arn
            .and_then(|arn| arn.rsplit('/').next())
            .filter(|id| !id.is_empty());
        match (&self.prefix, task_id) {
            (Some(prefix), Some(task_id)) => {
                self.stream(&format!("{prefix}/{container}/{task_id}"))
            }
            _ => PartLogs::NoStreamYet {
                group: self.group.clone(),
                region: self.region.clone(),
            },
        }
    }
}

/// A container job's streams: one per attempt, and the current one (the attempt running
/// now is not in `attempts` yet).
fn container_logs(
    base: &LogPart,
    attempts: &[AttemptDetail],
    current: Option<(Option<&str>, Option<&str>)>,
    config: Option<&LogConfiguration>,
) -> Vec<JobLog> {
    let awslogs = match awslogs(config) {
        Ok(awslogs) => awslogs,
        Err(driver) => {
            return vec![JobLog {
                part: base.clone(),
                logs: PartLogs::OtherDriver { driver },
            }];
        }
    };
    let mut streams: Vec<PartLogs> = attempts
        .iter()
        .filter_map(|a| a.container())
        .map(|c| match c.log_stream_name() {
            Some(stream) => awslogs.stream(stream),
            None => awslogs.derived("default", c.task_arn()),
        })
        .collect();
    if let Some((stream, task_arn)) = current {
        let logs = match stream {
            Some(stream) => awslogs.stream(stream),
            None => awslogs.derived("default", task_arn),
        };
        let pending = matches!(logs, PartLogs::NoStreamYet { .. });
        if (pending && streams.is_empty()) || (!pending && !streams.contains(&logs)) {
            streams.push(logs);
        }
    }
    numbered(base, None, streams)
}

/// The parts' labels: attempts numbered from 1 when there is more than one.
fn numbered(base: &LogPart, container: Option<&str>, streams: Vec<PartLogs>) -> Vec<JobLog> {
    let several = streams.len() > 1;
    streams
        .into_iter()
        .enumerate()
        .map(|(i, logs)| JobLog {
            part: LogPart {
                attempt: several.then_some(i + 1),
                container: container.map(str::to_owned),
                ..base.clone()
            },
            logs,
        })
        .collect()
}

/// An `ecsProperties` job's streams: per container, one per attempt and the current one.
fn ecs_logs(
    base: &LogPart,
    attempts: &[AttemptDetail],
    ecs: &aws_sdk_batch::types::EcsPropertiesDetail,
) -> Vec<JobLog> {
    let mut logs = Vec::new();
    for task in ecs.task_properties() {
        for container in task.containers() {
            let name = container.name().unwrap_or("default");
            let awslogs = match awslogs(container.log_configuration()) {
                Ok(awslogs) => awslogs,
                Err(driver) => {
                    let part = LogPart {
                        container: Some(name.to_owned()),
                        ..base.clone()
                    };
                    logs.push(JobLog {
                        part,
                        logs: PartLogs::OtherDriver { driver },
                    });
                    continue;
                }
            };
            let mut streams: Vec<PartLogs> = attempts
                .iter()
                .flat_map(|a| a.task_properties())
                .flat_map(|t| t.containers().iter().map(move |c| (t, c)))
                .filter(|(_, c)| c.name().unwrap_or("default") == name)
                .map(|(t, c)| match c.log_stream_name() {
                    Some(stream) => awslogs.stream(stream),
                    None => awslogs.derived(name, t.task_arn()),
                })
                .collect();
            let current = match container.log_stream_name() {
                Some(stream) => awslogs.stream(stream),
                None => awslogs.derived(name, task.task_arn()),
            };
            let pending = matches!(current, PartLogs::NoStreamYet { .. });
            if (pending && streams.is_empty()) || (!pending && !streams.contains(&current)) {
                streams.push(current);
            }
            logs.extend(numbered(base, Some(name), streams));
        }
    }
    logs
}

#[cfg(test)]
mod tests {
    use super::range_holds;

    #[test]
    fn node_ranges_hold_their_nodes() {
        assert!(range_holds("0:3", 0) && range_holds("0:3", 3) && !range_holds("0:3", 4));
        assert!(range_holds("2:", 7) && !range_holds("2:", 1));
        assert!(range_holds(":1", 0) && !range_holds(":1", 2));
        assert!(range_holds("4", 4) && !range_holds("4", 3));
        assert!(!range_holds("x", 0));
    }
}
