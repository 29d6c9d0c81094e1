//! Dashboard indicators rendered from hand-built data: the pipeline
//! throttle notice in the status bar (shown only while engaged) and the
//! streamers table's CHAT column (messages per minute, blank without chat,
//! present at 80 columns).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use srec::tui::data::{Backlog, Throttled};
use srec::tui::{AppState, KeyMap, Theme};

use crate::tui_fixtures::{self as fx, render};

/// The last line of the frame (the status bar).
fn status_line(term: &Terminal<TestBackend>) -> String {
    let text = term.backend().to_string();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .last()
        .map(|l| l.trim_matches('"').to_string())
        .unwrap_or_default()
}

/// The line of the frame that holds `needle`.
fn line_with(term: &Terminal<TestBackend>, needle: &str) -> String {
    let text = term.backend().to_string();
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}:\n{text}"))
        .to_string()
}

fn throttled() -> Throttled {
    Throttled {
        configured: 4,
        lowered: 2,
        backlog: Some(Backlog {
            queued: 14,
            oldest_wait_ms: 6 * 60_000 + 5_000,
        }),
    }
}

#[test]
fn throttle_notice_only_while_throttled() {
    let off = AppState::new(fx::live());
    for (w, h) in [(80, 24), (160, 48)] {
        let status = status_line(&render(&off, w, h));
        assert!(!status.contains("THROTTLED"), "{w}x{h}: {status}");
    }
    let mut data = fx::live();
    data.throttle = Some(throttled());
    let on = AppState::new(data);
    for (w, h) in [(80, 24), (160, 48)] {
        let status = status_line(&render(&on, w, h));
        assert!(
            status.contains("THROTTLED: downloads 4→2, queue 14, oldest 6m05s"),
            "{w}x{h}: {status}"
        );
        // The way out stays visible beside it.
        assert!(
            status.contains("? help") && status.contains("q quit"),
            "{w}x{h}: {status}"
        );
    }
    // Before the queue was read: the limits alone.
    let mut data = fx::live();
    data.throttle = Some(Throttled {
        backlog: None,
        ..throttled()
    });
    let status = status_line(&render(&AppState::new(data), 80, 24));
    assert!(
        status.contains("THROTTLED: downloads 4→2 ") && !status.contains("queue"),
        "{status}"
    );
    // Narrow: shortened, never pushing out help and quit.
    let status = status_line(&render(&on, 40, 12));
    assert!(
        status.contains("THROTTLED") && status.contains('…'),
        "{status}"
    );
    assert!(status.contains("q quit"), "{status}");
}

#[test]
fn throttle_notice_uses_the_warning_style() {
    let mut data = fx::live();
    data.throttle = Some(throttled());
    let s = AppState::new(data);
    let keys = KeyMap::default();
    for theme in [Theme { color: true }, Theme { color: false }] {
        let term = fx::render_with(&s, &keys, 80, 24, theme);
        let buf = term.backend().buffer();
        let y = buf.area.height - 1;
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        let at = row.find("THROTTLED").expect("notice on the status bar");
        let x = row[..at].chars().count() as u16;
        let cell = &buf[(x, y)];
        assert!(cell.modifier.contains(Modifier::BOLD), "{theme:?}");
        let want = if theme.color {
            Color::Yellow
        } else {
            Color::Reset
        };
        assert_eq!(cell.fg, want, "{theme:?}");
    }
    // A message after it keeps its own style and both are shown.
    let mut s = s;
    s.say("added bob", false);
    let status = status_line(&fx::render_with(&s, &keys, 120, 24, Theme { color: false }));
    assert!(
        status.contains("THROTTLED") && status.contains("added bob"),
        "{status}"
    );
}

#[test]
fn chat_column_shows_rate_or_blank_and_fits_at_80_columns() {
    let mut data = fx::live();
    data.streamers[0].chat_per_min = Some(42);
    // bob captures chat but nobody wrote in the last minute.
    data.streamers[1].chat_per_min = Some(0);
    let s = AppState::new(data);
    for (w, h) in [(80, 24), (160, 48)] {
        let term = render(&s, w, h);
        let header = line_with(&term, "NAME");
        assert!(header.contains("CHAT"), "{w}x{h}: {header}");
        assert_eq!(cell_below(&term, "CHAT", "alice").trim(), "42/m", "{w}x{h}");
        assert_eq!(
            cell_below(&term, "CHAT", "bob_music").trim(),
            "0/m",
            "{w}x{h}"
        );
        assert_eq!(
            cell_below(&term, "CHAT", "carol").trim(),
            "",
            "{w}x{h}: no chat, blank"
        );
        // The other essentials are still there at 80 columns.
        for col in ["NAME", "STATE", "TITLE", "LIVE", "SIZE"] {
            assert!(header.contains(col), "{w}x{h}: {col} in {header}");
        }
    }
}

/// The 7 cells under the column titled `title` on the row holding `row`,
/// by screen column (a wide character fills two cells).
fn cell_below(term: &Terminal<TestBackend>, title: &str, row: &str) -> String {
    let buf = term.backend().buffer();
    let cells = |y: u16| -> Vec<String> {
        (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect()
    };
    let find = |cells: &[String], s: &str| {
        let want: Vec<String> = s.chars().map(String::from).collect();
        cells.windows(want.len()).position(|w| w == want.as_slice())
    };
    let rows: Vec<Vec<String>> = (0..buf.area.height).map(cells).collect();
    let (x, header_y) = rows
        .iter()
        .enumerate()
        .find_map(|(y, r)| find(r, title).map(|x| (x, y)))
        .unwrap_or_else(|| panic!("no {title} column"));
    let line = rows
        .iter()
        .skip(header_y + 1)
        .find(|r| find(r, row).is_some())
        .unwrap_or_else(|| panic!("no row {row}"));
    line[x..(x + 7).min(line.len())].concat()
}

#[test]
fn chat_column_is_left_out_when_nobody_captures_chat() {
    let s = AppState::new(fx::live());
    for (w, h) in [(80, 24), (160, 48)] {
        let header = line_with(&render(&s, w, h), "NAME");
        assert!(!header.contains("CHAT"), "{w}x{h}: {header}");
    }
}
