//! `SubmitJob`'s array jobs, multi-node jobs and dependencies: what the request asks
//! for, checked as Batch checks it, turned into the job store's plan.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::app::App;
use crate::jobs::{DependencyPlan, Family, Fanout, FanoutKind, JobStore};
use crate::profile::{JobOutcome, JobProfile};
use crate::wire::ApiError;

/// Array sizes Batch accepts.
const ARRAY_SIZES: std::ops::RangeInclusive<i64> = 2..=10_000;
/// Multi-node jobs run at most this many nodes.
const MAX_NODES: i64 = 1000;

/// `SubmitJob` parameters that choose which array children (or nodes) fail.
pub(crate) mod member_keys {
    /// Member indexes that end `FAILED`: `3`, `0,5,17`, ranges such as `100-199`.
    pub(crate) const FAIL_INDEXES: &str = "local:failIndexes";
    /// Total time of a failing member (split evenly over its phases, as
    /// `local:totalMillis`); by default the same schedule as the others.
    pub(crate) const FAIL_AFTER_MILLIS: &str = "local:failAfterMillis";
    /// Exit code of a failing member (default 1).
    pub(crate) const FAIL_EXIT_CODE: &str = "local:failExitCode";
    pub(crate) const ALL: [&str; 3] = [FAIL_INDEXES, FAIL_AFTER_MILLIS, FAIL_EXIT_CODE];
}

/// The parameters without the member keys (for the job's own schedule), and the
/// member keys.
pub(crate) fn split_parameters(
    parameters: &BTreeMap<String, String>,
) -> (Vec<(&str, &str)>, BTreeMap<&str, &str>) {
    let (members, schedule): (Vec<_>, Vec<_>) = parameters
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .partition(|(k, _)| member_keys::ALL.contains(k));
    (schedule, members.into_iter().collect())
}

fn client(message: impl Into<String>) -> ApiError {
    ApiError::Client(message.into())
}

/// `arrayProperties.size`, checked.
pub(crate) fn array_size(size: Option<i64>) -> Result<Option<usize>, ApiError> {
    match size {
        None => Ok(None),
        Some(size) if ARRAY_SIZES.contains(&size) => Ok(usize::try_from(size).ok()),
        Some(size) => Err(client(format!(
            "arrayProperties.size must be between {} and {}, got {size}",
            ARRAY_SIZES.start(),
            ARRAY_SIZES.end()
        ))),
    }
}

/// The nodes of a job whose definition is `multinode`: `(numNodes, mainNode,
/// nodeProperties)`, with `nodeOverrides.numNodes` applied.
pub(crate) fn multi_node(
    app: &App,
    definition: &str,
    overrides: Option<&Value>,
) -> Result<Option<(usize, usize, Value)>, ApiError> {
    let resources = app.resources();
    let Some(properties) = resources
        .job_definition(definition)
        .and_then(|d| d.node_properties())
    else {
        return Ok(None);
    };
    let mut properties = properties.clone();
    if let Some(count) = overrides.and_then(|o| o.get("numNodes")) {
        properties["numNodes"] = count.clone();
    }
    let num_nodes = properties.get("numNodes").and_then(Value::as_i64);
    let main_node = properties.get("mainNode").and_then(Value::as_i64);
    match (num_nodes, main_node) {
        (Some(n), Some(main)) if (1..=MAX_NODES).contains(&n) && (0..n).contains(&main) => {
            Ok(Some((
                usize::try_from(n).unwrap_or(0),
                usize::try_from(main).unwrap_or(0),
                properties,
            )))
        }
        _ => Err(client(format!(
            "nodeProperties of {definition} need numNodes from 1 to {MAX_NODES} and a mainNode \
             below numNodes"
        ))),
    }
}

