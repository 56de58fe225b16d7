//! Text from users and the service, made safe to print: control characters (newlines,
//! carriage returns, terminal escapes), line separators and bidirectional overrides are
//! shown as Rust escapes (`\n`, `\u{1b}`), so no job id, status reason or error message
//! can start a line of its own, forge a result line or rewrite the terminal.
//!
//! Every text line the tool prints goes through [`text`]; JSON output does not need it
//! (serde escapes control characters in strings).

use std::borrow::Cow;

/// `text` with unsafe characters escaped; borrowed when there are none.
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    waiters_runtime::model::limits::escape_unsafe(text)
}

/// Whether `text` has characters [`text`] would escape.
pub(crate) fn has_unsafe(text: &str) -> bool {
    waiters_runtime::model::limits::has_control_characters(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_lines_stay_on_one_line() {
        let status_reason = "X\nsuccess: Batch job j SUCCEEDED (exit code 0)";
        assert_eq!(
            text(status_reason),
            "X\\nsuccess: Batch job j SUCCEEDED (exit code 0)"
        );
        assert_eq!(text("\r\u{1b}[2K\u{7}"), "\\r\\u{1b}[2K\\u{7}");
        assert_eq!(text("a\u{2028}b\u{202e}c"), "a\\u{2028}b\\u{202e}c");
        // Ordinary text, quotes and backslashes included, is left alone.
        assert!(matches!(text("job \"x\" \\ é"), Cow::Borrowed(_)));
        assert!(has_unsafe("a\tb") && !has_unsafe("a b"));
    }
}
