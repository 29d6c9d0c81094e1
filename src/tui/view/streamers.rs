//! The streamers table: one row per streamer (after the filter) with its
//! state, the open session and the running download's progress.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use super::Snapshot;
use super::columns::{self, Col};
use super::fmt;
use crate::config::keys::Binding;
use crate::streamer::StreamerState;
use crate::tui::data::StreamerRow;
use crate::tui::state::Pane;

const COLS: [Col; 10] = [
    Col::new("NAME", 14, 0),
    Col::new("PLATFORM", 8, 4),
    Col::new("STATE", 11, 0),
    Col::new("TITLE", 0, 1),
    Col::new("LIVE", 6, 2),
    Col::new("SEG", 4, 4),
    Col::new("SIZE", 9, 1),
    Col::new("RATE", 9, 2),
    // Kept before LAST ERROR, so it fits at 80 columns; shown only while
    // some streamer captures chat (see `render`).
    Col::new("CHAT", 7, 3),
    Col::new("LAST ERROR", 0, 3),
];
const CHAT_COL: usize = 8;
const ERROR_COL: usize = 9;
/// The selection mark (`▶ `), visible without colour too.
const MARK: &str = "▶ ";
const MARK_W: u16 = 2;

/// Text of the state cell.
pub fn state_label(r: &StreamerRow) -> &'static str {
    if !r.enabled {
        return "disabled";
    }
    match (r.state, r.recording.is_some()) {
        (StreamerState::Live, false) if r.stopped_by_user => "■ stopped",
        (StreamerState::Live, true) => "● live rec",
        (StreamerState::Live, false) => "● live",
        (StreamerState::NotLive, _) => "offline",
        (StreamerState::OutOfSchedule, _) => "filtered",
        (StreamerState::Error, _) => "✖ error",
        (StreamerState::NotFound, _) => "not found",
    }
}

pub fn render(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let st = snap.state;
    let t = snap.theme;
    let visible = st.visible_streamers();
    let mut title = vec![Span::raw(format!(
        " Streamers {}/{} ",
        visible.len(),
        st.data.streamers.len()
    ))];
    if !st.filter.is_empty() {
        title.push(Span::styled(format!("filter: {} ", st.filter), t.key()));
    }
    let block = snap.pane(Pane::Streamers, Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    if visible.is_empty() {
        let text = if st.data.streamers.is_empty() {
            format!(
                "no streamers yet: press {} to add one",
                snap.keys.label(Binding::Add)
            )
        } else {
            "no streamer matches the filter (Esc clears it)".to_string()
        };
        Paragraph::new(Line::styled(text, t.dim()))
            .alignment(Alignment::Center)
            .render(inner, buf);
        return;
    }
    // Without `record_danmu` anywhere the CHAT column would stay empty: it
    // gives its room to the others (dropped first, then left out).
    let has_chat = st.data.streamers.iter().any(|r| r.chat_per_min.is_some());
    let mut cols = COLS;
    if !has_chat {
        cols[CHAT_COL].prio = u8::MAX;
    }
    let mut keep = columns::fit(&cols, inner.width.saturating_sub(MARK_W), 1);
    if !has_chat {
        keep.retain(|&i| i != CHAT_COL);
    }
    let errors_own_column = keep.contains(&ERROR_COL);
    let rows = visible.iter().map(|r| {
        let error = r.last_error.clone().unwrap_or_default();
        let title = match (&r.title, errors_own_column, r.state) {
            (Some(title), _, _) => Cell::from(title.clone()),
            (None, false, StreamerState::Error | StreamerState::NotFound) => {
                Cell::from(Span::styled(error.clone(), t.error()))
            }
            _ => Cell::from(""),
        };
        let rec = r.recording;
        let cells = [
            Cell::from(r.name.clone()),
            Cell::from(Span::styled(r.platform.clone(), t.dim())),
            Cell::from(Span::styled(state_label(r), t.state(r.state, r.enabled))),
            title,
            Cell::from(
                r.live_since
                    .map(|at| fmt::short_duration(snap.now_ms - at))
                    .unwrap_or_default(),
            ),
            Cell::from(
                rec.and_then(|x| x.segment)
                    .map(|i| format!("#{i}"))
                    .unwrap_or_default(),
            ),
            Cell::from(rec.map(|x| fmt::bytes(x.bytes)).unwrap_or_default()),
            Cell::from(rec.map(|x| fmt::bitrate(x.bitrate)).unwrap_or_default()),
            // Chat messages per minute while chat is captured.
            Cell::from(r.chat_per_min.map(|n| format!("{n}/m")).unwrap_or_default()),
            // A past error stays visible but only shouts while it is current.
            Cell::from(Span::styled(
                error,
                if matches!(r.state, StreamerState::Error | StreamerState::NotFound) {
                    t.error()
                } else {
                    t.dim()
                },
            )),
        ];
        Row::new(columns::pick(&cells, &keep))
    });
    let header =
        Row::new(columns::pick(&COLS.map(|c| Cell::from(c.title)), &keep)).style(t.header());
    let selected = visible.iter().position(|r| Some(r.id) == st.selected);
    let table = Table::new(rows, columns::constraints(&cols, &keep))
        .header(header)
        .column_spacing(1)
        .highlight_symbol(MARK)
        .row_highlight_style(t.selected());
    // A fresh table state per frame: the view keeps no scroll state, the
    // selection alone decides what is visible.
    let mut ts = TableState::default().with_selected(selected);
    StatefulWidget::render(table, inner, buf, &mut ts);
}
