//! `update(&mut AppState, Action) -> Vec<Command>`: the only place the UI
//! state changes. Pure: no clock, no I/O, no service handle; what needs the
//! outside world comes back as a [`Command`] for the executor.

use tracing::Level;

use super::action::{Action, Command, Op, Outcome};
use super::data::JobStatus;
use super::state::{AddField, AddForm, AppState, Mode, Pane, Shutdown};
use crate::streamer::{NewStreamer, Priority};

/// Applies one action; returns the side effects to run.
pub fn update(s: &mut AppState, action: Action) -> Vec<Command> {
    match action {
        Action::Refresh(data) => {
            s.data = *data;
            s.clamp();
            Vec::new()
        }
        Action::Done(outcome) => {
            on_done(s, outcome);
            Vec::new()
        }
        Action::Resize { width, height } => {
            s.set_size(width, height);
            Vec::new()
        }
        Action::ShutdownProgress { remaining } => {
            if let Some(sd) = &mut s.shutdown {
                sd.remaining = Some(remaining);
            }
            Vec::new()
        }
        Action::Quit | Action::Terminate if s.shutdown.is_some() => vec![Command::ForceExit],
        Action::Quit | Action::Terminate => {
            s.mode = Mode::Normal;
            s.shutdown = Some(Shutdown::default());
            vec![Command::Shutdown]
        }
        // Nothing else is accepted while the core shuts down.
        _ if s.shutdown.is_some() => Vec::new(),
        action => match &mut s.mode {
            Mode::Normal => normal(s, action),
            Mode::Help => {
                if matches!(action, Action::ToggleHelp | Action::Cancel | Action::Submit) {
                    s.mode = Mode::Normal;
                }
                Vec::new()
            }
            Mode::Filter => {
                filter(s, action);
                Vec::new()
            }
            Mode::Add(_) => add(s, action),
            Mode::ConfirmRemove { id, name } => {
                let cmd = Command::Remove {
                    id: *id,
                    name: name.clone(),
                };
                match action {
                    Action::Submit => {
                        s.mode = Mode::Normal;
                        vec![cmd]
                    }
                    Action::Cancel => {
                        s.mode = Mode::Normal;
                        Vec::new()
                    }
                    _ => Vec::new(),
                }
            }
        },
    }
}

fn normal(s: &mut AppState, action: Action) -> Vec<Command> {
    match action {
        Action::Up => step(s, -1),
        Action::Down => step(s, 1),
        Action::Top => step(s, isize::MIN),
        Action::Bottom => step(s, isize::MAX),
        Action::NextPane => s.focus = s.next_shown_pane(true),
        Action::PrevPane => s.focus = s.next_shown_pane(false),
        Action::OpenAdd => s.mode = Mode::Add(AddForm::default()),
        Action::OpenFilter => s.mode = Mode::Filter,
        Action::ToggleHelp => s.mode = Mode::Help,
        Action::Cancel if !s.filter.is_empty() => {
            s.filter.clear();
            s.clamp();
        }
        Action::CycleLogLevel => {
            s.log_level = match s.log_level {
                Level::ERROR => Level::WARN,
                Level::WARN => Level::INFO,
                Level::INFO => Level::DEBUG,
                Level::DEBUG => Level::TRACE,
                _ => Level::ERROR,
            };
            s.clamp();
            let level = s.log_level.to_string().to_lowercase();
            s.say(format!("log pane shows {level} and above"), false);
        }
        // In the pipeline pane, the check key retries the selected run and
        // the remove key cancels it.
        Action::CheckNow | Action::AskRemove if s.focus == Pane::Pipeline => {
            return on_job(s, action);
        }
        Action::ToggleEnabled | Action::AskRemove | Action::CheckNow | Action::StopRecording => {
            return on_streamer(s, action);
        }
        _ => {}
    }
    Vec::new()
}

/// Moves the focused pane's selection by `delta` rows (saturating).
fn step(s: &mut AppState, delta: isize) {
    let moved = |len: usize, at: usize| -> usize {
        let last = len.saturating_sub(1) as isize;
        (at as isize).saturating_add(delta).clamp(0, last) as usize
    };
    match s.focus {
        Pane::Streamers => {
            let ids: Vec<i64> = s.visible_streamers().iter().map(|r| r.id).collect();
            let at = ids
                .iter()
                .position(|id| Some(*id) == s.selected)
                .unwrap_or(0);
            s.selected = ids.get(moved(ids.len(), at)).copied();
        }
        Pane::Downloads => {
            let ids: Vec<u64> = s.data.downloads.iter().map(|d| d.download_id).collect();
            let at = ids
                .iter()
                .position(|id| Some(*id) == s.selected_download)
                .unwrap_or(0);
            s.selected_download = ids.get(moved(ids.len(), at)).copied();
        }
        // Up scrolls back in time: the offset counts from the newest line.
        Pane::Logs => {
            let last = s.visible_logs().count().saturating_sub(1) as isize;
            s.log_scroll = (s.log_scroll as isize).saturating_sub(delta).clamp(0, last) as usize;
        }
        Pane::Pipeline => {
            let ids: Vec<i64> = s.data.jobs.iter().flatten().map(|j| j.id).collect();
            let at = ids
                .iter()
                .position(|id| Some(*id) == s.selected_job)
                .unwrap_or(0);
            s.selected_job = ids.get(moved(ids.len(), at)).copied();
        }
    }
}

