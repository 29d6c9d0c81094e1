//! A step run's log: lines go to `job_logs` in small batches (so
//! `srec jobs logs -f` sees them while the step runs), capped per run.

use std::sync::Mutex;

use crate::db::Db;

/// Lines kept per step run; the rest are counted and dropped.
const MAX_LINES: usize = 5000;
/// Lines buffered before a write.
const BATCH: usize = 20;

/// The log of one step run.
pub struct JobLog {
    db: Db,
    step: i64,
    attempt: u32,
    state: Mutex<(Vec<(&'static str, String)>, usize)>,
}

impl JobLog {
    pub fn new(db: Db, step: i64, attempt: u32) -> Self {
        Self {
            db,
            step,
            attempt,
            state: Mutex::new((Vec::new(), 0)),
        }
    }

    /// Adds a line (written once a batch is full).
    pub async fn line(&self, stream: &'static str, line: String) {
        let full = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.1 += 1;
            if s.1 <= MAX_LINES {
                s.0.push((stream, line));
            }
            s.0.len() >= BATCH
        };
        if full {
            self.flush().await;
        }
    }

    /// A line from srec itself.
    pub async fn note(&self, text: impl Into<String>) {
        self.line("srec", text.into()).await;
        self.flush().await;
    }

    /// Writes what is buffered.
    pub async fn flush(&self) {
        let lines = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut s.0)
        };
        if lines.is_empty() {
            return;
        }
        let (step, attempt) = (self.step, self.attempt);
        let res = self
            .db
            .call(move |c| {
                let refs: Vec<(&str, String)> = lines.into_iter().collect();
                crate::db::jobs::append_log(c, step, attempt, &refs)
            })
            .await;
        if let Err(e) = res {
            tracing::warn!(step, "cannot write a job log: {e}");
        }
    }
}
