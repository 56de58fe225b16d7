//! "Did you mean" for names: the closest of the names a model, the code generator or an
//! operation's input knows.

/// The edit distance between two strings (insertions, deletions, substitutions).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `wanted`, when it is close enough to be a likely typo
/// (case-insensitive match, or at most a third of the letters wrong): the "did you mean"
/// of model, code generation and input errors.
///
/// ```
/// use waiters_model::suggest;
///
/// assert_eq!(suggest("statuz", ["status", "jobId"]), Some("status"));
/// assert_eq!(suggest("container", ["status", "jobId"]), None);
/// ```
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate.to_lowercase() == lower {
            return Some(candidate);
        }
        let distance = edit_distance(&lower, &candidate.to_lowercase());
        let limit = (wanted.chars().count().max(3)) / 3;
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let members = ["status", "statusReason", "jobId"];
        assert_eq!(suggest("statuz", members), Some("status"));
        assert_eq!(suggest("STATUS", members), Some("status"));
        assert_eq!(suggest("jobid", members), Some("jobId"));
        assert_eq!(suggest("container", members), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
