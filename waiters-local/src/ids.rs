//! Identifiers and ARNs in the formats the real service uses.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Random identifiers in the formats the real service uses.
#[derive(Debug)]
pub(crate) struct IdGenerator {
    rng: StdRng,
}

impl IdGenerator {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A version-4 UUID string, as Batch job ids and AWS request ids are.
    pub(crate) fn uuid(&mut self) -> String {
        let mut bytes: [u8; 16] = self.rng.random();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex = hex(&bytes);
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// 32 hex digits, as ECS task ids are.
    pub(crate) fn task_id(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        hex(&bytes)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Naming context for ARNs.
#[derive(Clone, Debug)]
pub(crate) struct ArnContext {
    pub(crate) region: String,
    pub(crate) account_id: String,
}

impl ArnContext {
    /// A queue name becomes its ARN; an ARN is kept.
    pub(crate) fn job_queue_arn(&self, queue: &str) -> String {
        if queue.starts_with("arn:") {
            queue.to_owned()
        } else {
            format!(
                "arn:aws:batch:{}:{}:job-queue/{queue}",
                self.region, self.account_id
            )
        }
    }

    /// `name` or `name:revision` becomes an ARN (revision 1 when absent); an ARN is kept.
    pub(crate) fn job_definition_arn(&self, definition: &str) -> String {
        if definition.starts_with("arn:") {
            return definition.to_owned();
        }
        let with_revision = if definition.contains(':') {
            definition.to_owned()
        } else {
            format!("{definition}:1")
        };
        format!(
            "arn:aws:batch:{}:{}:job-definition/{with_revision}",
            self.region, self.account_id
        )
    }

    pub(crate) fn compute_environment_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:batch:{}:{}:compute-environment/{name}",
            self.region, self.account_id
        )
    }

    pub(crate) fn ecs_cluster_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{}:cluster/{name}",
            self.region, self.account_id
        )
    }

    pub(crate) fn job_arn(&self, job_id: &str) -> String {
        format!(
            "arn:aws:batch:{}:{}:job/{job_id}",
            self.region, self.account_id
        )
    }

    pub(crate) fn task_arn(&self, task_id: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{}:task/waiters-local/{task_id}",
            self.region, self.account_id
        )
    }

    pub(crate) fn container_instance_arn(&self, instance_id: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{}:container-instance/waiters-local/{instance_id}",
            self.region, self.account_id
        )
    }
}

/// The name part of a job definition ARN: `.../job-definition/NAME:REV` gives `NAME`.
pub(crate) fn job_definition_name(definition_arn: &str) -> &str {
    let tail = definition_arn
        .rsplit_once("job-definition/")
        .map_or(definition_arn, |(_, tail)| tail);
    tail.split_once(':').map_or(tail, |(name, _)| name)
}