/// The members a job fans out to, with the failing ones chosen by the member keys.
pub(crate) fn fanout(
    array_size: Option<usize>,
    nodes: Option<(usize, usize, Value)>,
    keys: &BTreeMap<&str, &str>,
    profile: &JobProfile,
) -> Result<Option<Fanout>, ApiError> {
    let kind = match (array_size, nodes) {
        (Some(_), Some(_)) => {
            return Err(client(
                "arrayProperties cannot be used with a multinode job definition",
            ));
        }
        (Some(size), None) => FanoutKind::Array { size },
        (None, Some((num_nodes, main_node, node_properties))) => FanoutKind::MultiNode {
            num_nodes,
            main_node,
            node_properties,
        },
        (None, None) if keys.is_empty() => return Ok(None),
        (None, None) => {
            return Err(client(format!(
                "{} only apply to array jobs and multi-node jobs",
                member_keys::ALL.join(", ")
            )));
        }
    };
    let count = match &kind {
        FanoutKind::Array { size } => *size,
        FanoutKind::MultiNode { num_nodes, .. } => *num_nodes,
    };
    let failing = match keys.get(member_keys::FAIL_INDEXES) {
        Some(list) => parse_indexes(list, count)?,
        None => Vec::new(),
    };
    let mut failing_profile = profile
        .clone()
        .with_outcome(JobOutcome::Failed)
        .with_exit_code(1);
    if let Some(value) = keys.get(member_keys::FAIL_AFTER_MILLIS) {
        let millis = value.trim().parse::<u64>().map_err(|_| {
            client(format!(
                "{} needs a whole number of milliseconds, got {value}",
                member_keys::FAIL_AFTER_MILLIS
            ))
        })?;
        failing_profile = failing_profile.with_total_duration(Duration::from_millis(millis));
    }
    if let Some(value) = keys.get(member_keys::FAIL_EXIT_CODE) {
        let code = value.trim().parse::<i32>().map_err(|_| {
            client(format!(
                "{} needs a 32-bit signed integer, got {value}",
                member_keys::FAIL_EXIT_CODE
            ))
        })?;
        failing_profile = failing_profile.with_exit_code(code);
    }
    Ok(Some(Fanout {
        kind,
        failing,
        failing_profile,
    }))
}

/// `3`, `0,5,17`, `100-199`: sorted, each below `count`.
fn parse_indexes(list: &str, count: usize) -> Result<Vec<usize>, ApiError> {
    let bad = || {
        client(format!(
            "{} needs indexes below {count} such as 3, 0,5,17 or 100-199, got {list}",
            member_keys::FAIL_INDEXES
        ))
    };
    let mut indexes = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let from: usize = from.trim().parse().map_err(|_| bad())?;
        let to: usize = to.trim().parse().map_err(|_| bad())?;
        if from > to || to >= count {
            return Err(bad());
        }
        indexes.extend(from..=to);
    }
    indexes.sort_unstable();
    indexes.dedup();
    Ok(indexes)
}

/// `dependsOn`, resolved against the stored jobs: a plain `jobId`, `N_TO_N` with the
/// `jobId` of an array of the same size, or `SEQUENTIAL` without one (both only for an
/// array job).
pub(crate) fn dependency_plan(
    jobs: &JobStore,
    depends_on: &[Value],
    array_size: Option<usize>,
) -> Result<DependencyPlan, ApiError> {
    let mut plan = DependencyPlan::default();
    for dependency in depends_on {
        let job_id = dependency.get("jobId").and_then(Value::as_str);
        let kind = dependency.get("type").and_then(Value::as_str);
        if kind.is_some_and(|k| k != "N_TO_N" && k != "SEQUENTIAL") {
            return Err(client(format!(
                "Invalid dependency type {}: expected N_TO_N or SEQUENTIAL",
                kind.unwrap_or_default()
            )));
        }
        if kind.is_some() && array_size.is_none() {
            return Err(client(
                "N_TO_N and SEQUENTIAL dependencies are only for array jobs",
            ));
        }
        let Some(job_id) = job_id else {
            if kind == Some("SEQUENTIAL") {
                plan.sequential = true;
                continue;
            }
            return Err(client(
                "A job dependency needs a jobId (only a SEQUENTIAL one goes without)",
            ));
        };
        let index = jobs
            .index_of(job_id)
            .ok_or_else(|| client(format!("Job dependency {job_id} does not exist")))?;
        if kind == Some("N_TO_N") {
            match jobs.all()[index].family {
                Family::ArrayParent { size, .. } if Some(size) == array_size => {
                    plan.n_to_n.push(index);
                }
                _ => {
                    return Err(client(format!(
                        "An N_TO_N dependency needs an array job of the same size: {job_id} is not"
                    )));
                }
            }
        } else {
            plan.jobs.push(index);
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_lists_and_ranges() {
        assert_eq!(parse_indexes("3", 10).unwrap(), [3]);
        assert_eq!(parse_indexes("5, 0,2-4,3", 10).unwrap(), [0, 2, 3, 4, 5]);
        assert!(parse_indexes("10", 10).is_err());
        assert!(parse_indexes("4-2", 10).is_err());
        assert!(parse_indexes("x", 10).is_err());
    }

    #[test]
    fn array_sizes_from_2_to_10000() {
        assert_eq!(array_size(Some(2)).unwrap(), Some(2));
        assert_eq!(array_size(Some(10_000)).unwrap(), Some(10_000));
        assert!(array_size(Some(1)).is_err());
        assert!(array_size(Some(10_001)).is_err());
        assert_eq!(array_size(None).unwrap(), None);
    }
}
