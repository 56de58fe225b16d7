//! Names: smithy-rs's snake_case and PascalCase, Rust identifier checks, and suggestions
//! for typos.

/// Words smithy-rs keeps whole although they mix cases (`IPv4`, `GiB`).
const COMPLETE_WORDS: [&str; 7] = ["ipv4", "ipv6", "sigv4", "mib", "gib", "kib", "ttl"];

/// Splits a model name into words the way smithy-rs does before it names getters and
/// types (`sizeInGiB` -> `size`, `in`, `gib`; `EFSVolume` -> `efs`, `volume`).
///
/// A port of the rules of smithy-rs's `splitOnWordBoundaries` (codegen-core `Strings.kt`):
/// lower-to-upper and digit-to-upper changes start a word, an acronym ends before an
/// upper-case letter followed by lower case (`DB|Proxy`) except a plural `s` (`ARNs`), and
/// the complete words above are never split.
pub(crate) fn split_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let all_lower = name.to_lowercase() == name;
    let mut words = Vec::new();
    let mut current = String::new();
    for (index, &next) in chars.iter().enumerate() {
        let peek = chars.get(index + 1).copied();
        let double_peek = chars.get(index + 2).copied();
        let complete_word_in_progress = {
            let lower_current = current.to_lowercase();
            let ahead: String = lower_current
                .chars()
                .chain(chars[index..].iter().flat_map(|c| c.to_lowercase()))
                .collect();
            COMPLETE_WORDS.iter().any(|w| ahead.starts_with(w))
                && !COMPLETE_WORDS.contains(&lower_current.as_str())
        };
        let boundary = if !next.is_alphanumeric() {
            true
        } else if current.is_empty() {
            false
        } else {
            let last = current.chars().last().unwrap_or(' ');
            (!complete_word_in_progress
                && next.is_uppercase()
                && (last.is_lowercase() || last.is_ascii_digit()))
                || (!complete_word_in_progress
                    && all_lower
                    && last.is_ascii_digit()
                    && next.is_lowercase())
                || end_of_acronym(last, next, peek, double_peek)
        };
        if boundary {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current).to_lowercase());
            }
            if next.is_alphanumeric() {
                current.push(next);
            }
        } else {
            current.push(next);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `DB[P]roxy` and `IAM[U]ser` end an acronym; `AR[N]s` and `DynamoD[B]v2` do not.
fn end_of_acronym(last: char, next: char, peek: Option<char>, double_peek: Option<char>) -> bool {
    if !last.is_uppercase() || !next.is_uppercase() {
        return false;
    }
    let Some(peek) = peek.filter(|p| p.is_lowercase()) else {
        return false;
    };
    if peek == 's' && !double_peek.is_some_and(char::is_lowercase) {
        return false;
    }
    if peek == 'v' && double_peek.is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    true
}

/// smithy-rs's snake_case: the name of a member's getter and field (`jobId` -> `job_id`).
pub(crate) fn snake_case(name: &str) -> String {
    split_words(name)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// smithy-rs's PascalCase for shape names (`EFSVolumeConfiguration` ->
/// `EfsVolumeConfiguration`).
pub(crate) fn pascal_case(name: &str) -> String {
    split_words(name)
        .iter()
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect()
}

/// Rust's strict and reserved keywords: smithy-rs writes members with these names as raw
/// identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; smithy-rs renames such members, which the code
/// generator does not model.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// The identifier tokens for a snake_case name: raw when it is a keyword, `None` when Rust
/// cannot name it at all.
pub(crate) fn rust_ident(name: &str) -> Option<proc_macro2::Ident> {
    if name.is_empty()
        || NOT_RAW.contains(&name)
        || name.starts_with(|c: char| c.is_ascii_digit())
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let span = proc_macro2::Span::call_site();
    Some(if KEYWORDS.contains(&name) {
        proc_macro2::Ident::new_raw(name, span)
    } else {
        proc_macro2::Ident::new(name, span)
    })
}

/// Why `name` cannot be the name of a generated type, if it cannot.
///
/// Waiter names become type names as they are, so they must be UpperCamelCase identifiers
/// that `#![deny(warnings)]` accepts: an ASCII capital letter, then letters and digits.
pub(crate) fn type_name_problem(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => Some("it is empty"),
        Some(c) if !c.is_ascii_uppercase() => {
            Some("it must start with an ASCII capital letter (UpperCamelCase)")
        }
        _ if !chars.all(|c| c.is_ascii_alphanumeric()) => {
            Some("it may only contain ASCII letters and digits (UpperCamelCase, no `_`)")
        }
        _ if name == "Self" => Some("`Self` is a Rust keyword"),
        _ => None,
    }
}

/// The edit distance between two strings (insertions, deletions, substitutions).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
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
/// (case-insensitive match, or at most a third of the letters wrong).
pub(crate) fn suggest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
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
    fn snake_case_matches_smithy_rs_getters() {
        // Each pair is a Batch member and the getter aws-sdk-batch 1.138 has for it.
        for (member, getter) in [
            ("jobArn", "job_arn"),
            ("status", "status"),
            ("containerID", "container_id"),
            ("sizeInGiB", "size_in_gib"),
            ("s3filesVolumeConfiguration", "s3files_volume_configuration"),
            ("isCancelled", "is_cancelled"),
            ("eksAttempts", "eks_attempts"),
            ("ipv6Address", "ipv6_address"),
            ("privateIpv4Address", "private_ipv4_address"),
            ("readonlyRootFilesystem", "readonly_root_filesystem"),
            ("type", "type"),
        ] {
            assert_eq!(snake_case(member), getter, "{member}");
        }
    }

    #[test]
    fn snake_case_acronyms() {
        assert_eq!(snake_case("DBProxy"), "db_proxy");
        assert_eq!(snake_case("ARNs"), "arns");
        assert_eq!(snake_case("IAMUser"), "iam_user");
        assert_eq!(snake_case("DynamoDBv2"), "dynamo_dbv2");
        assert_eq!(snake_case("JobComplete"), "job_complete");
        assert_eq!(snake_case("ImageExists2"), "image_exists2");
    }

    #[test]
    fn pascal_case_matches_sdk_types() {
        assert_eq!(
            pascal_case("EFSVolumeConfiguration"),
            "EfsVolumeConfiguration"
        );
        assert_eq!(
            pascal_case("EFSAuthorizationConfigIAM"),
            "EfsAuthorizationConfigIam"
        );
        assert_eq!(
            pascal_case("S3FilesVolumeConfiguration"),
            "S3FilesVolumeConfiguration"
        );
        assert_eq!(pascal_case("JobDetail"), "JobDetail");
    }

    #[test]
    fn raw_identifiers_for_keywords() {
        assert_eq!(
            rust_ident("type").map(|i| i.to_string()),
            Some("r#type".into())
        );
        assert_eq!(
            rust_ident("status").map(|i| i.to_string()),
            Some("status".into())
        );
        assert!(rust_ident("self").is_none());
        assert!(rust_ident("a-b").is_none());
    }

    #[test]
    fn type_names() {
        assert_eq!(type_name_problem("JobComplete"), None);
        assert_eq!(type_name_problem("Job2"), None);
        assert!(type_name_problem("jobComplete").is_some());
        assert!(type_name_problem("Job-Complete").is_some());
        assert!(type_name_problem("Job_Complete").is_some());
        assert!(type_name_problem("").is_some());
        assert!(type_name_problem("Self").is_some());
    }

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
