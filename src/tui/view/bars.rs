//! The one-line header (version, uptime, slots, disk, data dir) and the
//! status bar (filter input, pipeline throttle, last message, key hints).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::Snapshot;
use super::fmt;
use crate::config::keys::Binding;
use crate::tui::data::Throttled;
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
        spans = message_and_hints(snap, usize::from(area.width));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// The throttle notice: why new recordings wait although slots look free.
pub fn throttle_text(t: &Throttled) -> String {
    let mut s = format!(" THROTTLED: downloads {}→{}", t.configured, t.lowered);
    if let Some(b) = t.backlog {
        s.push_str(&format!(
            ", queue {}, oldest {}",
            b.queued,
            fmt::short_duration(i64::try_from(b.oldest_wait_ms).unwrap_or(i64::MAX))
        ));
    }
    s
}

/// The throttle notice, the last message and the key hints within `width`
/// columns: `? help` and `q quit` always stay visible, then the throttle
/// notice (a state, so it outranks a passing message), then as many other
/// hints as fit; the notice and the message are shortened last (the
/// message was hiding the way out at 80 columns).
fn message_and_hints<'a>(snap: &Snapshot<'a>, width: usize) -> Vec<Span<'a>> {
    let (st, t) = (snap.state, snap.theme);
    let hint = |b: Binding, what: &str| {
        // The first key is enough for a hint; the help lists them all.
        let key = format!(" {}", snap.keys.first(b));
        let what = format!(" {what}");
        let len = key.chars().count() + what.chars().count();
        (vec![Span::styled(key, t.key()), Span::raw(what)], len)
    };
    let essential = [hint(Binding::Help, "help"), hint(Binding::Quit, "quit")];
    let optional = [
        (Binding::Add, "add"),
        (Binding::Toggle, "on/off"),
        (Binding::Remove, "remove"),
        (Binding::CheckNow, "check"),
        (Binding::Stop, "stop"),
        (Binding::Filter, "filter"),
        (Binding::NextPane, "pane"),
    ]
    .map(|(b, w)| hint(b, w));
    let mut budget = width.saturating_sub(essential.iter().map(|h| h.1).sum());
    let mut spans = Vec::new();
    if let Some(th) = &st.data.throttle {
        let shown = fmt::ellipsize(&throttle_text(th), budget.saturating_sub(1));
        budget = budget.saturating_sub(shown.chars().count() + 1);
        spans.push(Span::styled(shown, t.warn()));
        spans.push(Span::raw(" "));
    }
    if let Some(m) = &st.message {
        let style = if m.error { t.error() } else { t.ok() };
        let text = format!(" {}", m.text);
        let keep = budget.saturating_sub(1);
        let shown: String = if text.chars().count() > keep {
            let mut s: String = text.chars().take(keep.saturating_sub(1)).collect();
            s.push('…');
            s
        } else {
            text
        };
        budget = budget.saturating_sub(shown.chars().count() + 1);
        spans.push(Span::styled(shown, style));
        spans.push(Span::raw(" "));
    }
    for (h, len) in optional {
        if len > budget {
            break;
        }
        budget -= len;
        spans.extend(h);
    }
    for (h, _) in essential {
        spans.extend(h);
    }
    spans
}
