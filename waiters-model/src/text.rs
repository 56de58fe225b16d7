//! Text from outside printed on one line: which characters would change how a terminal
//! shows it, and how they are escaped. Shared by the limits (names are checked) and the
//! error messages (what they quote is escaped).

/// Whether a name, id or other short text from outside has characters that would
/// change how a terminal shows the line it is printed on: control characters (newline,
/// carriage return, escape, ...), line and paragraph separators, and bidirectional
/// overrides.
pub fn has_control_characters(text: &str) -> bool {
    text.chars().any(is_unsafe_char)
}

/// The characters [`has_control_characters`] looks for.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with the characters of [`is_unsafe_char`] written as Rust escapes (`\n`,
/// `\u{1b}`); everything else, backslashes included, unchanged. For printing text that
/// came from outside on one line.
pub fn escape_unsafe(text: &str) -> std::borrow::Cow<'_, str> {
    if !has_control_characters(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    std::borrow::Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_touches_only_unsafe_characters() {
        assert_eq!(escape_unsafe("plain \\ \"text\" é"), "plain \\ \"text\" é");
        assert_eq!(
            escape_unsafe("X\nsuccess: \u{1b}[2J\u{202e}"),
            "X\\nsuccess: \\u{1b}[2J\\u{202e}"
        );
        assert!(has_control_characters("a\tb"));
        assert!(!has_control_characters("a b"));
    }
}
