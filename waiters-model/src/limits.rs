//! Bounds on untrusted input: model files and JMESPath expressions.
//!
//! The `jmespath` crate parses and evaluates recursively, so an expression nested a few
//! hundred levels deep (`!!!!…jobs`, `((((…))))`, `jobs.a.a.a…`) overflows the stack and
//! aborts the process. Every expression is therefore measured by a scan of its text
//! ([`expression_depth`]) *before* it reaches that parser, and refused when it is longer
//! than [`MAX_EXPRESSION_BYTES`] or deeper than [`MAX_EXPRESSION_DEPTH`]. The run-time
//! loader, the code generator behind `waiters!` and `waiters validate` all compile
//! expressions through [`Expression::compile`](crate::Expression::compile), so they apply
//! exactly the same checks.
//!
//! Model files are read with [`read_model_file`]: only regular files (a FIFO, a device
//! such as `/dev/zero` or a directory is refused without opening it for reading, so
//! nothing blocks), and at most [`MAX_MODEL_BYTES`].
//!
//! For comparison, botocore 1.43's 191 waiter models (1350 expressions) have at most
//! 201 bytes and depth 16 per expression, and 23 KB per file.

use std::fs::{File, FileType, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use crate::error::ProblemKind;
pub use crate::text::{escape_unsafe, has_control_characters, is_unsafe_char};

/// The largest waiter model accepted, file or text: 4 MiB (botocore's largest, EC2's, is
/// 23 KB).
pub const MAX_MODEL_BYTES: usize = 4 * 1024 * 1024;

/// The longest JMESPath expression accepted, in bytes (botocore's longest has 201).
pub const MAX_EXPRESSION_BYTES: usize = 1024;

/// The deepest JMESPath expression accepted, as measured by [`expression_depth`]
/// (botocore's deepest measures 16).
///
/// At this depth the `jmespath` crate's parser and interpreter need at most about
/// 620 KiB of stack in an unoptimized build (much less when optimized); a test runs
/// every recursive shape at the limit on a thread with a 1 MiB stack. Tokio's worker
/// threads have 2 MiB, a process's main thread usually 8 MiB.
pub const MAX_EXPRESSION_DEPTH: usize = 64;

/// The largest integer accepted in an index or slice (`jobs[3]`, `jobs[0:10:2]`), in
/// absolute value. The `jmespath` crate steps through slices in 32-bit arithmetic that
/// overflows (and panics) for steps near 2^31; no waiter needs an index this large.
pub const MAX_EXPRESSION_INTEGER: u64 = 1_000_000;

/// The nesting depth of a JMESPath expression, computed from its text alone, without
/// parsing it: an upper bound on the depth of the syntax tree the parser builds, and
/// so on the recursion of the parser, the interpreter and the code generator.
///
/// Within each bracket level (`(…)`, `[…]`, `{…}`, and each comma-separated element of
/// a list or function call), every operator counts one (`.`, `|`, `||`, `&&`, `!`, `&`,
/// comparisons, `?`, `(`, `{`) or two (`[` and `*`, which build two nodes each), and
/// the deepest bracket level inside it adds its own depth; a level is one deeper than
/// its contents. Quoted
/// identifiers and string and JSON literals count as one operand. `jobs` is 1,
/// `!!!jobs` is 4, `jobs[].status` is 5, `length(jobs[?status == 'FAILED']) > \`0\`` is 9.
///
/// Unbalanced brackets are measured as far as they go (the parser then rejects them).
pub fn expression_depth(source: &str) -> usize {
    scan(source).depth
}

/// What a scan of an expression's text finds.
struct Scan {
    depth: usize,
    /// The first integer (index or slice bound) larger than [`MAX_EXPRESSION_INTEGER`].
    large_integer: Option<String>,
}

/// One bracket level while scanning: operators so far in the current element, the
/// deepest bracket level inside it, and the deepest finished element.
#[derive(Default)]
struct Level {
    steps: usize,
    child: usize,
    finished: usize,
}

impl Level {
    fn element(&self) -> usize {
        self.steps.saturating_add(self.child)
    }

    fn depth(&self) -> usize {
        self.finished.max(self.element()).saturating_add(1)
    }
}

fn scan(source: &str) -> Scan {
    let mut root = Level::default();
    // The bracket levels open at this point, innermost last.
    let mut open: Vec<Level> = Vec::new();
    let mut large_integer = None;
    let mut chars = source.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let level = open.last_mut().unwrap_or(&mut root);
        match c {
            // Literals, as the jmespath lexer reads them: up to the unescaped closing
            // quote; a backslash escapes the next character.
            '\'' | '"' | '`' => {
                while let Some((_, inner)) = chars.next() {
                    if inner == '\\' {
                        chars.next();
                    } else if inner == c {
                        break;
                    }
                }
            }
            // `[` builds two nodes (a projection and its flatten, filter or slice; or
            // a sub-expression and its index), `(` and `{` one (a function, a hash).
            '[' => {
                level.steps = level.steps.saturating_add(2);
                open.push(Level::default());
            }
            '(' | '{' => {
                level.steps = level.steps.saturating_add(1);
                open.push(Level::default());
            }
            ')' | ']' | '}' => close(&mut root, &mut open),
            ',' => {
                level.finished = level.finished.max(level.element());
                level.steps = 0;
                level.child = 0;
            }
            // Two-character operators count once.
            '|' | '&' | '=' | '<' | '>' | '!' => {
                if let Some(&(_, next)) = chars.peek()
                    && (next == '=' || (next == c && (c == '|' || c == '&')))
                {
                    chars.next();
                }
                level.steps = level.steps.saturating_add(1);
            }
            '.' | '?' => level.steps = level.steps.saturating_add(1),
            // A projection over an object's values: two nodes.
            '*' => level.steps = level.steps.saturating_add(2),
            // Identifiers (`job2`): letters, digits and underscores, none of them counted.
            'a'..='z' | 'A'..='Z' | '_' => {
                while chars
                    .next_if(|&(_, d)| d.is_ascii_alphanumeric() || d == '_')
                    .is_some()
                {}
            }
            '0'..='9' => {
                let mut end = at + c.len_utf8();
                while let Some((i, d)) = chars.next_if(|&(_, d)| d.is_ascii_digit()) {
                    end = i + d.len_utf8();
                }
                let digits = &source[at..end];
                let too_large = digits
                    .parse::<u64>()
                    .map_or(true, |n| n > MAX_EXPRESSION_INTEGER);
                if too_large && large_integer.is_none() {
                    large_integer = Some(digits.to_owned());
                }
            }
            _ => {}
        }
    }
    // Close whatever is still open, innermost first.
    while !open.is_empty() {
        close(&mut root, &mut open);
    }
    Scan {
        depth: root.depth(),
        large_integer,
    }
}

