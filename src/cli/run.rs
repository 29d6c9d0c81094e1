//! `srec run`: start the core services and run until SIGINT/SIGTERM, then
//! shut down gracefully within `daemon.shutdown_timeout`. A second signal
//! during shutdown exits at once.

use std::sync::Arc;
use std::time::Instant;

use clap::Args;

use super::Ctx;
use crate::app::ServiceContainer;
use crate::logging::{DaemonLogging, override_filter};

#[derive(Debug, Args)]
pub struct RunCmd {
    /// Run headless (no dashboard): logs to stderr and the log files
    #[arg(long)]
    pub no_tui: bool,
}

impl RunCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        let config = ctx.load_config()?;
        let logging = Arc::new(DaemonLogging::init(
            &ctx.paths.logs_dir(),
            config.daemon.log_retention_days,
            &config.daemon.log_level,
            override_filter(ctx.verbose, ctx.quiet),
            true,
        )?);
        if !self.no_tui {
            tracing::warn!("the dashboard is not available in this build yet; running headless");
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("srec-worker")
            .build()?;
        rt.block_on(run_daemon(ctx.clone(), logging))
    }
}

async fn run_daemon(ctx: Ctx, logging: Arc<DaemonLogging>) -> anyhow::Result<()> {
    let started = Instant::now();
    let container = ServiceContainer::build(ctx.paths.clone(), crate::download::engines()).await?;
    container.start()?;
    spawn_log_level_reload(&container, logging);
    let r = container.recovery;
    if r.streamers_reset + r.sessions_closed + r.segments_closed > 0 {
        tracing::warn!(
            streamers_reset = r.streamers_reset,
            sessions_closed = r.sessions_closed,
            segments_closed = r.segments_closed,
            "recovered from an unclean stop"
        );
    }
    tracing::info!(
        streamers = container.streamers.len(),
        config = %ctx.paths.config_file.display(),
        data_dir = %ctx.paths.data_dir.display(),
        pid = std::process::id(),
        "srec ready in {} ms",
        started.elapsed().as_millis()
    );

    let mut signals = Signals::new()?;
    let name = signals.next().await;
    let deadline = container.config.current().daemon.shutdown_timeout;
    tracing::info!(
        "{name} received; shutting down (deadline {})",
        humantime::format_duration(deadline)
    );
    let report = tokio::select! {
        report = container.shutdown(deadline) => report,
        again = signals.next() => {
            tracing::error!("{again} received again; exiting immediately");
            std::process::exit(130);
        }
    };
    tracing::info!(
        clean = report.clean,
        "shutdown complete in {} ms",
        report.elapsed.as_millis()
    );
    Ok(())
}

/// Follows `daemon.log_level` across config reloads.
fn spawn_log_level_reload(container: &ServiceContainer, logging: Arc<DaemonLogging>) {
    let mut rx = container.config.subscribe();
    let cancel = container.cancel_token();
    container.tracker().spawn(async move {
        let mut level = rx.borrow().daemon.log_level.clone();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                changed = rx.changed() => if changed.is_err() { return },
            }
            let new = rx.borrow().daemon.log_level.clone();
            if new != level {
                logging.apply_config_level(&new);
                level = new;
            }
        }
    });
}

/// SIGINT and SIGTERM as one stream.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl+C"
        }
    }
}
