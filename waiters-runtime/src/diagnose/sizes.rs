//! The sizes of the EC2 instance types waiters knows, to tell whether a job fits any
//! instance a compute environment may launch. Only the families the local endpoint and
//! the tests use are listed; any other type is reported as unknown, never guessed.

/// What one instance gives a job: vCPUs, memory in MiB and GPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceSize {
    /// vCPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// GPUs.
    pub gpus: u32,
}

const GIB: u64 = 1024;

/// `(name, vCPUs, memory in GiB, GPUs)`, from the EC2 instance type pages.
const SIZES: &[(&str, u32, u64, u32)] = &[
    ("t3.micro", 2, 1, 0),
    ("t3.small", 2, 2, 0),
    ("t3.medium", 2, 4, 0),
    ("t3.large", 2, 8, 0),
    ("t3.xlarge", 4, 16, 0),
    ("t3.2xlarge", 8, 32, 0),
    ("m5.large", 2, 8, 0),
    ("m5.xlarge", 4, 16, 0),
    ("m5.2xlarge", 8, 32, 0),
    ("m5.4xlarge", 16, 64, 0),
    ("m5.8xlarge", 32, 128, 0),
    ("m5.12xlarge", 48, 192, 0),
    ("m5.16xlarge", 64, 256, 0),
    ("m5.24xlarge", 96, 384, 0),
    ("c5.large", 2, 4, 0),
    ("c5.xlarge", 4, 8, 0),
    ("c5.2xlarge", 8, 16, 0),
    ("c5.4xlarge", 16, 32, 0),
    ("c5.9xlarge", 36, 72, 0),
    ("c5.12xlarge", 48, 96, 0),
    ("c5.18xlarge", 72, 144, 0),
    ("c5.24xlarge", 96, 192, 0),
    ("r5.large", 2, 16, 0),
    ("r5.xlarge", 4, 32, 0),
    ("r5.2xlarge", 8, 64, 0),
    ("r5.4xlarge", 16, 128, 0),
    ("r5.8xlarge", 32, 256, 0),
    ("r5.12xlarge", 48, 384, 0),
    ("r5.16xlarge", 64, 512, 0),
    ("r5.24xlarge", 96, 768, 0),
    ("p3.2xlarge", 8, 61, 1),
    ("p3.8xlarge", 32, 244, 4),
    ("p3.16xlarge", 64, 488, 8),
    ("g4dn.xlarge", 4, 16, 1),
    ("g4dn.2xlarge", 8, 32, 1),
    ("g4dn.4xlarge", 16, 64, 1),
    ("g4dn.8xlarge", 32, 128, 1),
    ("g4dn.12xlarge", 48, 192, 4),
    ("g4dn.16xlarge", 64, 256, 1),
];

/// The most one instance of `instance_type` gives: a size (`m5.large`) or a family
/// (`m5`, any of its sizes). `None` for a type this table does not know (`optimal`
/// included: which families it means depends on the Region).
pub fn largest(instance_type: &str) -> Option<InstanceSize> {
    let family = !instance_type.contains('.');
    SIZES
        .iter()
        .filter(|(name, ..)| {
            if family {
                name.split('.').next() == Some(instance_type)
            } else {
                *name == instance_type
            }
        })
        .map(|&(_, vcpus, memory_gib, gpus)| InstanceSize {
            vcpus,
            memory_mib: memory_gib * GIB,
            gpus,
        })
        .reduce(|a, b| InstanceSize {
            vcpus: a.vcpus.max(b.vcpus),
            memory_mib: a.memory_mib.max(b.memory_mib),
            gpus: a.gpus.max(b.gpus),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_families_are_known_and_others_are_not() {
        assert_eq!(
            largest("m5.large"),
            Some(InstanceSize {
                vcpus: 2,
                memory_mib: 8192,
                gpus: 0
            })
        );
        // A family is its largest member in each dimension.
        assert_eq!(
            largest("g4dn"),
            Some(InstanceSize {
                vcpus: 64,
                memory_mib: 256 * 1024,
                gpus: 4
            })
        );
        assert_eq!(largest("optimal"), None);
        assert_eq!(largest("x2iedn.32xlarge"), None);
        assert_eq!(largest("m5.huge"), None);
        assert_eq!(largest(""), None);
    }
}