/// Closes the innermost open level, if any (a stray closing bracket closes nothing).
fn close(root: &mut Level, open: &mut Vec<Level>) {
    if let Some(inner) = open.pop() {
        let outer = open.last_mut().unwrap_or(root);
        outer.child = outer.child.max(inner.depth());
    }
}

/// Refuses an expression that is too long, too deep or has a too large integer, before
/// anything parses it.
pub(crate) fn check_expression(source: &str) -> Result<(), ProblemKind> {
    if source.len() > MAX_EXPRESSION_BYTES {
        return Err(ProblemKind::ExpressionTooLong {
            start: preview(source, 40),
            length: source.len(),
            limit: MAX_EXPRESSION_BYTES,
        });
    }
    let scan = scan(source);
    if scan.depth > MAX_EXPRESSION_DEPTH {
        return Err(ProblemKind::ExpressionTooDeep {
            expression: preview(source, 80),
            depth: scan.depth,
            limit: MAX_EXPRESSION_DEPTH,
        });
    }
    if let Some(integer) = scan.large_integer {
        return Err(ProblemKind::ExpressionIntegerTooLarge {
            expression: preview(source, 80),
            integer,
            limit: MAX_EXPRESSION_INTEGER,
        });
    }
    Ok(())
}

/// The first `length` characters of a text, and `…` if there are more, for messages.
fn preview(text: &str, length: usize) -> String {
    match text.char_indices().nth(length) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Refuses a model text longer than [`MAX_MODEL_BYTES`].
pub(crate) fn check_model_size(text: &str) -> Result<(), ProblemKind> {
    if text.len() > MAX_MODEL_BYTES {
        return Err(ProblemKind::ModelTooLarge {
            size: text.len() as u64,
            limit: MAX_MODEL_BYTES as u64,
        });
    }
    Ok(())
}

/// The problem of a name with control characters.
pub(crate) fn control_characters(what: &'static str, value: &str) -> ProblemKind {
    ProblemKind::ControlCharacters {
        what,
        value: value.to_owned(),
    }
}

/// Why a model file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadModelError {
    /// The path names something other than a regular file.
    #[error("{kind}, not a regular file")]
    NotAFile {
        /// What it is: `a directory`, `a FIFO (named pipe)`, `a character device`, ...
        kind: &'static str,
    },
    /// The file is larger than [`MAX_MODEL_BYTES`].
    #[error("the file is larger than {limit} bytes, the limit for waiter models")]
    TooLarge {
        /// [`MAX_MODEL_BYTES`].
        limit: usize,
    },
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Reads a waiter model file: only a regular file (symbolic links are followed), at most
/// [`MAX_MODEL_BYTES`], UTF-8.
///
/// A FIFO, a socket, a device (`/dev/zero`) or a directory is refused from its metadata,
/// before it is opened, so reading never blocks or runs on without end.
pub fn read_model_file(path: &Path) -> Result<String, ReadModelError> {
    let metadata = std::fs::metadata(path)?;
    check_regular(metadata.file_type())?;
    if metadata.len() > MAX_MODEL_BYTES as u64 {
        return Err(ReadModelError::TooLarge {
            limit: MAX_MODEL_BYTES,
        });
    }
    let file = open_nonblocking(path)?;
    // The path may have been replaced between the two looks; check what was opened.
    check_regular(file.metadata()?.file_type())?;
    let mut bytes = Vec::new();
    file.take(MAX_MODEL_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_MODEL_BYTES {
        return Err(ReadModelError::TooLarge {
            limit: MAX_MODEL_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| ReadModelError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Opens for reading without waiting for a writer, should the path have become a FIFO.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn check_regular(file_type: FileType) -> Result<(), ReadModelError> {
    if file_type.is_file() {
        return Ok(());
    }
    Err(ReadModelError::NotAFile {
        kind: describe_file_type(file_type),
    })
}

fn describe_file_type(file_type: FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_of_typical_expressions() {
        assert_eq!(expression_depth("jobs"), 1);
        assert_eq!(expression_depth("jobs[].status"), 5);
        assert_eq!(expression_depth("!!!jobs"), 4);
        assert_eq!(
            expression_depth("length(jobs[?status == 'FAILED']) > `0`"),
            9
        );
        assert_eq!(expression_depth("a[0][1][2]"), 8);
        // Siblings in a list do not add up.
        assert_eq!(expression_depth("[a.b.c, d.e.f]"), 6);
        assert_eq!(expression_depth("[a.b.c, d]"), 6);
        // Literals are opaque, whatever they hold.
        assert_eq!(expression_depth("`[[[[1]]]]` == 'a.b.c(('"), 2);
        assert_eq!(expression_depth(r"'it\'s ((' == `\`[`"), 2);
    }

    #[test]
    fn depth_counts_unbalanced_text_too() {
        assert_eq!(expression_depth("(((("), 9);
        assert_eq!(expression_depth("))))a"), 1);
    }

    #[test]
    fn large_integers_are_found() {
        assert_eq!(scan("jobs[1000000]").large_integer, None);
        assert_eq!(
            scan("jobs[1:2:2147483647]").large_integer.as_deref(),
            Some("2147483647")
        );
        assert_eq!(
            scan("jobs[99999999999999999999999]")
                .large_integer
                .as_deref(),
            Some("99999999999999999999999")
        );
        assert_eq!(scan("`12345678901` == a").large_integer, None);
        assert_eq!(scan("job12345678901 == a").large_integer, None);
    }
}
