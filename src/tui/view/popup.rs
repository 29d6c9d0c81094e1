//! Overlays drawn over the panes: help, add streamer, remove confirmation,
//! shutdown progress, and the "terminal too small" notice.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::{MIN_SIZE, Snapshot};
use crate::tui::state::{AddField, AddForm, Mode};

/// Draws whichever overlay the state calls for.
pub fn render(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let st = snap.state;
    if let Some(sd) = st.shutdown {
        let what = match sd.remaining {
            Some(0) => "recordings finalised; flushing the database…".to_string(),
            Some(1) => "finalising 1 recording…".to_string(),
            Some(n) => format!("finalising {n} recordings…"),
            None => "stopping services…".to_string(),
        };
        let lines = vec![
            Line::from(Span::styled("Shutting down", snap.theme.error())),
            Line::from(what),
            Line::from(""),
            Line::styled(
                format!(
                    "press {} again to exit at once (files may be left unfinalised)",
                    snap.keys.first(crate::config::keys::Binding::Quit)
                ),
                snap.theme.dim(),
            ),
        ];
        dialog(snap, area, buf, " srec ", lines, 60);
        return;
    }
    match &st.mode {
        Mode::Help => help(snap, area, buf),
        Mode::Add(form) => add(snap, form, area, buf),
        Mode::ConfirmRemove { name, .. } => {
            let lines = vec![
                Line::from(format!("Remove streamer `{name}`?")),
                Line::styled("Recorded files are kept.", snap.theme.dim()),
                Line::from(""),
                Line::from(vec![
                    Span::styled("y", snap.theme.key()),
                    Span::raw(" remove   "),
                    Span::styled("n", snap.theme.key()),
                    Span::raw(" keep"),
                ]),
            ];
            dialog(snap, area, buf, " Remove ", lines, 50);
        }
        Mode::Normal | Mode::Filter => {}
    }
}

/// A centred box of `lines`, at most `max_w` wide, clipped to the screen.
fn dialog(
    snap: &Snapshot<'_>,
    area: Rect,
    buf: &mut Buffer,
    title: &str,
    lines: Vec<Line<'_>>,
    max_w: u16,
) {
    let w = max_w.min(area.width);
    // Wrapped lines take more rows; size the box for them.
    let inner_w = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1))
        .sum();
    let h = (rows as u16).saturating_add(2).min(area.height);
    let r = centered(area, w, h);
    Clear.render(r, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .title(title.to_string())
                .border_style(snap.theme.border(true)),
        )
        .render(r, buf);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
}

fn help(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let t = snap.theme;
    let mut rows: Vec<(String, &str)> = snap
        .keys
        .actions()
        .map(|b| (snap.keys.label(b), b.describe()))
        .collect();
    rows.push(("Enter / Esc".into(), "submit / cancel in a popup"));
    rows.push(("Tab".into(), "next field in the add popup"));
    rows.push(("ctrl+c".into(), "quit from anywhere"));
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!(" {k:<key_w$}"), t.key()),
                Span::raw(format!("  {d}")),
            ])
        })
        .collect();
    lines.push(Line::styled(
        " keys are set in [tui.keys] of config.toml; any key closes",
        t.dim(),
    ));
    dialog(snap, area, buf, " Keys ", lines, 72);
}

fn add(snap: &Snapshot<'_>, form: &AddForm, area: Rect, buf: &mut Buffer) {
    let t = snap.theme;
    let field = |label: &str, value: &str, active: bool, hint: &str| {
        let cursor = if active && !form.pending { "▌" } else { "" };
        let mut spans = vec![
            Span::styled(
                format!("{label:>5}: "),
                if active { t.key() } else { t.dim() },
            ),
            Span::raw(format!("{value}{cursor}")),
        ];
        if value.is_empty() && !hint.is_empty() {
            spans.push(Span::styled(format!(" {hint}"), t.dim()));
        }
        Line::from(spans)
    };
    let mut lines = vec![
        field("URL", &form.url, form.field == AddField::Url, "http(s)://…"),
        field(
            "Name",
            &form.name,
            form.field == AddField::Name,
            "optional, from the URL",
        ),
        Line::from(""),
    ];
    if let Some(e) = &form.error {
        lines.push(Line::styled(format!("✖ {e}"), t.error()));
    } else if form.pending {
        lines.push(Line::styled("adding…", t.dim()));
    } else {
        lines.push(Line::styled(
            "Enter add · Tab next field · Esc cancel",
            t.dim(),
        ));
    }
    dialog(snap, area, buf, " Add streamer ", lines, 70);
}

/// Shown instead of the dashboard when the terminal is tiny.
pub fn too_small(snap: &Snapshot<'_>, area: Rect, buf: &mut Buffer) {
    let text = format!(
        "terminal too small ({}x{}); srec needs {}x{}",
        area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
    );
    Paragraph::new(Line::styled(text, snap.theme.dim()))
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
