//! Keys → actions → `update()` → commands, without a terminal or daemon.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use srec::config::tui::KeyBindings;
use srec::streamer::StreamerState;
use srec::tui::input::action_for;
use srec::tui::state::{Mode, Pane};
use srec::tui::{Action, AppState, Command, KeyMap, Op, Outcome, update};

use crate::tui_fixtures as fx;

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Feeds key presses through the keymap and `update()`; returns every
/// command produced.
fn press(state: &mut AppState, keys: &KeyMap, evs: &[KeyEvent]) -> Vec<Command> {
    let mut out = Vec::new();
    for ev in evs {
        if let Some(a) = action_for(state, keys, ev) {
            out.extend(update(state, a));
        }
    }
    out
}

fn chars(s: &str) -> Vec<KeyEvent> {
    s.chars().map(key).collect()
}

#[test]
fn navigation_toggle_check_and_stop_target_the_selection() {
    let keys = KeyMap::default();
    let mut s = AppState::new(fx::live());
    assert_eq!(s.selected, Some(1));
    assert!(press(&mut s, &keys, &[key('j'), code(KeyCode::Down)]).is_empty());
    assert_eq!(s.selected, Some(3), "carol");
    let cmds = press(&mut s, &keys, &[key('d'), key('r'), key('s')]);
    assert_eq!(
        cmds,
        vec![
            Command::SetEnabled {
                id: 3,
                name: "carol".into(),
                enabled: false
            },
            Command::CheckNow {
                id: 3,
                name: "carol".into()
            },
        ],
        "carol is not recording: no stop command"
    );
    assert_eq!(s.message.as_ref().map(|m| m.error), Some(true));
    press(&mut s, &keys, &[key('G')]);
    assert_eq!(s.selected, Some(4));
    assert!(
        press(&mut s, &keys, &[key('r')]).is_empty(),
        "dave is disabled"
    );
    press(&mut s, &keys, &[key('g'), key('k')]);
    assert_eq!(s.selected, Some(1), "clamped at the top");
    assert_eq!(
        press(&mut s, &keys, &[key('s')]),
        vec![Command::StopRecording {
            id: 1,
            name: "alice".into()
        }]
    );
}

#[test]
fn tab_moves_focus_and_downloads_pane_targets_its_streamer() {
    let keys = KeyMap::default();
    let mut s = AppState::new(fx::live());
    press(&mut s, &keys, &[code(KeyCode::Tab)]);
    assert_eq!(s.focus, Pane::Downloads);
    press(&mut s, &keys, &[key('j')]);
    assert_eq!(s.selected_download, Some(9));
    assert_eq!(
        press(&mut s, &keys, &[key('s')]),
        vec![Command::StopRecording {
            id: 2,
            name: "bob_music".into()
        }]
    );
    press(&mut s, &keys, &[code(KeyCode::Tab), code(KeyCode::Tab)]);
    assert_eq!(s.focus, Pane::Logs);
    press(&mut s, &keys, &[key('k'), key('k')]);
    assert_eq!(s.log_scroll, 2);
    press(
        &mut s,
        &keys,
        &[KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)],
    );
    assert_eq!(s.focus, Pane::Pipeline);
}

#[test]
fn remove_asks_first() {
    let keys = KeyMap::default();
    let mut s = AppState::new(fx::live());
    assert!(press(&mut s, &keys, &[key('x'), key('n')]).is_empty());
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(
        press(&mut s, &keys, &[key('x'), key('y')]),
        vec![Command::Remove {
            id: 1,
            name: "alice".into()
        }]
    );
}

