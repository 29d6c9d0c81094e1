//! Colours, or none: with `NO_COLOR` set every style falls back to bold,
//! dim and reverse, which carry the same meaning on any terminal.

use ratatui::style::{Color, Modifier, Style};
use tracing::Level;

use crate::streamer::StreamerState;

/// Style choices for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Secondary text.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    /// Errors and failures.
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Something holds srec back but nothing failed (the pipeline
    /// throttle); bold, so it stands out without colour too.
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Good news (recording, success messages).
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    /// Column headers.
    pub fn header(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Border of the focused / other panes.
    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }

    /// Key names in hints.
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// A streamer's state cell.
    pub fn state(&self, state: StreamerState, enabled: bool) -> Style {
        if !enabled {
            return self.dim();
        }
        match state {
            StreamerState::Live => self.fg(Color::Green).add_modifier(Modifier::BOLD),
            StreamerState::NotLive => Style::new(),
            StreamerState::OutOfSchedule => self.fg(Color::Yellow),
            StreamerState::Error => self.error(),
            StreamerState::NotFound => self.fg(Color::Magenta),
        }
    }

    /// A log line's level tag.
    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::ERROR => self.error(),
            Level::WARN => self.fg(Color::Yellow),
            Level::INFO => self.fg(Color::Green),
            _ => self.dim(),
        }
    }
}
