//! The dashboard's own state: the latest [`Data`] plus what only the UI
//! knows (focus, selection, open popup, filter, log level, messages).
//! Services own everything else; this is a view model.

use tracing::Level;

use super::data::{Data, StreamerRow};

/// The focusable panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Streamers,
    Downloads,
    Pipeline,
    Logs,
}

impl Pane {
    const ORDER: [Pane; 4] = [Pane::Streamers, Pane::Downloads, Pane::Pipeline, Pane::Logs];

    /// The pane after (or before, `forward = false`) this one, wrapping.
    pub fn cycle(self, forward: bool) -> Self {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        let n = Self::ORDER.len();
        Self::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Which field of the add popup has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddField {
    #[default]
    Url,
    Name,
}

/// The add-streamer popup.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddForm {
    pub url: String,
    /// Optional; derived from the URL when empty.
    pub name: String,
    pub field: AddField,
    /// Shown inline under the fields until the next edit.
    pub error: Option<String>,
    /// Submitted, waiting for the executor.
    pub pending: bool,
}

/// What has the keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Normal,
    Help,
    /// Typing into the filter (status bar).
    Filter,
    Add(AddForm),
    ConfirmRemove {
        id: i64,
        name: String,
    },
}

/// A line in the status bar until the next one replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// Graceful shutdown in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shutdown {
    /// Recordings still being finalised, once known.
    pub remaining: Option<usize>,
}

/// The whole UI state.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub data: Data,
    pub focus: Pane,
    pub mode: Mode,
    /// Selected streamer id (stable across refreshes and filtering).
    pub selected: Option<i64>,
    /// Selected download id.
    pub selected_download: Option<u64>,
    /// Selected pipeline run id (the pipeline pane).
    pub selected_job: Option<i64>,
    /// Log lines scrolled up from the newest.
    pub log_scroll: usize,
    /// Case-insensitive substring on name, platform and URL.
    pub filter: String,
    /// Least severe level shown in the log pane.
    pub log_level: Level,
    pub message: Option<Message>,
    pub shutdown: Option<Shutdown>,
    /// Panes the terminal is too small to show: they cannot hold the focus.
    pub hidden: Vec<Pane>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            data: Data::default(),
            focus: Pane::default(),
            mode: Mode::default(),
            selected: None,
            selected_download: None,
            selected_job: None,
            log_scroll: 0,
            filter: String::new(),
            log_level: Level::INFO,
            message: None,
            shutdown: None,
            hidden: Vec::new(),
        }
    }
}

impl AppState {
    /// A state showing `data`, first rows selected.
    pub fn new(data: Data) -> Self {
        let mut s = Self {
            data,
            ..Self::default()
        };
        s.clamp();
        s
    }

    /// Streamers passing the filter.
    pub fn visible_streamers(&self) -> Vec<&StreamerRow> {
        let f = self.filter.trim().to_lowercase();
        self.data
            .streamers
            .iter()
            .filter(|s| {
                f.is_empty()
                    || s.name.to_lowercase().contains(&f)
                    || s.platform.to_lowercase().contains(&f)
                    || s.url.to_lowercase().contains(&f)
            })
            .collect()
    }

    /// The selected streamer, or the streamer of the selected download when
    /// the downloads pane has focus.
    pub fn target(&self) -> Option<&StreamerRow> {
        let id = match self.focus {
            Pane::Downloads => self
                .data
                .downloads
                .iter()
                .find(|d| Some(d.download_id) == self.selected_download)
                .map(|d| d.streamer_id)?,
            _ => self.selected?,
        };
        self.data.streamer(id)
    }

    /// Log lines at or above the pane's level, oldest first.
    pub fn visible_logs(
        &self,
    ) -> impl DoubleEndedIterator<Item = &crate::logging::memory::LogLine> {
        let min = self.log_level;
        self.data.logs.iter().filter(move |l| l.level <= min)
    }

    /// Keeps selections pointing at rows that exist.
    pub fn clamp(&mut self) {
        let visible: Vec<i64> = self.visible_streamers().iter().map(|s| s.id).collect();
        if !self.selected.is_some_and(|id| visible.contains(&id)) {
            self.selected = visible.first().copied();
        }
        let downloads = &self.data.downloads;
        if !self
            .selected_download
            .is_some_and(|id| downloads.iter().any(|d| d.download_id == id))
        {
            self.selected_download = downloads.first().map(|d| d.download_id);
        }
        let jobs = self.data.jobs.as_deref().unwrap_or_default();
        if !self
            .selected_job
            .is_some_and(|id| jobs.iter().any(|j| j.id == id))
        {
            self.selected_job = jobs.first().map(|j| j.id);
        }
        let logs = self.visible_logs().count();
        self.log_scroll = self.log_scroll.min(logs.saturating_sub(1));
    }

    /// Records which panes fit a `width`x`height` terminal; a hidden pane
    /// hands the focus back to the streamers (keys would act unseen).
    pub fn set_size(&mut self, width: u16, height: u16) {
        let a = super::view::layout(ratatui::layout::Rect::new(0, 0, width, height));
        let shown = [
            (Pane::Downloads, a.downloads.is_some()),
            (Pane::Pipeline, a.pipeline.is_some()),
            (Pane::Logs, a.logs.is_some()),
        ];
        self.hidden = shown.iter().filter(|(_, s)| !s).map(|(p, _)| *p).collect();
        if self.hidden.contains(&self.focus) {
            self.focus = Pane::Streamers;
        }
    }

    /// The next (or previous) pane the terminal shows.
    pub fn next_shown_pane(&self, forward: bool) -> Pane {
        let mut p = self.focus.cycle(forward);
        while self.hidden.contains(&p) && p != self.focus {
            p = p.cycle(forward);
        }
        p
    }

    /// Sets the status bar message.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
    }
}
