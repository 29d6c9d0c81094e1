//! The dashboard's two vocabularies: [`Action`]s go into `update()` (a key
//! press, fresh data, a command's result) and [`Command`]s come out of it
//! (side effects the executor runs against the service handles). Keeping
//! them plain data is what makes `update()` testable without a terminal or
//! a daemon.

use super::data::Data;
use crate::streamer::NewStreamer;

/// Something that happened, for `update()` to fold into the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    OpenAdd,
    ToggleEnabled,
    AskRemove,
    CheckNow,
    StopRecording,
    OpenFilter,
    ToggleHelp,
    CycleLogLevel,
    /// Graceful quit (a second one during shutdown exits at once).
    Quit,
    /// A character typed into the open input.
    Input(char),
    Backspace,
    /// Enter / `y` in a popup.
    Submit,
    /// Esc / `n` in a popup.
    Cancel,
    /// Tab inside the add popup.
    NextField,
    /// The services changed; boxed because it is large.
    Refresh(Box<Data>),
    /// An executed command reported back.
    Done(Outcome),
    /// The terminal was resized: panes that no longer fit lose the focus.
    Resize {
        width: u16,
        height: u16,
    },
    /// SIGTERM/SIGINT from outside.
    Terminate,
    /// Shutdown progress: recordings still being finalised.
    ShutdownProgress {
        remaining: usize,
    },
}

/// A side effect for the executor.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    AddStreamer(Box<NewStreamer>),
    SetEnabled {
        id: i64,
        name: String,
        enabled: bool,
    },
    Remove {
        id: i64,
        name: String,
    },
    CheckNow {
        id: i64,
        name: String,
    },
    StopRecording {
        id: i64,
        name: String,
    },
    /// Run a failed pipeline run again from its failed steps.
    RetryJob {
        id: i64,
    },
    /// Cancel a pipeline run.
    CancelJob {
        id: i64,
    },
    /// Start the graceful shutdown of the core.
    Shutdown,
    /// Leave now, shutdown unfinished (second quit).
    ForceExit,
}

/// Which command an outcome belongs to (the add popup waits for its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Toggle,
    Remove,
    Check,
    Stop,
    Job,
}

/// A command's result: a message for the status bar, or the error.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub op: Op,
    pub result: Result<String, String>,
}