#[test]
fn add_validates_inline_then_submits_and_reports() {
    let keys = KeyMap::default();
    let mut s = AppState::new(fx::live());
    press(&mut s, &keys, &[key('a')]);
    assert!(press(&mut s, &keys, &[code(KeyCode::Enter)]).is_empty());
    let Mode::Add(form) = &s.mode else {
        panic!("add popup open")
    };
    assert_eq!(
        form.error.as_deref(),
        Some("enter the channel or stream URL")
    );
    // Typing clears the error; keys bound elsewhere (`d`, `q`) are text here.
    press(&mut s, &keys, &chars("rtmp://dq.example/x"));
    let Mode::Add(form) = &s.mode else { panic!() };
    assert_eq!(
        (form.url.as_str(), form.error.as_ref()),
        ("rtmp://dq.example/x", None)
    );
    assert!(press(&mut s, &keys, &[code(KeyCode::Enter)]).is_empty());
    let Mode::Add(form) = &s.mode else { panic!() };
    assert!(
        form.error
            .as_deref()
            .unwrap_or("")
            .contains("unsupported URL scheme `rtmp`")
    );
    for _ in 0..form.url.len() {
        press(&mut s, &keys, &[code(KeyCode::Backspace)]);
    }
    press(&mut s, &keys, &chars("http://127.0.0.1:9/room/zed"));
    let cmds = press(&mut s, &keys, &[code(KeyCode::Enter)]);
    let [Command::AddStreamer(new)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!((new.name.as_str(), new.platform.as_str()), ("zed", "fake"));
    // While pending, more keys do nothing; a database error comes back inline.
    assert!(press(&mut s, &keys, &[code(KeyCode::Enter)]).is_empty());
    update(
        &mut s,
        Action::Done(Outcome {
            op: Op::Add,
            result: Err("disk full".into()),
        }),
    );
    let Mode::Add(form) = &s.mode else { panic!() };
    assert_eq!(
        (form.pending, form.error.as_deref()),
        (false, Some("disk full"))
    );
    press(&mut s, &keys, &[code(KeyCode::Enter)]);
    update(
        &mut s,
        Action::Done(Outcome {
            op: Op::Add,
            result: Ok("added `zed`".into()),
        }),
    );
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(
        s.message.as_ref().map(|m| m.text.as_str()),
        Some("added `zed`")
    );
}

#[test]
fn filter_narrows_and_escape_clears() {
    let keys = KeyMap::default();
    let mut s = AppState::new(fx::live());
    press(&mut s, &keys, &[key('/')]);
    press(&mut s, &keys, &chars("CAR"));
    assert_eq!(s.visible_streamers().len(), 1);
    assert_eq!(s.selected, Some(3), "selection follows the filter");
    press(&mut s, &keys, &[code(KeyCode::Enter)]);
    assert_eq!((s.mode.clone(), s.filter.as_str()), (Mode::Normal, "CAR"));
    press(&mut s, &keys, &[code(KeyCode::Esc)]);
    assert_eq!(s.visible_streamers().len(), 4);
}

#[test]
fn quit_shuts_down_once_and_a_second_quit_forces() {
    let keys = KeyMap::default();
    let mut s = AppState::new(fx::live());
    press(&mut s, &keys, &[key('?')]);
    assert_eq!(s.mode, Mode::Help);
    press(&mut s, &keys, &[key('q')]);
    assert_eq!(s.mode, Mode::Normal, "any key closes the help");
    assert_eq!(press(&mut s, &keys, &[key('q')]), vec![Command::Shutdown]);
    assert!(
        press(&mut s, &keys, &[key('a'), key('d')]).is_empty(),
        "ignored while stopping"
    );
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(press(&mut s, &keys, &[ctrl_c]), vec![Command::ForceExit]);
    // Ctrl+C also quits from inside a popup, and a signal acts like quit.
    let mut s = AppState::new(fx::live());
    press(&mut s, &keys, &[key('a')]);
    assert_eq!(press(&mut s, &keys, &[ctrl_c]), vec![Command::Shutdown]);
    let mut s = AppState::new(fx::live());
    assert_eq!(update(&mut s, Action::Terminate), vec![Command::Shutdown]);
    assert_eq!(update(&mut s, Action::Terminate), vec![Command::ForceExit]);
}

#[test]
fn configured_keys_replace_defaults() {
    let keys = KeyMap::from_config(&KeyBindings {
        down: vec!["n".into()],
        quit: vec!["ctrl+q".into()],
        ..KeyBindings::default()
    })
    .unwrap();
    let mut s = AppState::new(fx::live());
    press(&mut s, &keys, &[key('j')]);
    assert_eq!(s.selected, Some(1), "j is no longer bound");
    press(&mut s, &keys, &[key('n')]);
    assert_eq!(s.selected, Some(2));
    assert!(press(&mut s, &keys, &[key('q')]).is_empty());
    let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(press(&mut s, &keys, &[ctrl_q]), vec![Command::Shutdown]);
}

#[test]
fn refresh_keeps_selection_on_the_same_streamer() {
    let mut s = AppState::new(fx::live());
    update(&mut s, Action::Down);
    assert_eq!(s.selected, Some(2));
    let mut data = fx::live();
    data.streamers.retain(|r| r.id != 1);
    data.streamers[0].state = StreamerState::NotLive;
    update(&mut s, Action::Refresh(Box::new(data.clone())));
    assert_eq!(s.selected, Some(2), "by id, not by row");
    data.streamers.retain(|r| r.id != 2);
    update(&mut s, Action::Refresh(Box::new(data)));
    assert_eq!(s.selected, Some(3), "falls back to the first row");
}

#[test]
fn example_config_states_the_default_keys() {
    let file = srec::config::parse_str(
        srec::config::EXAMPLE_CONFIG,
        std::path::Path::new("example"),
    )
    .unwrap();
    assert_eq!(file.tui, srec::config::ConfigFile::default().tui);
}

#[test]
fn bad_bindings_are_config_errors_with_the_key() {
    let err = srec::config::parse_str(
        "[tui.keys]\nadd = [\"hyper+a\"]\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("tui.keys.add") && err.contains("unknown modifier"),
        "{err}"
    );
    let err = srec::config::parse_str(
        "[tui.keys]\nadd = [\"j\"]\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("already bound to `down`"), "{err}");
    let err = srec::config::parse_str("[tui]\nkey = {}\n", std::path::Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("key"), "{err}");
}

#[test]
fn in_the_pipeline_pane_r_retries_a_failed_job_and_x_cancels_a_running_one() {
    use srec::tui::data::{JobRow, JobStatus};
    let keys = KeyMap::default();
    let mut data = fx::live();
    data.jobs = Some(vec![
        JobRow {
            id: 7,
            status: JobStatus::Running,
            kind: "remux".into(),
            target: "a.flv".into(),
            progress: Some(0.4),
            steps: (0, 2),
        },
        JobRow {
            id: 4,
            status: JobStatus::Failed,
            kind: "upload".into(),
            target: "b.mp4".into(),
            progress: None,
            steps: (1, 2),
        },
    ]);
    let mut s = AppState::new(data);
    s.focus = Pane::Pipeline;
    assert_eq!(s.selected_job, Some(7));
    assert_eq!(
        press(&mut s, &keys, &[key('x')]),
        vec![Command::CancelJob { id: 7 }]
    );
    assert!(
        press(&mut s, &keys, &[key('r')]).is_empty(),
        "a running job is not retried"
    );
    press(&mut s, &keys, &[key('j')]);
    assert_eq!(s.selected_job, Some(4));
    assert_eq!(
        press(&mut s, &keys, &[key('r')]),
        vec![Command::RetryJob { id: 4 }]
    );
    assert!(
        press(&mut s, &keys, &[key('x')]).is_empty(),
        "already ended"
    );
}
