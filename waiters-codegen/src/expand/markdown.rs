//! Text for generated doc comments: model text made safe for rustdoc, and code spans and
//! blocks that survive the backticks JMESPath literals contain.

/// Model text made safe for a doc comment: no intra-doc links, HTML tags or bare URLs
/// that rustdoc would warn about in the user's crate.
pub(super) fn doc_text(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    escaped
        .split(' ')
        .map(|word| {
            if word.starts_with("http://") || word.starts_with("https://") {
                format!("<{word}>")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fenced code block holding `text` verbatim, with a fence longer than any run of
/// backticks inside it.
pub(super) fn fenced(language: &str, text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}{language}\n{text}\n{fence}")
}

/// Inline code for `text`: backticks, with spaces and longer delimiters when the text has
/// backticks of its own (JMESPath literals do).
pub(super) fn inline_code(text: &str) -> String {
    if !text.contains('`') {
        return format!("`{text}`");
    }
    let ticks = "`".repeat(longest_backtick_run(text) + 1);
    format!("{ticks} {text} {ticks}")
}

/// The length of the longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_text_escapes_what_rustdoc_warns_about() {
        assert_eq!(doc_text("see [x] <b>"), "see \\[x\\] &lt;b&gt;");
        assert_eq!(
            doc_text("at https://example.com now"),
            "at <https://example.com> now"
        );
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(inline_code("jobs[].status"), "`jobs[].status`");
        assert_eq!(
            inline_code("length(jobs) == `0`"),
            "`` length(jobs) == `0` ``"
        );
        assert_eq!(fenced("json", "{}"), "```json\n{}\n```");
        assert_eq!(fenced("", "a ``` b"), "````\na ``` b\n````");
    }
}
