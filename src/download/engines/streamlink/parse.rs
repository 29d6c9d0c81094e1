//! Reading streamlink's stderr: the error that explains its exit, typed so
//! the retry policy knows whether trying again can help.

use crate::download::engine::EngineError;

/// The error in streamlink's last stderr lines, if any.
pub fn classify(tail: &[String]) -> Option<EngineError> {
    for line in tail.iter().rev() {
        let l = line.trim();
        if l.contains("No playable streams found") {
            // Offline or geo-blocked right now: the monitor decides; retry.
            return Some(EngineError::Network(format!("streamlink: {l}")));
        }
        if l.contains("No plugin can handle URL") {
            return Some(EngineError::Unsupported(format!("streamlink: {l}")));
        }
        if let Some(status) = http_status(l) {
            return Some(EngineError::Http {
                status,
                url: format!("streamlink: {l}"),
            });
        }
        if l.contains("Unable to open URL")
            || l.contains("Failed to read data from stream")
            || l.contains("Error when reading from stream")
            || l.contains("Unable to open stream")
        {
            return Some(EngineError::Network(format!("streamlink: {l}")));
        }
        if l.contains("No space left on device") {
            return Some(EngineError::DiskFull {
                path: "streamlink output".into(),
            });
        }
    }
    None
}

/// `403 Client Error: Forbidden for url: …` → 403.
fn http_status(line: &str) -> Option<u16> {
    for marker in [" Client Error", " Server Error"] {
        if let Some(i) = line.find(marker) {
            let digits: String = line[..i]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if digits.len() == 3 {
                return digits.chars().rev().collect::<String>().parse().ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(l: &str) -> Option<EngineError> {
        classify(&[l.to_string()])
    }

    #[test]
    fn streamlink_errors_are_typed() {
        let e = c("error: No playable streams found on this URL: https://twitch.tv/x").unwrap();
        assert!(e.retryable(), "{e}");
        let e = c("error: Unable to open URL: https://h/x.m3u8 (403 Client Error: Forbidden for url: https://h/x.m3u8)")
            .unwrap();
        assert!(matches!(e, EngineError::Http { status: 403, .. }), "{e}");
        assert!(!e.retryable());
        let e = c("error: Unable to open URL: http://h (500 Server Error: Internal Server Error for url: http://h)")
            .unwrap();
        assert!(matches!(e, EngineError::Http { status: 500, .. }) && e.retryable());
        let e = c("error: Unable to open URL: http://127.0.0.1:9/x (HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded)").unwrap();
        assert!(matches!(e, EngineError::Network(_)));
        let e = c("error: No plugin can handle URL: foo://x").unwrap();
        assert!(!e.retryable());
        assert!(c("[cli][info] Stream ended").is_none());
    }
}
