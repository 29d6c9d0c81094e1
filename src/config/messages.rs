//! Serde's type errors in the user's words: `invalid type: string "x",
//! expected usize` becomes `expected a whole number of 0 or more, got the
//! text "x"`. Used for the config file and for API bodies and queries,
//! since a user never wrote a `usize` or an `i128`.

/// Rewrites a serde "invalid type/value" message; other messages pass
/// through unchanged. `key` (dotted path) refines what a string must look like.
pub fn humanize(message: &str, key: &str) -> String {
    let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    else {
        return message.to_string();
    };
    let Some((got, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_string();
    };
    // serde_json appends the position, which the API reports by field.
    let expected = expected.split(" at line ").next().unwrap_or(expected);
    let expected = expected_words(expected.trim(), key);
    format!("expected {expected}, got {}", got_words(got.trim()))
}

fn expected_words(expected: &str, key: &str) -> String {
    let words = match expected {
        "usize" | "u64" | "u128" => "a whole number of 0 or more",
        "u32" => "a whole number from 0 to 4294967295",
        "u16" => "a whole number from 0 to 65535",
        "u8" => "a whole number from 0 to 255",
        "isize" | "i64" | "i32" | "i16" | "i8" | "i128" => "a whole number",
        "f64" | "f32" => "a number",
        "a boolean" => "true or false",
        "parsable string" if key.ends_with("_size") || key.ends_with("memory_cap") => {
            "a size such as \"512 MiB\" or \"2 GB\""
        }
        "parsable string" => "a value in the documented format",
        other => return other.to_string(),
    };
    words.to_string()
}

fn got_words(got: &str) -> String {
    let unquote = |s: &str| s.trim_matches('`').to_string();
    if let Some(n) = got.strip_prefix("integer ") {
        let n = n.split(" as ").next().unwrap_or(n);
        return format!("the number {}", unquote(n));
    }
    if let Some(n) = got.strip_prefix("floating point ") {
        return format!("the number {}", unquote(n));
    }
    if let Some(b) = got.strip_prefix("boolean ") {
        return unquote(b);
    }
    if let Some(t) = got.strip_prefix("string ") {
        return format!("the text {t}");
    }
    got.to_string()
}

#[cfg(test)]
mod tests {
    use crate::config::load::test_error as err;

    #[test]
    fn numbers_and_booleans_are_explained_without_rust_types() {
        let cases = [
            (
                "[download]\nmax_concurrent = -1",
                "expected a whole number of 0 or more, got the number -1",
            ),
            (
                "[download]\nmax_concurrent = 99999999999999999999",
                "got the number 99999999999999999999",
            ),
            (
                "[api]\nport = 70000",
                "expected a whole number from 0 to 65535, got the number 70000",
            ),
            (
                "[api]\nenabled = \"maybe\"",
                "expected true or false, got the text \"maybe\"",
            ),
            (
                "[download.retry]\njitter = \"x\"",
                "expected a number, got the text \"x\"",
            ),
            (
                "[recording]\nmin_segment_size = \"lots\"",
                "expected a size such as",
            ),
            ("[daemon]\nlog_retention_days = true", "got true"),
        ];
        for (text, want) in cases {
            let msg = err(text);
            assert!(msg.contains(want), "{text} -> {msg}");
            for rust in ["usize", "u16", "i128", "f64", "a boolean", "parsable"] {
                assert!(!msg.contains(rust), "{text} -> {msg}");
            }
        }
    }
}