fn on_job(s: &mut AppState, action: Action) -> Vec<Command> {
    let Some(job) = s
        .data
        .jobs
        .iter()
        .flatten()
        .find(|j| Some(j.id) == s.selected_job)
    else {
        s.say("no pipeline job selected", true);
        return Vec::new();
    };
    let id = job.id;
    match (action, job.status) {
        (Action::CheckNow, JobStatus::Failed) => vec![Command::RetryJob { id }],
        (Action::CheckNow, _) => {
            s.say(
                format!("job {id} has not failed; only failed jobs are retried"),
                true,
            );
            Vec::new()
        }
        (_, JobStatus::Failed) => {
            s.say(format!("job {id} has already ended"), true);
            Vec::new()
        }
        _ => vec![Command::CancelJob { id }],
    }
}

fn on_streamer(s: &mut AppState, action: Action) -> Vec<Command> {
    let Some(row) = s.target() else {
        s.say("no streamer selected", true);
        return Vec::new();
    };
    let (id, name) = (row.id, row.name.clone());
    match action {
        Action::ToggleEnabled => vec![Command::SetEnabled {
            id,
            name,
            enabled: !row.enabled,
        }],
        Action::AskRemove => {
            s.mode = Mode::ConfirmRemove { id, name };
            Vec::new()
        }
        Action::CheckNow if !row.enabled => {
            s.say(format!("`{name}` is disabled; enable it first"), true);
            Vec::new()
        }
        Action::CheckNow => vec![Command::CheckNow { id, name }],
        Action::StopRecording if row.recording.is_none() => {
            s.say(format!("`{name}` is not recording"), true);
            Vec::new()
        }
        Action::StopRecording => vec![Command::StopRecording { id, name }],
        _ => Vec::new(),
    }
}

fn filter(s: &mut AppState, action: Action) {
    match action {
        Action::Input(c) => s.filter.push(c),
        Action::Backspace => {
            s.filter.pop();
        }
        Action::Submit => s.mode = Mode::Normal,
        Action::Cancel => {
            s.filter.clear();
            s.mode = Mode::Normal;
        }
        _ => {}
    }
    s.clamp();
}

fn add(s: &mut AppState, action: Action) -> Vec<Command> {
    let Mode::Add(form) = &mut s.mode else {
        return Vec::new();
    };
    if form.pending && action != Action::Cancel {
        return Vec::new();
    }
    let field = match form.field {
        AddField::Url => &mut form.url,
        AddField::Name => &mut form.name,
    };
    match action {
        Action::Input(c) => {
            field.push(c);
            form.error = None;
        }
        Action::Backspace => {
            field.pop();
            form.error = None;
        }
        Action::NextField => {
            form.field = match form.field {
                AddField::Url => AddField::Name,
                AddField::Name => AddField::Url,
            }
        }
        Action::Cancel => s.mode = Mode::Normal,
        Action::Submit => {
            let checked = validate_new(s);
            if let Mode::Add(form) = &mut s.mode {
                match checked {
                    Ok(new) => {
                        form.pending = true;
                        return vec![Command::AddStreamer(Box::new(new))];
                    }
                    Err(e) => form.error = Some(e),
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

/// What `srec add` checks, minus the database: URL scheme and host, a
/// non-empty name, and no streamer already on that URL.
fn validate_new(s: &AppState) -> Result<NewStreamer, String> {
    let Mode::Add(form) = &s.mode else {
        return Err("no add form open".into());
    };
    if form.url.trim().is_empty() {
        return Err("enter the channel or stream URL".into());
    }
    let name = Some(form.name.trim()).filter(|n| !n.is_empty());
    let admitted = crate::streamer::admission::admit(&form.url, name).map_err(|e| e.to_string())?;
    let resolved = admitted.resolved;
    if let Some(dup) = s.data.streamers.iter().find(|r| r.url == resolved.url) {
        return Err(format!(
            "`{}` is already monitored as `{}` (id {})",
            resolved.url, dup.name, dup.id
        ));
    }
    Ok(NewStreamer {
        url: resolved.url,
        name: admitted.name,
        platform: resolved.platform.to_string(),
        priority: Priority::Normal,
        enabled: true,
        template: None,
        overrides: Default::default(),
    })
}

fn on_done(s: &mut AppState, o: Outcome) {
    if let (Op::Add, Mode::Add(form)) = (o.op, &mut s.mode) {
        match &o.result {
            Ok(_) => s.mode = Mode::Normal,
            Err(e) => {
                form.pending = false;
                form.error = Some(e.clone());
                return;
            }
        }
    }
    match o.result {
        Ok(text) => s.say(text, false),
        Err(text) => s.say(text, true),
    }
}
