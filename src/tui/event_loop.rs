//! The dashboard loop: `select!` over outside actions (signals, command
//! results), a data tick, a frame tick and the terminal's event stream.
//! Every input becomes an [`Action`] for `update()`; the resulting
//! [`Command`]s go to the executor, except shutdown, which the loop runs
//! itself while it keeps drawing the progress.

use std::future::Future;
use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use tokio_util::task::TaskTracker;

use super::action::{Action, Command};
use super::source::{Collector, Services};
use super::state::AppState;
use super::view::{Snapshot, Theme};
use super::{exec, input, update::update};
use crate::config::keys::KeyMap;
use crate::logging::memory::LogBuffer;

/// Data refresh period; open sessions and disk space every fourth tick.
const TICK: Duration = Duration::from_millis(250);
/// At most 10 frames per second, and only when something changed.
const FRAME: Duration = Duration::from_millis(100);

/// The dashboard could not keep running.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    #[error("terminal error: {0}")]
    Terminal(String),
}

/// How the loop ended.
#[derive(Debug)]
pub enum LoopEnd<R> {
    /// The graceful shutdown ran to completion; its result.
    ShutDown(R),
    /// Quit twice: leave without waiting for the shutdown.
    Forced,
}

/// What the loop works with.
pub struct Dashboard {
    pub svc: Services,
    pub logs: LogBuffer,
    pub keys: KeyMap,
    pub theme: Theme,
    /// Where executor tasks run (the daemon's tracker).
    pub tracker: TaskTracker,
}

/// Runs until the user quits (or `actions` delivers `Terminate`) and the
/// `shutdown` future, started only then, has finished.
pub async fn run<B, E, F>(
    dash: Dashboard,
    term: &mut Terminal<B>,
    mut events: E,
    actions: (
        mpsc::UnboundedSender<Action>,
        mpsc::UnboundedReceiver<Action>,
    ),
    shutdown: F,
) -> Result<LoopEnd<F::Output>, LoopError>
where
    B: Backend,
    E: Stream<Item = io::Result<Event>> + Unpin,
    F: Future,
{
    let (tx, mut rx) = actions;
    let mut collector = Collector::new(dash.svc.clone(), dash.logs.clone());
    collector.refresh_slow().await;
    let mut state = AppState::new(collector.collect());
    if let Ok(size) = term.size() {
        state.set_size(size.width, size.height);
    }
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut frame = tokio::time::interval(FRAME);
    frame.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut ticks: u64 = 0;
    let mut dirty = true;
    let mut drawn_second = i64::MIN;
    let mut shutting_down = false;
    let mut input_open = true;
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let mut incoming: Vec<Action> = Vec::new();
        tokio::select! {
            Some(a) = rx.recv() => incoming.push(a),
            _ = tick.tick() => {
                ticks += 1;
                if ticks.is_multiple_of(4) && !shutting_down {
                    collector.refresh_slow().await;
                }
                collector.capture_logs(state.log_level);
                let data = collector.collect();
                if data != state.data {
                    incoming.push(Action::Refresh(Box::new(data)));
                }
                if shutting_down {
                    let remaining = dash.svc.downloads.counts().0;
                    if state.shutdown.and_then(|s| s.remaining) != Some(remaining) {
                        incoming.push(Action::ShutdownProgress { remaining });
                    }
                }
            }
            _ = frame.tick() => {
                let now = crate::db::now_ms();
                if dirty || now / 1000 != drawn_second {
                    let snap = Snapshot {
                        state: &state,
                        keys: &dash.keys,
                        now_ms: now,
                        utc_offset_s: chrono::Local::now().offset().local_minus_utc(),
                        theme: dash.theme,
                    };
                    term.draw(|f| f.render_widget(&snap, f.area()))
                        .map_err(|e| LoopError::Terminal(e.to_string()))?;
                    dirty = false;
                    drawn_second = now / 1000;
                }
            }
            ev = events.next(), if input_open => match ev {
                Some(Ok(Event::Key(k))) => incoming.extend(input::action_for(&state, &dash.keys, &k)),
                Some(Ok(Event::Paste(text))) => incoming.extend(input::paste_actions(&state, &text)),
                Some(Ok(Event::Resize(width, height))) => {
                    incoming.push(Action::Resize { width, height });
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(LoopError::Terminal(e.to_string())),
                // The terminal went away (hang-up): stop reading it and
                // shut down as for a signal.
                None => {
                    input_open = false;
                    if !shutting_down {
                        incoming.push(Action::Terminate);
                    }
                }
            },
            r = &mut shutdown, if shutting_down => return Ok(LoopEnd::ShutDown(r)),
        }
        for action in incoming {
            dirty = true;
            for cmd in update(&mut state, action) {
                match cmd {
                    Command::Shutdown => {
                        tracing::info!("quit from the dashboard; shutting down");
                        shutting_down = true;
                    }
                    Command::ForceExit => return Ok(LoopEnd::Forced),
                    cmd => exec::spawn(cmd, dash.svc.clone(), &dash.tracker, tx.clone()),
                }
            }
        }
    }
}
