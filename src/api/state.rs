//! What handlers share: narrow handles to the daemon's services, cloned
//! cheaply into every request.

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use crate::config::ConfigService;
use crate::db::Db;
use crate::download::DownloadManager;
use crate::monitor::StreamMonitor;
use crate::scheduler::Scheduler;
use crate::streamer::StreamerManager;

use super::health::Liveness;

/// Handle passed to every handler (`State<ApiState>`).
#[derive(Clone)]
pub struct ApiState(Arc<Shared>);

/// The services the API reads and drives.
pub struct Shared {
    pub streamers: Arc<StreamerManager>,
    pub downloads: Arc<DownloadManager>,
    /// The live checks (their latency histogram for `/api/metrics`).
    pub monitor: Arc<StreamMonitor>,
    pub scheduler: Arc<Scheduler>,
    pub config: Arc<ConfigService>,
    pub db: Db,
    /// Post-processing jobs (cancel stops running processes).
    pub pipeline: Arc<crate::pipeline::PipelineManager>,
    /// False once the scheduler task has ended (readiness fails).
    pub scheduler_alive: Liveness,
    /// `SREC_API_TOKEN` as read at start; wins over `api.token`.
    pub env_token: Option<String>,
    /// Bound to a non-loopback address: a token is mandatory.
    pub remote: bool,
    /// The OpenAPI document, rendered once the router is assembled.
    pub openapi: OnceLock<String>,
    /// Serialises `PATCH /api/config` (read-modify-write of the file).
    pub config_write: tokio::sync::Mutex<()>,
}

impl ApiState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// The token requests must carry, if any: the environment's, else the
    /// config's (so rotating `api.token` applies on reload).
    pub fn token(&self) -> Option<String> {
        self.env_token
            .clone()
            .or_else(|| self.config.current().api.token.clone())
            .filter(|t| !t.is_empty())
    }
}

impl Deref for ApiState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}
