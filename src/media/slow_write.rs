//! Test-only knob: a slow disk under chosen output files.
//!
//! When `SREC_TEST_SLOW_WRITE` is `PATTERN=MS`, every write of recorded
//! bytes to a file whose path contains `PATTERN` first sleeps `MS`
//! milliseconds on the thread doing the write, as a `write(2)` does when
//! the disk is stalled by writeback. Benchmarks (`benches/slow_disk.py`)
//! and tests use it to check that one recording on a slow disk does not
//! hold up the others. Unset (always, outside tests) it costs one branch.
//! Not for production use.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// Environment variable of the knob.
pub const TEST_SLOW_WRITE_ENV: &str = "SREC_TEST_SLOW_WRITE";

/// `(pattern, delay)` from the environment, read once.
fn knob() -> Option<&'static (String, Duration)> {
    static KNOB: OnceLock<Option<(String, Duration)>> = OnceLock::new();
    KNOB.get_or_init(|| parse(&std::env::var(TEST_SLOW_WRITE_ENV).ok()?))
        .as_ref()
}

/// `PATTERN=MS` → `(PATTERN, MS ms)`; anything else (logged) → `None`.
fn parse(value: &str) -> Option<(String, Duration)> {
    let parsed = value
        .rsplit_once('=')
        .filter(|(pattern, _)| !pattern.is_empty())
        .and_then(|(pattern, ms)| Some((pattern.to_string(), ms.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((pattern, ms)) => {
            tracing::warn!(%pattern, ms, "{TEST_SLOW_WRITE_ENV}: test-only slow writes enabled");
            Some((pattern, Duration::from_millis(ms)))
        }
        None => {
            tracing::warn!("{TEST_SLOW_WRITE_ENV}={value:?} ignored: expected PATTERN=MS");
            None
        }
    }
}

/// Slow paths set by unit tests (the environment is shared by all tests of
/// the process, so they register unique patterns here instead).
#[cfg(test)]
static FOR_TESTS: std::sync::Mutex<Vec<(String, Duration)>> = std::sync::Mutex::new(Vec::new());

/// Makes writes to paths containing `pattern` sleep `delay` (tests only).
#[cfg(test)]
pub fn slow_for_tests(pattern: &str, delay: Duration) {
    FOR_TESTS.lock().unwrap().push((pattern.to_string(), delay));
}

/// Called before each write of recorded bytes to `path`: sleeps if the knob
/// names it (see the module docs).
pub fn before_write(path: &Path) {
    #[cfg(test)]
    {
        let text = path.to_string_lossy();
        let delay = FOR_TESTS
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _)| text.contains(p.as_str()))
            .map(|(_, d)| *d);
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
    }
    if let Some((pattern, delay)) = knob()
        && path.to_string_lossy().contains(pattern.as_str())
    {
        std::thread::sleep(*delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pattern_and_milliseconds() {
        assert_eq!(
            parse("slow_room=250"),
            Some(("slow_room".into(), Duration::from_millis(250)))
        );
        assert_eq!(
            parse("a=b=10"),
            Some(("a=b".into(), Duration::from_millis(10)))
        );
        assert_eq!(parse("=10"), None);
        assert_eq!(parse("room"), None);
        assert_eq!(parse("room=soon"), None);
    }
}
