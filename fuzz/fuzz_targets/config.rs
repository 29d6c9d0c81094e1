//! Fuzz target: arbitrary text through the config loader
//! (`srec::config::parse_str`: TOML parsing, serde with key paths, every
//! semantic check and bound).
//!
//! Invariants beyond "no panic": an accepted config renders as TOML that
//! reads back identically (the API's PATCH rewrite relies on it), and its
//! redacted copy renders too (every printer relies on that).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = srec::config::parse_str(text, Path::new("fuzz.toml")) else {
        return;
    };
    let rendered = toml::to_string_pretty(&file).expect("an accepted config renders");
    let back = srec::config::parse_str(&rendered, Path::new("rendered.toml"))
        .expect("a rendered config reads back");
    assert_eq!(back, file, "round trip changed the config:\n{rendered}");
    let redacted = file.redacted();
    toml::to_string_pretty(&redacted).expect("a redacted config renders");
});
