//! Rendering: `impl Widget for &Snapshot`. A [`Snapshot`] borrows the state
//! read-only and carries the clock and UTC offset as plain values, so the
//! same snapshot always draws the same frame (which the insta tests rely
//! on). Nothing here mutates state or reads the outside world.

mod bars;
mod columns;
mod downloads;
pub mod fmt;
mod logs;
mod popup;
mod streamers;
pub mod theme;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Widget};

use super::state::{AppState, Mode, Pane};
use crate::config::keys::KeyMap;
pub use theme::Theme;

/// Smallest terminal the dashboard draws in; below it a notice is shown.
pub const MIN_SIZE: (u16, u16) = (30, 6);

/// Everything one frame needs.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    pub state: &'a AppState,
    pub keys: &'a KeyMap,
    /// Unix milliseconds "now" for ages and uptime.
    pub now_ms: i64,
    /// Offset of local time, for log timestamps.
    pub utc_offset_s: i32,
    pub theme: Theme,
}

/// Where each part goes; panes that do not fit are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub streamers: Rect,
    pub downloads: Option<Rect>,
    pub pipeline: Option<Rect>,
    pub logs: Option<Rect>,
    pub status: Rect,
}

/// Splits the screen: header, streamers, downloads | pipeline, log, status
/// bar. Small terminals lose the log, then the middle row; narrow ones the
/// pipeline pane.
pub fn layout(area: Rect) -> Areas {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let h = body.height;
    let (mid_h, log_h) = match h {
        0..12 => (0, 0),
        12..18 => (5, 0),
        _ => (if h < 28 { 6 } else { 8 }, (h / 3).clamp(4, 12)),
    };
    let [streamers, mid, logs] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(mid_h),
        Constraint::Length(log_h),
    ])
    .areas(body);
    let (downloads, pipeline) = match (mid_h, mid.width) {
        (0, _) => (None, None),
        (_, 0..70) => (Some(mid), None),
        _ => {
            let [d, p] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(mid);
            (Some(d), Some(p))
        }
    };
    Areas {
        header,
        streamers,
        downloads,
        pipeline,
        logs: (log_h > 0).then_some(logs),
        status,
    }
}

impl Snapshot<'_> {
    /// A bordered pane block; the focused one stands out.
    fn pane<'t>(&self, pane: Pane, title: impl Into<Line<'t>>) -> Block<'t> {
        let focused = self.state.focus == pane && self.state.mode == Mode::Normal;
        // A thick border marks focus without relying on colour.
        Block::bordered()
            .border_type(if focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(self.theme.border(focused))
            .title(title)
    }
}

impl Widget for &Snapshot<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        buf.set_style(area, Style::reset());
        if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
            popup::too_small(self, area, buf);
            return;
        }
        let a = layout(area);
        bars::header(self, a.header, buf);
        streamers::render(self, a.streamers, buf);
        if let Some(r) = a.downloads {
            downloads::render(self, r, buf);
        }
        if let Some(r) = a.pipeline {
            downloads::pipeline(self, r, buf);
        }
        if let Some(r) = a.logs {
            logs::render(self, r, buf);
        }
        bars::status(self, a.status, buf);
        popup::render(self, area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_degrades() {
        let a = layout(Rect::new(0, 0, 80, 24));
        assert!(a.downloads.is_some() && a.pipeline.is_some() && a.logs.is_some());
        let a = layout(Rect::new(0, 0, 60, 14));
        assert!(a.downloads.is_some() && a.pipeline.is_none() && a.logs.is_none());
        let a = layout(Rect::new(0, 0, 40, 8));
        assert!(a.downloads.is_none() && a.logs.is_none());
        assert_eq!(a.streamers.height, 6);
    }
}
