//! Health: `/api/health/live` says the process answers; `/api/health` and
//! `/api/health/ready` check the database, the scheduler task, the download
//! manager and free space in the output folder (503 when one fails).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::state::ApiState;

/// Below this much free space in the output folder the daemon is not ready.
pub const MIN_FREE_BYTES: u64 = 256 * 1024 * 1024;

/// A database that does not answer within this is reported as failing.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether a tracked task is still running.
#[derive(Debug, Clone, Default)]
pub struct Liveness(Arc<AtomicBool>);

impl Liveness {
    /// Runs `fut`, reporting alive from now until it returns.
    pub fn track<F: Future<Output = ()>>(&self, fut: F) -> impl Future<Output = ()> + use<F> {
        let flag = Arc::clone(&self.0);
        flag.store(true, Ordering::SeqCst);
        async move {
            fut.await;
            flag.store(false, Ordering::SeqCst);
        }
    }

    pub fn is_alive(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// `ok` or `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Ok,
    Fail,
}

/// One checked component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Component {
    pub status: ComponentStatus,
    /// What was found, e.g. free bytes or the database error.
    pub detail: String,
}

/// Answer of `/api/health/live`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Live {
    /// Always `ok`.
    pub status: String,
    pub version: String,
    pub pid: u32,
}

/// Answer of `/api/health` and `/api/health/ready`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` when every component is, else `unavailable`.
    pub status: String,
    pub version: String,
    pub components: Components,
}

/// The checked components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Components {
    pub db: Component,
    pub scheduler: Component,
    pub downloads: Component,
    pub disk: Component,
}

impl Health {
    fn ready(&self) -> bool {
        let c = &self.components;
        [&c.db, &c.scheduler, &c.downloads, &c.disk]
            .iter()
            .all(|c| c.status == ComponentStatus::Ok)
    }
}

/// The process is up (no authentication, for supervisors).
#[utoipa::path(operation_id = "health_live", get, path = "/api/health/live", tag = "health", security(()),
    responses((status = 200, description = "The daemon process answers", body = Live)))]
pub async fn live() -> Json<Live> {
    Json(Live {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        pid: std::process::id(),
    })
}

/// Component health; always 200 so monitoring can read the details.
#[utoipa::path(operation_id = "health", get, path = "/api/health", tag = "health",
    responses(
        (status = 200, description = "Health of every component", body = Health),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
    ))]
pub async fn health(State(st): State<ApiState>) -> Json<Health> {
    Json(check(&st).await)
}

/// Readiness: 200 when every component is healthy, else 503.
#[utoipa::path(operation_id = "health_ready", get, path = "/api/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "A component failed", body = Health),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
    ))]
pub async fn ready(State(st): State<ApiState>) -> (StatusCode, Json<Health>) {
    let h = check(&st).await;
    let code = if h.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(h))
}

async fn check(st: &ApiState) -> Health {
    let db = st
        .db
        .call(|c| Ok(c.query_row("SELECT count(*) FROM streamers", [], |r| r.get::<_, i64>(0))?));
    let db = match tokio::time::timeout(DB_TIMEOUT, db).await {
        Ok(Ok(n)) => ok(format!("{n} streamer(s) stored")),
        Ok(Err(e)) => fail(format!("{e}")),
        Err(_) => fail(format!("no answer within {DB_TIMEOUT:?}")),
    };
    let scheduler = if st.scheduler_alive.is_alive() {
        ok("running".into())
    } else {
        fail("the scheduler task has stopped".into())
    };
    let (active, queued, limit) = st.downloads.counts();
    let downloads = ok(format!("{active}/{limit} slots used, {queued} queued"));
    let dir = st
        .config
        .current()
        .recording
        .output_dir
        .clone()
        .unwrap_or_else(|| st.config.paths().default_output_dir());
    let disk = tokio::task::spawn_blocking(move || disk(&dir))
        .await
        .unwrap_or_else(|e| fail(format!("disk check failed: {e}")));
    let mut h = Health {
        status: String::new(),
        version: env!("CARGO_PKG_VERSION").into(),
        components: Components {
            db,
            scheduler,
            downloads,
            disk,
        },
    };
    h.status = if h.ready() { "ok" } else { "unavailable" }.into();
    h
}

/// Free space of the filesystem holding `dir` (or its nearest existing
/// ancestor: the folder is created on the first recording).
fn disk(dir: &Path) -> Component {
    let mut probe: PathBuf = dir.to_path_buf();
    while !probe.exists() {
        match probe.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe = p.to_path_buf(),
            _ => return fail(format!("no existing folder above {}", dir.display())),
        }
    }
    match rustix::fs::statvfs(&probe) {
        Ok(s) => {
            let free = s.f_bavail.saturating_mul(s.f_frsize);
            let text = format!(
                "{} free in {}",
                bytesize::ByteSize::b(free).display().iec(),
                dir.display()
            );
            if free >= MIN_FREE_BYTES {
                ok(text)
            } else {
                fail(format!("only {text}"))
            }
        }
        Err(e) => fail(format!("cannot stat {}: {e}", probe.display())),
    }
}

fn ok(detail: String) -> Component {
    Component {
        status: ComponentStatus::Ok,
        detail,
    }
}

fn fail(detail: String) -> Component {
    Component {
        status: ComponentStatus::Fail,
        detail,
    }
}
