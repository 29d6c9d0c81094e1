//! Binding and serving: the address policy (loopback unless explicitly
//! allowed with a token), a clear error when the port is taken, request
//! logging, and graceful stop on the daemon's CancellationToken.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tokio_util::sync::CancellationToken;

use crate::config::model::ApiSettings;

/// The API could not be started; the daemon exits 1 with this message.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "cannot start the REST API: port {port} on {address} is already in use \
         (another srec daemon or program?); change `api.port` in {} (0 picks a free port) \
         or set `api.enabled = false`",
        config.display()
    )]
    PortInUse {
        address: IpAddr,
        port: u16,
        config: PathBuf,
    },
    #[error("cannot start the REST API on {addr} (`api.address`/`api.port` in {})", config.display())]
    Bind {
        addr: SocketAddr,
        config: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "refusing to serve the REST API on {address}: it is not a loopback address; \
         set `api.allow_remote = true` and a token (`api.token` or SREC_API_TOKEN), \
         or bind 127.0.0.1"
    )]
    RemoteRefused { address: IpAddr },
}

/// A bound listener, not yet serving.
#[derive(Debug)]
pub struct ApiServer {
    listener: std::net::TcpListener,
    addr: SocketAddr,
}

impl ApiServer {
    /// Applies the address policy and binds. `token` is the effective token
    /// (environment or config). Synchronous so the daemon fails before it
    /// starts any task.
    pub fn bind(
        settings: &ApiSettings,
        token: Option<&str>,
        config: PathBuf,
    ) -> Result<Self, ServeError> {
        let address = settings.address;
        let remote_ok = settings.allow_remote && token.is_some_and(|t| !t.is_empty());
        if !address.is_loopback() && !remote_ok {
            return Err(ServeError::RemoteRefused { address });
        }
        let addr = SocketAddr::new(address, settings.port);
        let listener = std::net::TcpListener::bind(addr).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AddrInUse {
                ServeError::PortInUse {
                    address,
                    port: settings.port,
                    config: config.clone(),
                }
            } else {
                ServeError::Bind {
                    addr,
                    config: config.clone(),
                    source,
                }
            }
        })?;
        let bind_err = |source| ServeError::Bind {
            addr,
            config: config.clone(),
            source,
        };
        listener.set_nonblocking(true).map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        Ok(Self { listener, addr })
    }

    /// The bound address (with the real port when `api.port = 0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `cancel` fires, then lets in-flight requests finish.
    pub async fn serve(self, router: Router, cancel: CancellationToken) {
        let listener = match tokio::net::TcpListener::from_std(self.listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("REST API disabled: cannot register its socket: {e}");
                return;
            }
        };
        tracing::info!("REST API listening on http://{}", self.addr);
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(cancel.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::error!("REST API stopped: {e}");
        }
    }
}

/// Logs every request: changes at info (they alter the daemon), reads at
/// debug (the dashboard and scripts poll).
pub async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    if method == Method::GET || method == Method::HEAD {
        tracing::debug!(%method, %path, status, ms, "api request");
    } else {
        tracing::info!(%method, %path, status, ms, "api request");
    }
    resp
}

/// `SREC_API_TOKEN`, when set and not empty.
pub fn env_token() -> Option<String> {
    std::env::var(super::TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(address: &str, port: u16, allow_remote: bool) -> ApiSettings {
        ApiSettings {
            address: address.parse().unwrap(),
            port,
            allow_remote,
            ..ApiSettings::default()
        }
    }

    #[test]
    fn remote_needs_permission_and_token() {
        let cfg = PathBuf::from("c.toml");
        for (allow, token) in [(false, None), (false, Some("tok-12345")), (true, None)] {
            let err =
                ApiServer::bind(&settings("0.0.0.0", 0, allow), token, cfg.clone()).unwrap_err();
            assert!(matches!(err, ServeError::RemoteRefused { .. }), "{err}");
            assert!(err.to_string().contains("api.allow_remote"), "{err}");
        }
        let ok = ApiServer::bind(&settings("0.0.0.0", 0, true), Some("tok-12345"), cfg).unwrap();
        assert_ne!(ok.local_addr().port(), 0);
    }

    #[test]
    fn port_in_use_names_port_and_key() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = ApiServer::bind(&settings("127.0.0.1", port, false), None, "c.toml".into())
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&format!("port {port}")), "{msg}");
        assert!(msg.contains("api.port"), "{msg}");
    }
}
