//! Dashboard defects from issue 18, as plain-text frame checks: `g` in the
//! log pane shows a full pane of the oldest lines, and a long status
//! message never hides the `? help` / `q quit` hint.

use srec::logging::memory::LogLine;
use srec::tui::state::Pane;
use srec::tui::{Action, AppState, update};
use tracing::Level;

use crate::tui_fixtures::{self as fx, render};

#[test]
fn log_pane_top_shows_a_full_pane_of_the_oldest_lines() {
    let mut data = fx::live();
    data.logs = (0..60)
        .map(|i| LogLine {
            at_ms: i * 1000,
            level: Level::INFO,
            text: format!("event-{i:02}"),
        })
        .collect();
    let mut s = AppState::new(data);
    while s.focus != Pane::Logs {
        update(&mut s, Action::NextPane);
    }
    update(&mut s, Action::Top);
    let text = render(&s, 80, 24).backend().to_string();
    let shown = (0..60)
        .filter(|i| text.contains(&format!("event-{i:02}")))
        .count();
    assert!(text.contains("event-00"), "{text}");
    assert!(shown >= 3, "only {shown} log line(s) after `g`:\n{text}");
}

#[test]
fn a_long_message_leaves_the_help_and_quit_hints_visible() {
    let mut s = AppState::new(fx::live());
    s.say(
        "`alice` stopped; the recording was finalised and will restart on the next check",
        false,
    );
    for width in [80u16, 60] {
        let text = render(&s, width, 24).backend().to_string();
        let last = text.lines().last().unwrap_or_default();
        assert!(last.contains("? help"), "{width}: {last}");
        assert!(last.contains("q quit"), "{width}: {last}");
        assert!(last.contains("`alice` stopped"), "{width}: {last}");
    }
}

#[test]
fn panes_a_small_terminal_hides_cannot_keep_the_focus() {
    let mut s = AppState::new(fx::live());
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    while s.focus != Pane::Logs {
        update(&mut s, Action::NextPane);
    }
    update(
        &mut s,
        Action::Resize {
            width: 40,
            height: 12,
        },
    );
    assert_eq!(s.focus, Pane::Streamers, "the log pane is hidden at 40x12");
    update(&mut s, Action::NextPane);
    assert_eq!(s.focus, Pane::Streamers, "Tab skips hidden panes");
    let text = render(&s, 40, 12).backend().to_string();
    assert!(
        text.contains('┏') || text.contains('┃'),
        "the focused pane is visible:\n{text}"
    );
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    update(&mut s, Action::NextPane);
    assert_eq!(s.focus, Pane::Downloads);
}

#[test]
fn live_and_download_times_agree_for_the_same_session() {
    let s = AppState::new(fx::live());
    let text = render(&s, 160, 48).backend().to_string();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("bob_music")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows.iter().all(|r| r.contains("7m00s")), "{rows:#?}");
    assert!(text.contains("FOR") && !text.contains("DURATION"), "{text}");
}
