//! The CLI's side of the REST API: finds a running daemon's API through the
//! lock file, authenticates with the configured token, and turns error
//! bodies into readable messages. Commands call [`with_daemon`] and fall
//! back to the database when no daemon (or no API) is there; the daemon
//! then notices the database edit within 250 ms.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Ctx;
use crate::api::error::ErrorBody;

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The daemon answered with an error body.
    #[error("{message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
    },
    /// Nothing answered at the advertised address.
    #[error("cannot reach the daemon's REST API at {addr}")]
    Unreachable {
        addr: SocketAddr,
        #[source]
        source: reqwest::Error,
    },
    #[error("unexpected answer from the daemon's REST API: {0}")]
    Protocol(String),
    #[error("cannot start the HTTP client")]
    Runtime(#[source] std::io::Error),
}

/// A connection to a running daemon's API.
pub struct DaemonClient {
    addr: SocketAddr,
    pid: u32,
    token: Option<String>,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
}

impl DaemonClient {
    /// The running daemon's API, if a daemon holds the lock and advertises one.
    pub fn connect(ctx: &Ctx) -> Result<Option<Self>, ClientError> {
        let Some(info) = crate::app::lock::probe(&ctx.paths.lock_file()) else {
            return Ok(None);
        };
        let Some(addr) = info.api else {
            return Ok(None);
        };
        let token = crate::api::server::env_token().or_else(|| {
            ctx.load_config()
                .ok()
                .and_then(|c| c.api.token.filter(|t| !t.is_empty()))
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ClientError::Runtime)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(15))
            .no_proxy()
            .build()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Some(Self {
            addr,
            pid: info.pid,
            token,
            http,
            rt,
        }))
    }

    /// Pid of the daemon behind this API.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// GET `path` and decode the JSON answer.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<(), T>(Method::GET, path, None)?
            .ok_or_else(|| ClientError::Protocol(format!("empty answer to GET {path}")))
    }

    /// Sends `method path` with an optional JSON body; `None` for 204.
    pub fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Option<T>, ClientError> {
        let url = format!("http://{}{path}", self.addr);
        let mut req = self.http.request(method, url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        self.rt.block_on(async {
            let resp = req
                .send()
                .await
                .map_err(|source| ClientError::Unreachable {
                    addr: self.addr,
                    source,
                })?;
            let status = resp.status();
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
            if status.is_success() {
                if bytes.is_empty() {
                    return Ok(None);
                }
                return serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| ClientError::Protocol(e.to_string()));
            }
            Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(b) => ClientError::Api {
                    status: status.as_u16(),
                    message: explain(status.as_u16(), &b.error.message),
                    code: b.error.code,
                    field: b.error.field,
                },
                Err(_) => ClientError::Protocol(format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes)
                )),
            })
        })
    }
}

fn explain(status: u16, message: &str) -> String {
    if status == 401 {
        format!(
            "the running daemon refused the request: {message}; give the CLI the daemon's \
             token through SREC_API_TOKEN or `api.token` in the config"
        )
    } else {
        message.to_string()
    }
}

/// Runs `f` against the running daemon's API. `Ok(None)` means "no daemon
/// API here, use the database": no daemon, `api.enabled = false`, or an
/// API that does not answer (a warning says so).
pub fn with_daemon<T>(
    ctx: &Ctx,
    f: impl FnOnce(&DaemonClient) -> Result<T, ClientError>,
) -> anyhow::Result<Option<T>> {
    let Some(client) = DaemonClient::connect(ctx)? else {
        return Ok(None);
    };
    match f(&client) {
        Ok(v) => Ok(Some(v)),
        Err(e @ ClientError::Unreachable { .. }) => {
            tracing::warn!(
                "{e}; writing to the database instead (the daemon picks the change up within a second)"
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
