//! Dashboard frames as text: state → `TestBackend` → insta snapshots in
//! `tests/snapshots/`, at 80x24 (the smallest comfortable size) and
//! 160x48, plus smaller sizes that must degrade without panicking.
//! Review changes with `cargo insta review` (or accept with
//! `INSTA_UPDATE=always cargo test`).

use ratatui::style::Color;
use srec::tui::{Action, AppState, KeyMap, Theme, update};

use crate::tui_fixtures::{self as fx, render};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, state: &AppState) {
    for (w, h) in SIZES {
        let term = render(state, w, h);
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
        });
    }
}

fn apply(state: &mut AppState, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        update(state, a);
    }
}

fn typed(text: &str) -> impl Iterator<Item = Action> + '_ {
    text.chars().map(Action::Input)
}

#[test]
fn empty_state() {
    snap("empty", &AppState::new(fx::empty()));
}

#[test]
fn live_streamers_with_progress() {
    let mut s = AppState::new(fx::live());
    apply(&mut s, [Action::Down]);
    snap("live", &s);
}

/// The pipeline pane: a running job with its progress and step count, a
/// queued one, a failed one highlighted.
#[test]
fn pipeline_jobs_with_progress() {
    use srec::tui::data::{JobRow, JobStatus};
    let mut data = fx::live();
    let row = |id, status, kind: &str, target: &str, progress, steps| JobRow {
        id,
        status,
        kind: kind.into(),
        target: target.into(),
        progress,
        steps,
    };
    data.jobs = Some(vec![
        row(
            12,
            JobStatus::Running,
            "upload",
            "alice_000.mp4",
            Some(0.42),
            (2, 4),
        ),
        row(
            13,
            JobStatus::Queued,
            "remux",
            "alice_001.flv",
            None,
            (0, 4),
        ),
        row(
            9,
            JobStatus::Failed,
            "thumbnail",
            "bob_000.ts",
            None,
            (1, 4),
        ),
    ]);
    snap("pipeline_jobs", &AppState::new(data));
}

#[test]
fn error_states() {
    let mut s = AppState::new(fx::errors());
    s.say("`eve` has no running check (disabled?)", true);
    snap("errors", &s);
}

#[test]
fn help_overlay() {
    let mut s = AppState::new(fx::live());
    apply(&mut s, [Action::ToggleHelp]);
    snap("help", &s);
}

#[test]
fn add_popup_with_validation_error() {
    let mut s = AppState::new(fx::live());
    apply(&mut s, [Action::OpenAdd]);
    apply(&mut s, typed("ftp://example.com/live"));
    apply(&mut s, [Action::Submit]);
    snap("add_bad_scheme", &s);
}

#[test]
fn add_popup_with_duplicate() {
    let mut s = AppState::new(fx::live());
    apply(&mut s, [Action::OpenAdd]);
    apply(&mut s, typed("https://twitch.example/alice"));
    apply(&mut s, [Action::NextField]);
    apply(&mut s, typed("alice again"));
    apply(&mut s, [Action::Submit]);
    snap("add_duplicate", &s);
}

#[test]
fn remove_confirmation_and_filter() {
    let mut s = AppState::new(fx::live());
    apply(&mut s, [Action::OpenFilter]);
    apply(&mut s, typed("b"));
    snap("filter_typing", &s);
    apply(&mut s, [Action::Submit, Action::AskRemove]);
    snap("confirm_remove", &s);
}

#[test]
fn shutdown_progress() {
    let mut s = AppState::new(fx::live());
    apply(
        &mut s,
        [Action::Quit, Action::ShutdownProgress { remaining: 2 }],
    );
    snap("shutdown", &s);
}

#[test]
fn small_terminals_degrade_without_panicking() {
    let s = AppState::new(fx::live());
    // A zero-sized terminal must not panic either (its text form is empty).
    render(&s, 0, 0);
    for (w, h) in [(60, 16), (40, 10), (30, 6), (20, 4), (1, 1)] {
        let term = render(&s, w, h);
        let text = term.backend().to_string();
        if w >= 30 && h >= 6 {
            assert!(text.contains("alice"), "{w}x{h}:\n{text}");
        } else {
            assert!(text.contains("terminal") || w * h < 30, "{w}x{h}:\n{text}");
        }
    }
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("live_60x16", render(&s, 60, 16).backend());
    });
}

#[test]
fn no_color_uses_no_colours_but_colour_does() {
    let s = AppState::new(fx::errors());
    let keys = KeyMap::default();
    let plain = fx::render_with(&s, &keys, 100, 30, Theme { color: false });
    let coloured = fx::render_with(&s, &keys, 100, 30, Theme { color: true });
    let cells = |t: &ratatui::Terminal<ratatui::backend::TestBackend>| {
        t.backend().buffer().content().to_vec()
    };
    assert!(
        cells(&plain)
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "NO_COLOR frame has a colour"
    );
    assert!(cells(&coloured).iter().any(|c| c.fg == Color::Red));
    assert_eq!(
        plain.backend().to_string(),
        coloured.backend().to_string(),
        "same text either way"
    );
}
