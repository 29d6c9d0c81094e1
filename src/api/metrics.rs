//! `GET /api/metrics`: the daemon's state in the Prometheus text format,
//! encoded by `prometheus-client`. Counters and the check-latency
//! histogram live in the services that update them (download manager,
//! monitor); gauges are read at scrape time from memory and SQLite. A fresh
//! registry per scrape keeps the code free of shared registration state;
//! registering a metric only clones its `Arc`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use rusqlite::Connection;

use super::state::ApiState;
use crate::db::DbError;
use crate::streamer::StreamerState;

/// Label of per-state gauges.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

/// What the scrape reads from SQLite.
#[derive(Debug, Default)]
struct DbFigures {
    /// Newest outbox id minus the slowest durable consumer's cursor.
    outbox_backlog: i64,
    /// Breakers by state (`open`, `half_open`).
    breakers: Vec<(String, i64)>,
}

fn db_figures(c: &Connection) -> Result<DbFigures, DbError> {
    let outbox_backlog = c.query_row(
        "SELECT COALESCE((SELECT MAX(id) FROM monitor_event_outbox), 0)
              - COALESCE((SELECT MIN(last_id) FROM outbox_cursors),
                         (SELECT MAX(id) FROM monitor_event_outbox), 0)",
        [],
        |r| r.get::<_, i64>(0),
    )?;
    let mut st = c.prepare("SELECT state, COUNT(*) FROM circuit_breakers GROUP BY state")?;
    let breakers = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DbFigures {
        outbox_backlog: outbox_backlog.max(0),
        breakers,
    })
}

fn gauge(v: i64) -> Gauge {
    let g = Gauge::default();
    g.set(v);
    g
}

/// Renders every metric (the response body).
pub async fn render(st: &ApiState) -> Result<String, DbError> {
    let figures = st.db.read(db_figures).await?;
    let output_dir = st.config.current().recording.output_dir.clone();
    let output_dir = output_dir.unwrap_or_else(|| st.config.paths().default_output_dir());
    let free = tokio::task::spawn_blocking(move || crate::download::disk::free_bytes(&output_dir))
        .await
        .ok()
        .and_then(Result::ok);

    let mut reg = Registry::with_prefix("srec");
    let by_state = Family::<StateLabels, Gauge>::default();
    let streamers = st.streamers.list();
    for s in StreamerState::ALL {
        let n = streamers.iter().filter(|x| x.state == s).count();
        by_state
            .get_or_create(&StateLabels {
                state: s.as_str().into(),
            })
            .set(n as i64);
    }
    reg.register("streamers", "Streamers by state", by_state);
    let (active, queued, _) = st.downloads.counts();
    reg.register(
        "active_recordings",
        "Downloads running now",
        gauge(active as i64),
    );
    reg.register(
        "queued_recordings",
        "Downloads waiting for a slot",
        gauge(queued as i64),
    );
    let running: u64 = st.downloads.snapshot().iter().map(|a| a.bytes).sum();
    reg.register(
        "recording_bytes",
        "Bytes received by the downloads running now",
        gauge(running as i64),
    );
    let m = &st.downloads.metrics;
    reg.register(
        "bytes_written",
        "Bytes of finalised segment files since the daemon started",
        m.segment_bytes.clone(),
    );
    reg.register(
        "download_failures",
        "Failed downloads by reason (http_STATUS, transient, fatal)",
        m.failures.clone(),
    );
    let breakers = Family::<StateLabels, Gauge>::default();
    for state in ["open", "half_open"] {
        let n = figures
            .breakers
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |x| x.1);
        breakers
            .get_or_create(&StateLabels {
                state: state.into(),
            })
            .set(n);
    }
    reg.register(
        "circuit_breakers",
        "Circuit breakers that are not closed, by state",
        breakers,
    );
    reg.register(
        "check_latency_seconds",
        "Time of each platform request of a live check",
        st.monitor.check_latency.clone(),
    );
    reg.register(
        "outbox_backlog",
        "Outbox events not yet handled by the slowest durable consumer",
        gauge(figures.outbox_backlog),
    );
    if let Some(free) = free {
        reg.register(
            "output_free_bytes",
            "Free bytes on the filesystem of the global output folder",
            gauge(i64::try_from(free).unwrap_or(i64::MAX)),
        );
    }
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &reg);
    Ok(text)
}
