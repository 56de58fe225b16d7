//! What `wait-for-job` reports about an array job (its size, status summary, failed
//! children and, with `--children`, every child) or a multi-node job (each node's
//! outcome).

use serde_json::{Map, Value, json};
use waiters_runtime::array::{ArrayProgress, FailedChild};

/// Failed children listed in text output; JSON lists them all.
pub(crate) const TEXT_FAILED_CHILDREN: usize = 20;

/// The array or multi-node part of one job's report (empty for other jobs).
#[derive(Debug, Default)]
pub(crate) struct FamilyReport {
    pub(crate) array: Option<ArrayReport>,
    pub(crate) nodes: Vec<MemberOutcome>,
}

#[derive(Debug)]
pub(crate) struct ArrayReport {
    pub(crate) progress: ArrayProgress,
    pub(crate) failed_children: Vec<FailedChild>,
    /// Why the failed children could not be listed, if they could not.
    pub(crate) failed_children_error: Option<String>,
    /// With `--children`: how each child's wait ended.
    pub(crate) children: Option<Vec<MemberOutcome>>,
}

/// How one child or node ended.
#[derive(Debug)]
pub(crate) struct MemberOutcome {
    pub(crate) job_id: String,
    pub(crate) index: Option<u32>,
    pub(crate) is_main: bool,
    pub(crate) status: Option<String>,
    pub(crate) status_reason: Option<String>,
    pub(crate) exit_code: Option<i32>,
}

impl MemberOutcome {
    fn to_json(&self, main: bool) -> Value {
        let mut member = json!({
            "job_id": self.job_id,
            "index": self.index,
            "status": self.status,
            "reason": self.status_reason,
            "exit_code": self.exit_code,
        });
        if main {
            member["is_main_node"] = json!(self.is_main);
        }
        member
    }

    /// `node P#0 (main): FAILED, reason (exit code 137)`.
    pub(crate) fn text(&self, kind: &str) -> String {
        let mut line = format!("{kind} {}", self.job_id);
        if self.is_main {
            line.push_str(" (main)");
        }
        line.push_str(": ");
        line.push_str(self.status.as_deref().unwrap_or("(no status)"));
        if let Some(reason) = &self.status_reason {
            line.push_str(&format!(", {reason}"));
        }
        if let Some(code) = self.exit_code {
            line.push_str(&format!(" (exit code {code})"));
        }
        line
    }
}

fn failed_child_json(child: &FailedChild) -> Value {
    json!({
        "job_id": child.job_id,
        "index": child.index,
        "reason": child.status_reason,
        "exit_code": child.exit_code,
    })
}

fn failed_child_text(child: &FailedChild) -> String {
    let mut line = format!("failed child {}", child.job_id);
    if let Some(reason) = &child.status_reason {
        line.push_str(&format!(": {reason}"));
    }
    if let Some(code) = child.exit_code {
        line.push_str(&format!(" (exit code {code})"));
    }
    line
}

impl FamilyReport {
    /// The `array` and `nodes` members of the job's JSON object.
    pub(crate) fn add_json(&self, job: &mut Map<String, Value>) {
        if let Some(array) = &self.array {
            let summary: Map<String, Value> = array
                .progress
                .counts()
                .map(|(status, n)| (status.to_owned(), json!(n)))
                .collect();
            let mut object = json!({
                "size": array.progress.size(),
                "status_summary": summary,
                "failed_children": array.failed_children.iter().map(failed_child_json).collect::<Vec<_>>(),
            });
            if let Some(error) = &array.failed_children_error {
                object["failed_children_error"] = json!(error);
            }
            if let Some(children) = &array.children {
                object["children"] = children.iter().map(|c| c.to_json(false)).collect();
            }
            job.insert("array".to_owned(), object);
        }
        if !self.nodes.is_empty() {
            let nodes: Vec<Value> = self.nodes.iter().map(|n| n.to_json(true)).collect();
            job.insert("nodes".to_owned(), nodes.into());
        }
    }

    /// Lines under the job's line in text output: the array's progress and its first
    /// failed children, or each node's outcome.
    pub(crate) fn text_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(array) = &self.array {
            lines.push(format!("array: {}", array.progress));
            let shown = array.failed_children.iter().take(TEXT_FAILED_CHILDREN);
            lines.extend(shown.map(failed_child_text));
            let more = array
                .failed_children
                .len()
                .saturating_sub(TEXT_FAILED_CHILDREN);
            if more > 0 {
                lines.push(format!(
                    "... and {more} more failed children (--output json lists them all)"
                ));
            }
            if let Some(error) = &array.failed_children_error {
                lines.push(format!("failed children not listed: {error}"));
            }
        }
        lines.extend(self.nodes.iter().map(|n| n.text("node")));
        lines
    }
}
