//! The one-line header (version, uptime, slots, disk, data dir) and the
//! status bar (filter input, last message, key hints).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::Snapshot;
use super::fmt;
use crate::tui::keymap::Binding;
use crate::tui::state::Mode;

const SEP: &str = " │ ";

pub fn header(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let h = &snap.state.data.header;
    let t = snap.theme;
    let disk = h
        .disk_free
        .map_or("disk ?".to_string(), |b| format!("{} free", fmt::bytes(b)));
    let spans = vec![
        Span::styled(
            format!(" srec {}", h.version),
            t.key().add_modifier(Modifier::BOLD),
        ),
        Span::raw(SEP),
        Span::raw(format!(
            "up {}",
            fmt::short_duration(snap.now_ms - h.started_at_ms)
        )),
        Span::raw(SEP),
        Span::raw(format!("rec {}/{}", h.active, h.limit)),
        Span::raw(SEP),
        Span::raw(disk),
        Span::raw(SEP),
        Span::styled(format!("data {}", h.data_dir), t.dim()),
    ];
    Paragraph::new(Line::from(spans)).render(area, buf);
}

pub fn status(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let st = snap.state;
    let t = snap.theme;
    let mut spans: Vec<Span> = Vec::new();
    if st.shutdown.is_some() {
        spans.push(Span::styled(" shutting down…", t.error()));
    } else if st.mode == Mode::Filter {
        spans.push(Span::styled(" filter: ", t.key()));
        spans.push(Span::raw(format!("{}▌", st.filter)));
        spans.push(Span::styled("  Enter keep · Esc clear", t.dim()));
    } else {
        if let Some(m) = &st.message {
            let style = if m.error { t.error() } else { t.ok() };
            spans.push(Span::styled(format!(" {}", m.text), style));
            spans.push(Span::raw(" "));
        }
        let hints = [
            (Binding::Add, "add"),
            (Binding::Toggle, "on/off"),
            (Binding::Remove, "remove"),
            (Binding::CheckNow, "check"),
            (Binding::Stop, "stop"),
            (Binding::Filter, "filter"),
            (Binding::NextPane, "pane"),
            (Binding::Help, "help"),
            (Binding::Quit, "quit"),
        ];
        for (b, what) in hints {
            // The first key is enough for a hint; the help lists them all.
            spans.push(Span::styled(format!(" {}", snap.keys.first(b)), t.key()));
            spans.push(Span::raw(format!(" {what}")));
        }
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}
