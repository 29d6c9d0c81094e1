//! How the errors of the lower layers (`net`, `media`) map onto the engine
//! contract: here, in `download`, so those layers never import it.

use super::EngineError;
use crate::media::hls::HlsError;
use crate::net::NetError;

impl From<NetError> for EngineError {
    fn from(e: NetError) -> Self {
        match e {
            NetError::Http { status, url } => EngineError::Http { status, url },
            NetError::Network { .. } => EngineError::Network(e.to_string()),
            // Not retryable: the settings must be fixed first.
            NetError::Config(msg) => {
                EngineError::Unsupported(format!("invalid HTTP settings: {msg}"))
            }
            NetError::TooLarge { .. } => EngineError::Other(e.to_string()),
        }
    }
}

impl From<HlsError> for EngineError {
    fn from(e: HlsError) -> Self {
        match e {
            HlsError::Net(n) => n.into(),
            HlsError::Stalled(d) => EngineError::Stalled(d),
            HlsError::DiskFull { path } => EngineError::DiskFull { path },
            HlsError::Io { path, source } => EngineError::Io { path, source },
            HlsError::Unsupported(m) => EngineError::Unsupported(m),
            e @ (HlsError::NoVariant(_) | HlsError::Playlist { .. }) => {
                EngineError::Other(e.to_string())
            }
            e @ (HlsError::BadKey(_)
            | HlsError::Gap(_)
            | HlsError::Superseded(_)
            | HlsError::Internal(_)) => EngineError::Other(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_errors_keep_their_retry_meaning() {
        let e: EngineError = NetError::Http {
            status: 503,
            url: "x".into(),
        }
        .into();
        assert!(matches!(e, EngineError::Http { status: 503, .. }) && e.retryable());
        let e: EngineError = NetError::Config("bad proxy".into()).into();
        assert!(!e.retryable());
        let e: EngineError = NetError::Network {
            url: "x".into(),
            detail: "reset".into(),
        }
        .into();
        assert!(matches!(e, EngineError::Network(_)) && e.retryable());
    }
}
