//! Wires the REST API to the running services: the API layer only sees
//! [`ApiState`] (handles to the services), and this module, one layer up,
//! fills it from the [`ServiceContainer`], so `api` never imports `app`.

use std::sync::Arc;

use super::container::ServiceContainer;
use crate::api::health::Liveness;
use crate::api::state::Shared;
use crate::api::{ApiServer, ApiState, ServeError, router};

/// Builds the API state from a container, binds (when `api.enabled`) and
/// returns the server to spawn; `None` when the API is disabled.
pub fn prepare(
    c: &ServiceContainer,
    scheduler_alive: Liveness,
) -> Result<Option<(ApiServer, axum::Router)>, ServeError> {
    let settings = c.config.current().api.clone();
    if !settings.enabled {
        tracing::info!("REST API disabled (api.enabled = false)");
        return Ok(None);
    }
    let env_token = crate::api::server::env_token();
    let token = env_token.clone().or_else(|| settings.token.clone());
    let server = ApiServer::bind(&settings, token.as_deref(), c.paths.config_file.clone())?;
    let state = ApiState::new(Shared {
        streamers: Arc::clone(&c.streamers),
        downloads: Arc::clone(&c.downloads),
        monitor: Arc::clone(&c.monitor),
        scheduler: Arc::clone(&c.scheduler),
        config: Arc::clone(&c.config),
        db: c.db.clone(),
        pipeline: Arc::clone(&c.pipeline),
        scheduler_alive,
        env_token,
        remote: !settings.address.is_loopback(),
        openapi: std::sync::OnceLock::new(),
        config_write: tokio::sync::Mutex::new(()),
    });
    Ok(Some((server, router(state))))
}
