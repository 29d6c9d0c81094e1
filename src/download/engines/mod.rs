//! Engine implementations of the [`Engine`](super::Engine) contract.

pub mod mesio;

pub use mesio::MesioEngine;
