//! Persistence of the [`DownloadManager`]'s circuit breakers: changes go to
//! the [`Store`] (for `srec status` and the next start), and the breakers
//! of the previous run come back before the first download is submitted.

use super::{DownloadManager, Store};
use crate::download::breaker;

impl DownloadManager {
    /// Persists breaker changes through `store` (for `srec status` and the
    /// next start) and takes back the breakers the store read from the
    /// previous run; call before the first download is submitted.
    pub fn set_store(&self, mut store: Store) {
        let rows = store.take_restored();
        *self.store.lock().unwrap_or_else(|p| p.into_inner()) = Some(store);
        self.restore_breakers(rows);
    }

    /// Restores persisted breakers (see [`Breakers::restore`](breaker::Breakers::restore)) and writes
    /// back what changed (expired rows deleted, dead trials reopened).
    pub fn restore_breakers(&self, rows: Vec<breaker::Change>) {
        if rows.is_empty() {
            return;
        }
        let changes = self.lock().breakers.restore(rows, crate::db::now_ms());
        for c in changes
            .iter()
            .filter(|c| c.state != breaker::BreakerState::Closed)
        {
            tracing::info!(
                breaker = c.key,
                retry_at = c.retry_at,
                "circuit breaker still open from the previous run"
            );
        }
        self.save(changes);
    }

    pub(super) fn save(&self, changes: Vec<breaker::Change>) {
        if let Some(s) = self
            .store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            s.save(changes);
        }
    }
}
