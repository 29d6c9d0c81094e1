//! `srec run`: start the core services, with the dashboard on the terminal
//! (or headless with `--no-tui`, or when stdin/stdout is not a terminal),
//! and run until quit or SIGINT/SIGTERM, then shut down gracefully within
//! `daemon.shutdown_timeout`. A second quit or signal during shutdown exits
//! at once.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use tokio::sync::mpsc;

use super::Ctx;
use crate::app::ServiceContainer;
use crate::logging::memory::LogBuffer;
use crate::logging::{DaemonLogging, LogOutput, override_filter};
use crate::tui::{self, Action, Dashboard, KeyMap, LoopEnd, Services, Theme};

#[derive(Debug, Args)]
pub struct RunCmd {
    /// Run headless (no dashboard): logs to stderr and the log files
    #[arg(long)]
    pub no_tui: bool,
}

impl RunCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        let config = ctx.load_config()?;
        let keys = KeyMap::from_config(&config.tui.keys)
            .map_err(|(key, msg)| anyhow::anyhow!("invalid `{key}`: {msg}"))?;
        let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
        let pane = (!self.no_tui && terminal).then(|| LogBuffer::new(tui::LOG_LINES));
        let output = match &pane {
            Some(buf) => LogOutput::Pane(buf.clone()),
            None => LogOutput::Stderr,
        };
        let logging = Arc::new(DaemonLogging::init(
            &ctx.paths.logs_dir(),
            config.daemon.log_retention_days,
            &config.daemon.log_level,
            override_filter(ctx.verbose, ctx.quiet),
            output,
        )?);
        if !self.no_tui && !terminal {
            tracing::warn!(
                "stdin/stdout is not a terminal: running headless without the dashboard (pass --no-tui to say so)"
            );
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("srec-worker")
            .build()?;
        match pane {
            Some(logs) => rt.block_on(run_dashboard(ctx.clone(), logging, logs, keys)),
            None => rt.block_on(run_daemon(ctx.clone(), logging)),
        }
    }
}

/// Builds and starts the services; logs the ready line.
async fn start_core(ctx: &Ctx, logging: Arc<DaemonLogging>) -> anyhow::Result<ServiceContainer> {
    let started = Instant::now();
    let container = ServiceContainer::build(ctx.paths.clone(), crate::download::engines()?).await?;
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
    // The API and the scheduler run: tell systemd (Type=notify).
    crate::app::sd_notify::ready(container.cancel_token(), container.tracker());
    Ok(container)
}

async fn run_daemon(ctx: Ctx, logging: Arc<DaemonLogging>) -> anyhow::Result<()> {
    // Handlers first: a SIGTERM right after the ready line must not kill
    // the process with the default action.
    let mut signals = Signals::new()?;
    let container = start_core(&ctx, logging).await?;
    let name = signals.next().await;
    let deadline = container.config.current().daemon.shutdown_timeout;
    crate::app::sd_notify::stopping();
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

/// The dashboard owns the terminal until the core has shut down; signals
/// reach it as [`Action::Terminate`].
async fn run_dashboard(
    ctx: Ctx,
    logging: Arc<DaemonLogging>,
    logs: LogBuffer,
    keys: KeyMap,
) -> anyhow::Result<()> {
    let started_at_ms = crate::db::now_ms();
    let mut signals = Signals::new()?;
    let container = start_core(&ctx, logging).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let signal_tx = tx.clone();
    let forward = tokio::spawn(async move {
        loop {
            let name = signals.next().await;
            tracing::info!("{name} received");
            if signal_tx.send(Action::Terminate).is_err() {
                return;
            }
        }
    });
    let dash = Dashboard {
        svc: Services::of(&container, started_at_ms),
        logs,
        keys,
        theme: Theme::from_env(),
        tracker: container.tracker().clone(),
    };
    let deadline = container.config.current().daemon.shutdown_timeout;
    // Not polled until the user quits; still ours if the terminal fails.
    let mut shutdown = Box::pin(async move {
        crate::app::sd_notify::stopping();
        container.shutdown(deadline).await
    });
    let ended = match tui::terminal::TerminalGuard::enter() {
        Ok(mut guard) => {
            let events = crossterm::event::EventStream::new();
            let ended = tui::run(dash, &mut guard.term, events, (tx, rx), &mut shutdown).await;
            drop(guard);
            ended
        }
        Err(e) => Err(tui::LoopError::Terminal(e.to_string())),
    };
    forward.abort();
    let report = match ended {
        Ok(LoopEnd::ShutDown(report)) => report,
        Ok(LoopEnd::Forced) => {
            tracing::error!("quit again during shutdown; exiting immediately");
            eprintln!("srec: exited before the shutdown finished");
            std::process::exit(130);
        }
        Err(e) => {
            tracing::error!("dashboard failed: {e}; shutting down");
            eprintln!("srec: dashboard failed: {e}; shutting down");
            shutdown.await
        }
    };
    tracing::info!(
        clean = report.clean,
        "shutdown complete in {} ms",
        report.elapsed.as_millis()
    );
    eprintln!(
        "srec: shutdown complete in {} ms{}; logs in {}",
        report.elapsed.as_millis(),
        if report.clean {
            ""
        } else {
            " (some tasks were still running)"
        },
        ctx.paths.logs_dir().display()
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
