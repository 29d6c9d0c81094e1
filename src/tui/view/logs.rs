//! The log pane: the newest events at or above the chosen level, scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::Snapshot;
use super::fmt;
use crate::tui::state::Pane;

pub fn render(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let st = snap.state;
    let t = snap.theme;
    let level = st.log_level.to_string().to_lowercase();
    // The pane is bordered: its text is two rows shorter. Scrolling stops
    // once the oldest line is at the top, so `g` shows a full pane of the
    // oldest lines rather than one line and blank rows.
    let height = usize::from(area.height.saturating_sub(2));
    let scroll = st
        .log_scroll
        .min(st.visible_logs().count().saturating_sub(height));
    let scrolled = if scroll > 0 {
        format!(", {scroll} newer below")
    } else {
        String::new()
    };
    let block = snap.pane(Pane::Logs, format!(" Log ({level} and above{scrolled}) "));
    let inner = block.inner(area);
    block.render(area, buf);
    let height = usize::from(inner.height);
    let mut lines: Vec<Line> = st
        .visible_logs()
        .rev()
        .skip(scroll)
        .take(height)
        .map(|l| {
            Line::from(vec![
                Span::styled(fmt::time_of_day(l.at_ms, snap.utc_offset_s), t.dim()),
                Span::raw(" "),
                Span::styled(format!("{:<5}", l.level), t.level(l.level)),
                Span::raw(" "),
                Span::raw(l.text.clone()),
            ])
        })
        .collect();
    lines.reverse();
    if lines.is_empty() {
        lines.push(Line::styled("no log events yet", t.dim()));
    }
    Paragraph::new(lines).render(inner, buf);
}
