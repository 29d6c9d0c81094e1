//! The executor: runs a [`Command`] against the service handles on the
//! daemon's task tracker and reports back an [`Action::Done`], so the UI
//! never waits on the database.

use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

use super::action::{Action, Command, Op, Outcome};
use super::source::Services;
use crate::db::DbError;

/// Starts `cmd`; its outcome arrives on `done`. `Shutdown`/`ForceExit` are
/// the event loop's business and ignored here.
pub fn spawn(
    cmd: Command,
    svc: Services,
    tracker: &TaskTracker,
    done: mpsc::UnboundedSender<Action>,
) {
    tracker.spawn(async move {
        if let Some(outcome) = run(cmd, &svc).await {
            match &outcome.result {
                Ok(m) => tracing::info!("dashboard: {m}"),
                Err(e) => tracing::warn!("dashboard: {e}"),
            }
            let _ = done.send(Action::Done(outcome));
        }
    });
}

/// Runs one command to its outcome.
pub async fn run(cmd: Command, svc: &Services) -> Option<Outcome> {
    let (op, result) = match cmd {
        Command::AddStreamer(mut new) => {
            // The same admission as `srec add` and the API: sites only
            // streamlink's plugins know become platform `streamlink`.
            if new.platform == "generic" {
                let resolved = crate::platform::ResolvedUrl {
                    url: new.url.clone(),
                    platform: "generic",
                    suggested_name: new.name.clone(),
                };
                let binary = svc.config.current().engines.streamlink.path.clone();
                let admitted =
                    crate::platform::streamlink::admit::admit_async(resolved, binary).await;
                new.platform = admitted.resolved.platform.to_string();
            }
            let r = svc
                .streamers
                .add(*new)
                .await
                .map(|s| format!("added `{}` (id {}, {}) {}", s.name, s.id, s.platform, s.url));
            (Op::Add, r.map_err(|e| add_error(&e)))
        }
        Command::SetEnabled { id, name, enabled } => {
            let r = svc.streamers.set_enabled(id, enabled).await;
            let verb = if enabled { "enabled" } else { "disabled" };
            let r = match r {
                Ok(true) => Ok(format!("{verb} `{name}`")),
                Ok(false) => Err(format!("`{name}` was already {verb} or is gone")),
                Err(e) => Err(format!("cannot change `{name}`: {e}")),
            };
            (Op::Toggle, r)
        }
        Command::Remove { id, name } => {
            let r = match svc.streamers.remove(id).await {
                Ok(true) => Ok(format!("removed `{name}` (recorded files are kept)")),
                Ok(false) => Err(format!("`{name}` was already removed")),
                Err(e) => Err(format!("cannot remove `{name}`: {e}")),
            };
            (Op::Remove, r)
        }
        Command::CheckNow { id, name } => {
            let r = if svc.scheduler.check_now(id) {
                Ok(format!("checking `{name}` now"))
            } else {
                Err(format!("`{name}` has no running check (disabled?)"))
            };
            (Op::Check, r)
        }
        Command::StopRecording { id, name } => {
            let r = if svc.downloads.stop_by_user(id) {
                Ok(format!(
                    "stopped by you: `{name}` records again at its next live session"
                ))
            } else {
                Err(format!("`{name}` is not recording"))
            };
            (Op::Stop, r)
        }
        Command::RetryJob { id } => {
            let r = match svc.pipeline.retry(id).await {
                Ok(Some(true)) => Ok(format!("job {id} queued again from its failed steps")),
                Ok(Some(false)) => Err(format!("job {id} has not finished")),
                Ok(None) => Err(format!("job {id} is gone")),
                Err(e) => Err(format!("cannot retry job {id}: {e}")),
            };
            (Op::Job, r)
        }
        Command::CancelJob { id } => {
            let r = match svc.pipeline.cancel(id).await {
                Ok(true) => Ok(format!("job {id} cancelled")),
                Ok(false) => Err(format!("job {id} is gone")),
                Err(e) => Err(format!("cannot cancel job {id}: {e}")),
            };
            (Op::Job, r)
        }
        Command::Shutdown | Command::ForceExit => return None,
    };
    Some(Outcome { op, result })
}

fn add_error(e: &DbError) -> String {
    match e {
        DbError::DuplicateUrl { url, existing_id } => {
            format!("`{url}` is already monitored (streamer {existing_id})")
        }
        e => format!("cannot add: {e}"),
    }
}
