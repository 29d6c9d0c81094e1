//! The `[tui]` section: dashboard settings, today the key bindings.
//!
//! Each action takes a list of keys (`"j"`, `"down"`, `"ctrl+c"`,
//! `"shift+tab"`, `"f1"`); an action left out keeps its default keys, so a
//! user only writes the bindings they change. The key syntax and the
//! conflict check live in [`crate::config::keys`], the one place that also
//! interprets the keys at run time.

use serde::{Deserialize, Serialize};

/// `[tui]`: settings of the `srec run` dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuiSettings {
    /// `[tui.keys]`: action name → keys that trigger it.
    pub keys: KeyBindings,
}

/// Keys per dashboard action. Popups (add, filter, confirm) use fixed keys:
/// Enter submits, Esc cancels, Tab moves between fields; Ctrl+C always quits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeyBindings {
    /// Quit: graceful shutdown, recordings finalised.
    pub quit: Vec<String>,
    /// Move the selection up.
    pub up: Vec<String>,
    /// Move the selection down.
    pub down: Vec<String>,
    /// Jump to the first row.
    pub top: Vec<String>,
    /// Jump to the last row.
    pub bottom: Vec<String>,
    /// Focus the next pane.
    pub next_pane: Vec<String>,
    /// Focus the previous pane.
    pub prev_pane: Vec<String>,
    /// Add a streamer.
    pub add: Vec<String>,
    /// Disable or enable the selected streamer.
    pub toggle: Vec<String>,
    /// Remove the selected streamer (asks first).
    pub remove: Vec<String>,
    /// Check the selected streamer now.
    pub check_now: Vec<String>,
    /// Stop the selected streamer's current recording.
    pub stop: Vec<String>,
    /// Filter the streamers table.
    pub filter: Vec<String>,
    /// Show every binding.
    pub help: Vec<String>,
    /// Cycle the log pane's minimum level.
    pub log_level: Vec<String>,
}

fn keys(k: &[&str]) -> Vec<String> {
    k.iter().map(|s| s.to_string()).collect()
}

impl Default for KeyBindings {
    fn default() -> Self {
        Self {
            quit: keys(&["q", "ctrl+c"]),
            up: keys(&["up", "k"]),
            down: keys(&["down", "j"]),
            top: keys(&["home", "g"]),
            bottom: keys(&["end", "G"]),
            next_pane: keys(&["tab"]),
            prev_pane: keys(&["shift+tab"]),
            add: keys(&["a"]),
            toggle: keys(&["d"]),
            remove: keys(&["x"]),
            check_now: keys(&["r"]),
            stop: keys(&["s"]),
            filter: keys(&["/"]),
            help: keys(&["?"]),
            log_level: keys(&["l"]),
        }
    }
}

impl KeyBindings {
    /// `(config key, keys)` for every action, in help order.
    pub fn entries(&self) -> [(&'static str, &[String]); 15] {
        [
            ("up", &self.up),
            ("down", &self.down),
            ("top", &self.top),
            ("bottom", &self.bottom),
            ("next_pane", &self.next_pane),
            ("prev_pane", &self.prev_pane),
            ("add", &self.add),
            ("toggle", &self.toggle),
            ("remove", &self.remove),
            ("check_now", &self.check_now),
            ("stop", &self.stop),
            ("filter", &self.filter),
            ("log_level", &self.log_level),
            ("help", &self.help),
            ("quit", &self.quit),
        ]
    }
}

/// Checks `[tui]`: every key parses, no key serves two actions, and quit and
/// help keep at least one key. Returns `(dotted key, message)`.
pub fn validate(t: &TuiSettings) -> Result<(), (String, String)> {
    super::keys::KeyMap::from_config(&t.keys).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        validate(&TuiSettings::default()).unwrap();
    }
}
