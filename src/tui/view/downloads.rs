//! The active downloads pane (live progress per engine run) and the
//! pipeline jobs pane beside it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

use super::Snapshot;
use super::columns::{self, Col};
use super::fmt;
use crate::tui::data::JobStatus;
use crate::tui::state::Pane;

const COLS: [Col; 7] = [
    Col::new("STREAMER", 12, 0),
    Col::new("SEG", 3, 1),
    Col::new("FOR", 6, 0),
    Col::new("SIZE", 9, 0),
    Col::new("RATE", 9, 1),
    Col::new("ENGINE", 6, 2),
    Col::new("FILE", 0, 3),
];

pub fn render(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let st = snap.state;
    let t = snap.theme;
    let h = &st.data.header;
    let queued = if h.queued > 0 {
        format!(", {} queued", h.queued)
    } else {
        String::new()
    };
    let block = snap.pane(
        Pane::Downloads,
        format!(" Downloads {}/{}{queued} ", h.active, h.limit),
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if st.data.downloads.is_empty() {
        Paragraph::new(Line::styled("nothing is recording", t.dim()))
            .alignment(Alignment::Center)
            .render(inner, buf);
        return;
    }
    let focused = st.focus == Pane::Downloads;
    let mark = if focused { "▶ " } else { "" };
    let keep = columns::fit(
        &COLS,
        inner.width.saturating_sub(mark.chars().count() as u16),
        1,
    );
    let rows = st.data.downloads.iter().map(|d| {
        let cells = [
            Cell::from(d.streamer_name.clone()),
            Cell::from(d.segment.map(|i| format!("#{i}")).unwrap_or_default()),
            Cell::from(fmt::short_duration(snap.now_ms - d.started_at_ms)),
            Cell::from(Span::styled(fmt::bytes(d.bytes), t.ok())),
            Cell::from(fmt::bitrate(d.bitrate)),
            Cell::from(Span::styled(d.engine.clone(), t.dim())),
            Cell::from(d.file.clone().unwrap_or_default()),
        ];
        Row::new(columns::pick(&cells, &keep))
    });
    let header =
        Row::new(columns::pick(&COLS.map(|c| Cell::from(c.title)), &keep)).style(t.header());
    let selected = st
        .data
        .downloads
        .iter()
        .position(|d| Some(d.download_id) == st.selected_download);
    let table = Table::new(rows, columns::constraints(&COLS, &keep))
        .header(header)
        .column_spacing(1)
        .highlight_symbol(mark)
        .row_highlight_style(t.selected());
    let mut ts = TableState::default().with_selected(selected.filter(|_| focused));
    StatefulWidget::render(table, inner, buf, &mut ts);
}

pub fn pipeline(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let t = snap.theme;
    let Some(jobs) = &snap.state.data.jobs else {
        let block = snap.pane(Pane::Pipeline, " Pipeline ");
        let inner = block.inner(area);
        block.render(area, buf);
        Paragraph::new(Line::styled("no job data yet", t.dim()))
            .wrap(Wrap { trim: true })
            .render(inner, buf);
        return;
    };
    let count = |s: JobStatus| jobs.iter().filter(|j| j.status == s).count();
    let block = snap.pane(
        Pane::Pipeline,
        format!(
            " Pipeline: {} queued, {} running, {} failed ",
            count(JobStatus::Queued),
            count(JobStatus::Running),
            count(JobStatus::Failed)
        ),
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if jobs.is_empty() {
        Paragraph::new(Line::styled("no jobs", t.dim())).render(inner, buf);
        return;
    }
    let focused = snap.state.focus == Pane::Pipeline;
    let lines: Vec<Line> = jobs
        .iter()
        .map(|j| {
            let (label, style) = match j.status {
                JobStatus::Queued => ("queued ", t.dim()),
                JobStatus::Running => ("running", t.ok()),
                JobStatus::Failed => ("failed ", t.error()),
            };
            // A running step's progress when it reports one, and how far
            // the run is through its steps.
            let pct = match (j.status, j.progress) {
                (JobStatus::Running, Some(p)) => {
                    format!(" {:>3.0}%", (p * 100.0).clamp(0.0, 100.0))
                }
                _ => String::new(),
            };
            let line = Line::from(vec![
                Span::styled(label, style),
                Span::styled(pct, style),
                Span::raw(format!(
                    " #{} {} {} ({}/{})",
                    j.id, j.kind, j.target, j.steps.0, j.steps.1
                )),
            ]);
            // The selected run (r retries a failed one, x cancels).
            if focused && snap.state.selected_job == Some(j.id) {
                line.style(t.selected())
            } else {
                line
            }
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}
