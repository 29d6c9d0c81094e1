//! Characters XML 1.0 cannot hold (or that break readers) removed from chat
//! text before it is escaped: C0 controls except tab/newline/return, DEL
//! and C1 controls, and the non-characters U+FEFF/U+FFFE/U+FFFF (the same
//! set BililiveRecorder strips). Rust strings never hold lone surrogates.

use std::borrow::Cow;

/// Whether `c` may appear in the file.
fn allowed(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => false,
        '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    }
}

/// `s` without the characters XML cannot hold (borrowed when clean).
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| allowed(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn strips_controls_and_noncharacters_only() {
        assert_eq!(clean("a\u{0}b\u{1b}c\u{7f}\u{85}d\u{feff}\u{ffff}"), "abcd");
        assert_eq!(
            clean("tab\there\nnew\rline 弹幕 🎉"),
            "tab\there\nnew\rline 弹幕 🎉"
        );
        assert!(matches!(clean("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
