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

/// The Rust type a waiter name becomes, or why it cannot become one.
///
/// Models name waiters in UpperCamelCase (botocore), snake_case or kebab-case (Airflow's
/// `compute_env_ready`); each maps to an UpperCamelCase type that `#![deny(warnings)]`
/// accepts: the parts between `_` and `-` with their first letter capitalised and the rest
/// kept (`compute_env_ready` and `ComputeEnvReady` give `ComputeEnvReady`, `DBReady` stays
/// `DBReady`).
pub(crate) fn waiter_type_name(name: &str) -> Result<String, &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err("it may only contain ASCII letters, digits, `_` and `-`");
    }
    let type_name: String = name
        .split(['_', '-'])
        .flat_map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect();
    match type_name.chars().next() {
        None => Err("it has no letters or digits"),
        Some(c) if c.is_ascii_digit() => Err("it must start with a letter"),
        _ if type_name == "Self" => Err("`Self` is a Rust keyword"),
        _ => Ok(type_name),
    }
}

/// Suggestions for typos, shared with the run-time input checks.
pub(crate) use waiters_model::suggest;

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
    fn waiter_names_of_any_case_become_upper_camel_case_types() {
        for (name, ty) in [
            ("JobComplete", "JobComplete"),
            ("compute_env_ready", "ComputeEnvReady"),
            ("batch_job_complete", "BatchJobComplete"),
            ("job-complete", "JobComplete"),
            ("jobComplete", "JobComplete"),
            ("DBInstanceAvailable", "DBInstanceAvailable"),
            ("Job2", "Job2"),
            ("job_2nd", "Job2nd"),
            ("__a__b__", "AB"),
        ] {
            assert_eq!(waiter_type_name(name), Ok(ty.to_owned()), "{name}");
        }
        for bad in [
            "",
            "_",
            "-_-",
            "2ndJob",
            "_2nd",
            "job complete",
            "job.done",
            "Self",
            "self",
            "Jöb",
        ] {
            assert!(waiter_type_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn waiter_methods_are_snake_case_of_the_model_name() {
        assert_eq!(snake_case("compute_env_ready"), "compute_env_ready");
        assert_eq!(snake_case("job-complete"), "job_complete");
        assert_eq!(snake_case("ComputeEnvReady"), "compute_env_ready");
    }
}
