//! Counters the download manager keeps for `GET /api/metrics`: bytes of
//! finalised segments and download failures by reason. Prometheus types
//! (`prometheus-client`), cloned cheaply into the scrape's registry.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::events::DownloadEventKind;

/// Label of `srec_download_failures_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// `http_403`, `transient` (retryable, no status) or `fatal`: a small,
    /// bounded set so the series count stays low.
    pub reason: String,
}

/// The manager's counters since the daemon started.
#[derive(Debug, Clone, Default)]
pub struct DownloadMetrics {
    /// Bytes of segments closed (finalised files).
    pub segment_bytes: Counter,
    /// Failed downloads by reason.
    pub failures: Family<FailureLabels, Counter>,
}

impl DownloadMetrics {
    /// Counts what an engine event says.
    pub fn observe(&self, kind: &DownloadEventKind) {
        match kind {
            DownloadEventKind::SegmentClosed { bytes, .. } => {
                self.segment_bytes.inc_by(*bytes);
            }
            DownloadEventKind::Failed {
                retryable, status, ..
            } => {
                let reason = match (status, retryable) {
                    (Some(s), _) => format!("http_{s}"),
                    (None, true) => "transient".to_string(),
                    (None, false) => "fatal".to_string(),
                };
                self.failures.get_or_create(&FailureLabels { reason }).inc();
            }
            _ => {}
        }
    }
}
