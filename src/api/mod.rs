//! The daemon's REST API: an axum router on loopback (`[api]` in the config)
//! used by the CLI while a daemon runs and by scripts. Every route is
//! registered through `utoipa-axum`, so the OpenAPI document served at
//! `/api/openapi.json` is built from the very handlers that answer.
//!
//! Layout: [`server`] binds and serves, [`auth`] checks the bearer token,
//! [`error`] and [`extract`] give every failure one JSON shape, [`routes`]
//! holds one module per resource, [`dto`] the wire types and [`openapi`] the
//! document and hand-written schemas for config types.

pub mod auth;
pub mod config_file;
pub mod dto;
pub mod error;
pub mod extract;
pub mod guard;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod queries;
pub mod routes;
pub mod schemas;
pub mod server;
pub mod state;

pub use error::ApiError;
pub use openapi::router;
pub use server::{ApiServer, ServeError};
pub use state::ApiState;

/// Largest request body accepted (413 above it).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Environment variable that supplies the token (wins over `api.token`).
pub const TOKEN_ENV: &str = "SREC_API_TOKEN";

/// Builds the API state from a container, binds (when `api.enabled`) and
/// returns the server to spawn; `None` when the API is disabled.
pub fn prepare(
    c: &crate::app::ServiceContainer,
    scheduler_alive: health::Liveness,
) -> Result<Option<(ApiServer, axum::Router)>, ServeError> {
    let settings = c.config.current().api.clone();
    if !settings.enabled {
        tracing::info!("REST API disabled (api.enabled = false)");
        return Ok(None);
    }
    let env_token = server::env_token();
    let token = env_token.clone().or_else(|| settings.token.clone());
    let server = ApiServer::bind(&settings, token.as_deref(), c.paths.config_file.clone())?;
    let state = ApiState::new(state::Shared {
        streamers: std::sync::Arc::clone(&c.streamers),
        downloads: std::sync::Arc::clone(&c.downloads),
        monitor: std::sync::Arc::clone(&c.monitor),
        scheduler: std::sync::Arc::clone(&c.scheduler),
        config: std::sync::Arc::clone(&c.config),
        db: c.db.clone(),
        pipeline: std::sync::Arc::clone(&c.pipeline),
        scheduler_alive,
        env_token,
        remote: !settings.address.is_loopback(),
        openapi: std::sync::OnceLock::new(),
        config_write: tokio::sync::Mutex::new(()),
    });
    Ok(Some((server, router(state))))
}
