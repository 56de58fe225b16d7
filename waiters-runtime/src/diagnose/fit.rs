//! Whether a job's vCPUs, memory and GPUs fit what a compute environment can give:
//! its `maxvCpus` and the largest of its instance types.

use aws_sdk_batch::types::{
    CeState, CeStatus, ComputeEnvironmentDetail, CrType, JobDefinition, JobDetail,
    ResourceRequirement, ResourceType,
};

use super::sizes::{InstanceSize, largest};

/// Fargate's largest task: 16 vCPUs and 120 GiB, no GPUs.
const FARGATE: InstanceSize = InstanceSize {
    vcpus: 16,
    memory_mib: 120 * 1024,
    gpus: 0,
};

/// What a job asks for, and where each number was read.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Request {
    pub(super) vcpus: Option<(f64, &'static str)>,
    pub(super) memory_mib: Option<(u64, &'static str)>,
    pub(super) gpus: Option<(u32, &'static str)>,
}

impl Request {
    /// True when neither vCPUs nor memory are known (the definition has them then).
    pub(super) fn is_incomplete(&self) -> bool {
        self.vcpus.is_none() || self.memory_mib.is_none()
    }

    /// The job's own numbers (`container.resourceRequirements`, then the older
    /// `container.vcpus`/`memory`), then the definition's for those the job lacks.
    pub(super) fn of(job: &JobDetail, definition: Option<&JobDefinition>) -> Request {
        let mut request = Request::default();
        if let Some(container) = job.container() {
            request.fill(
                container.resource_requirements(),
                container.vcpus(),
                container.memory(),
                "job",
            );
        }
        if let Some(properties) = definition.and_then(JobDefinition::container_properties) {
            // Older definitions still carry the deprecated `vcpus`/`memory` members.
            #[allow(deprecated)]
            request.fill(
                properties.resource_requirements(),
                properties.vcpus(),
                properties.memory(),
                "job definition",
            );
        }
        request
    }

    fn fill(
        &mut self,
        requirements: &[ResourceRequirement],
        vcpus: Option<i32>,
        memory: Option<i32>,
        source: &'static str,
    ) {
        for requirement in requirements {
            let value = requirement.value().unwrap_or_default().trim();
            match requirement.r#type() {
                Some(ResourceType::Vcpu) if self.vcpus.is_none() => {
                    self.vcpus = value.parse().ok().map(|v| (v, source));
                }
                Some(ResourceType::Memory) if self.memory_mib.is_none() => {
                    self.memory_mib = value.parse().ok().map(|v| (v, source));
                }
                Some(ResourceType::Gpu) if self.gpus.is_none() => {
                    self.gpus = value.parse().ok().map(|v| (v, source));
                }
                _ => {}
            }
        }
        if self.vcpus.is_none() {
            self.vcpus = vcpus.map(|v| (f64::from(v), source));
        }
        if self.memory_mib.is_none() {
            self.memory_mib = memory
                .and_then(|m| u64::try_from(m).ok())
                .map(|m| (m, source));
        }
    }
}

/// Why one compute environment cannot run the job: the field and what it said.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Shortfall {
    pub(super) field: String,
    pub(super) value: String,
}

/// What one compute environment can give, as far as waiters can tell.
pub(super) struct Capacity {
    max_vcpus: Option<i32>,
    /// The largest instance, when every instance type is known.
    largest: Option<InstanceSize>,
    instance_types: Vec<String>,
    /// Types the size table does not know.
    pub(super) unknown_types: Vec<String>,
}

impl Capacity {
    pub(super) fn of(ce: &ComputeEnvironmentDetail) -> Option<Capacity> {
        let resources = ce.compute_resources()?;
        let fargate = matches!(
            resources.r#type(),
            Some(CrType::Fargate | CrType::FargateSpot)
        );
        let instance_types = resources.instance_types().to_vec();
        let sizes: Vec<Option<InstanceSize>> = instance_types.iter().map(|t| largest(t)).collect();
        let unknown_types = instance_types
            .iter()
            .zip(&sizes)
            .filter(|(_, size)| size.is_none())
            .map(|(name, _)| name.clone())
            .collect::<Vec<_>>();
        let largest = if fargate {
            Some(FARGATE)
        } else if unknown_types.is_empty() {
            sizes.into_iter().flatten().reduce(|a, b| InstanceSize {
                vcpus: a.vcpus.max(b.vcpus),
                memory_mib: a.memory_mib.max(b.memory_mib),
                gpus: a.gpus.max(b.gpus),
            })
        } else {
            None
        };
        Some(Capacity {
            max_vcpus: resources.maxv_cpus(),
            largest,
            instance_types,
            unknown_types,
        })
    }

    /// Everything that keeps the job off this compute environment; empty when it fits
    /// (or when what is unknown could fit it).
    pub(super) fn shortfalls(&self, request: &Request) -> Vec<Shortfall> {
        let mut short = Vec::new();
        if let (Some(max), Some((vcpus, source))) = (self.max_vcpus, request.vcpus)
            && f64::from(max) < vcpus
        {
            short.push(Shortfall {
                field: "computeResources.maxvCpus".into(),
                value: format!("{max}, less than the {vcpus} vCPUs the {source} asks for"),
            });
        }
        let Some(size) = self.largest else {
            return short;
        };
        let types = if self.instance_types.is_empty() {
            "Fargate".to_owned()
        } else {
            self.instance_types.join(", ")
        };
        let field = "computeResources.instanceTypes".to_owned();
        if let Some((vcpus, source)) = request.vcpus.filter(|(v, _)| f64::from(size.vcpus) < *v) {
            short.push(Shortfall {
                field: field.clone(),
                value: format!(
                    "[{types}]: at most {} vCPUs, less than the {vcpus} the {source} asks for",
                    size.vcpus
                ),
            });
        }
        if let Some((memory, source)) = request.memory_mib.filter(|(m, _)| size.memory_mib < *m) {
            short.push(Shortfall {
                field: field.clone(),
                value: format!(
                    "[{types}]: at most {} MiB, less than the {memory} MiB the {source} asks for",
                    size.memory_mib
                ),
            });
        }
        if let Some((gpus, source)) = request.gpus.filter(|(g, _)| size.gpus < *g) {
            short.push(Shortfall {
                field,
                value: format!(
                    "[{types}]: at most {} GPUs, less than the {gpus} the {source} asks for",
                    size.gpus
                ),
            });
        }
        short
    }
}

/// Whether a compute environment can take jobs at all: `ENABLED` and not `INVALID`.
pub(super) fn usable(ce: &ComputeEnvironmentDetail) -> bool {
    ce.state() != Some(&CeState::Disabled) && ce.status() != Some(&CeStatus::Invalid)
}
