//! The job ids of `wait-for-job`: from the command line, and from standard input where
//! `-` is given, within bounds.

use std::io::Read;

use crate::error::CliError;
use crate::escape;

/// The id that stands for the ids on standard input.
pub(crate) const FROM_STDIN: &str = "-";

/// The most bytes read from standard input.
pub(crate) const MAX_STDIN_BYTES: usize = 16 * 1024 * 1024;

/// The most job ids one `wait-for-job` takes, from all sources together.
pub(crate) const MAX_JOB_IDS: usize = 100_000;

/// The ids as given, with the first `-` replaced by the ids read from `stdin` (a second
/// `-` adds nothing: standard input is read once). Ids from standard input with control
/// characters are refused here, naming their place there; the other checks (empty ids,
/// duplicates) are the command line's.
pub(crate) fn expand(args: &[String], stdin: impl Read) -> Result<Vec<String>, CliError> {
    let mut from_stdin = if args.iter().any(|id| id == FROM_STDIN) {
        Some(read_ids(stdin)?)
    } else {
        None
    };
    let mut ids = Vec::with_capacity(args.len());
    for arg in args {
        if arg == FROM_STDIN {
            ids.extend(from_stdin.take().unwrap_or_default());
        } else {
            ids.push(arg.clone());
        }
        if ids.len() > MAX_JOB_IDS {
            return Err(too_many());
        }
    }
    Ok(ids)
}

fn too_many() -> CliError {
    CliError::Usage(format!(
        "more than {MAX_JOB_IDS} job ids; wait for them with several commands"
    ))
}

/// The whitespace-separated ids of standard input.
fn read_ids(stdin: impl Read) -> Result<Vec<String>, CliError> {
    let mut bytes = Vec::new();
    stdin
        .take(MAX_STDIN_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            CliError::Usage(format!("cannot read job ids from standard input: {error}"))
        })?;
    if bytes.len() > MAX_STDIN_BYTES {
        return Err(CliError::Usage(format!(
            "standard input has more than {} MiB of job ids; wait for them with several commands",
            MAX_STDIN_BYTES / (1024 * 1024)
        )));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        CliError::Usage(format!(
            "standard input is not UTF-8 text (at byte {})",
            error.utf8_error().valid_up_to()
        ))
    })?;
    let mut ids = Vec::new();
    // ASCII whitespace only: other control characters stay in the id and refuse it.
    for id in text.split_ascii_whitespace() {
        if ids.len() == MAX_JOB_IDS {
            return Err(too_many());
        }
        if escape::has_unsafe(id) {
            return Err(CliError::Usage(format!(
                "job id #{} of standard input (\"{}\") contains control characters",
                ids.len() + 1,
                escape::text(id)
            )));
        }
        ids.push(id.to_owned());
    }
    if ids.is_empty() {
        return Err(CliError::Usage(
            "no job ids on standard input (`-` was given)".to_owned(),
        ));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn error(result: Result<Vec<String>, CliError>) -> String {
        result.err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn dash_is_replaced_by_the_ids_of_standard_input_in_place() {
        let stdin = "b c\n\r\nd\te  \n".as_bytes();
        assert_eq!(
            expand(&args(&["a", "-", "f", "-"]), stdin).ok(),
            Some(args(&["a", "b", "c", "d", "e", "f"]))
        );
    }

    #[test]
    fn standard_input_is_not_read_without_dash() {
        struct Unreadable;
        impl Read for Unreadable {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("read"))
            }
        }
        assert_eq!(expand(&args(&["a"]), Unreadable).ok(), Some(args(&["a"])));
        assert!(error(expand(&args(&["-"]), Unreadable)).contains("cannot read job ids"));
    }

    #[test]
    fn bad_standard_input_is_refused() {
        let cases: [(&[u8], &str); 4] = [
            (b"", "no job ids on standard input (`-` was given)"),
            (b" \n\t\n", "no job ids on standard input (`-` was given)"),
            (
                b"a b\x0bc",
                r#"job id #2 of standard input ("b\u{b}c") contains control characters"#,
            ),
            (b"a \xff", "standard input is not UTF-8 text (at byte 2)"),
        ];
        for (input, message) in cases {
            assert_eq!(error(expand(&args(&["-"]), input)), message, "{input:?}");
        }
    }

    #[test]
    fn standard_input_is_bounded() {
        let big = vec![b'a'; MAX_STDIN_BYTES + 1];
        assert!(error(expand(&args(&["-"]), &big[..])).contains("more than 16 MiB"));
        let exactly = "j\n".repeat(MAX_JOB_IDS);
        assert_eq!(
            expand(&args(&["-"]), exactly.as_bytes())
                .map(|ids| ids.len())
                .ok(),
            Some(MAX_JOB_IDS)
        );
        let many = "j\n".repeat(MAX_JOB_IDS + 1);
        assert!(error(expand(&args(&["-"]), many.as_bytes())).contains("more than 100000"));
        // The command line's ids count too.
        assert!(error(expand(&args(&["x", "-"]), exactly.as_bytes())).contains("more than"));
    }
}
