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
pub mod dto_sessions;
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
