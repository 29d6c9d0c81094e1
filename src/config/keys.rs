//! Key bindings: the text syntax of `[tui.keys]` (`"j"`, `"ctrl+c"`,
//! `"shift+tab"`, `"pagedown"`), its parser and printer, and the lookup from
//! a terminal key event to the dashboard action bound to it.
//!
//! Config validation and the running dashboard both go through
//! [`KeyMap::from_config`], so a binding that loads is a binding that works.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tui::KeyBindings;

/// A configurable dashboard action (the keys of `[tui.keys]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binding {
    Up,
    Down,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    Add,
    Toggle,
    Remove,
    CheckNow,
    Stop,
    Filter,
    LogLevel,
    Help,
    Quit,
}

impl Binding {
    /// Maps a `[tui.keys]` key to its action.
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "up" => Self::Up,
            "down" => Self::Down,
            "top" => Self::Top,
            "bottom" => Self::Bottom,
            "next_pane" => Self::NextPane,
            "prev_pane" => Self::PrevPane,
            "add" => Self::Add,
            "toggle" => Self::Toggle,
            "remove" => Self::Remove,
            "check_now" => Self::CheckNow,
            "stop" => Self::Stop,
            "filter" => Self::Filter,
            "log_level" => Self::LogLevel,
            "help" => Self::Help,
            "quit" => Self::Quit,
            _ => return None,
        })
    }

    /// One line for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Up => "move up",
            Self::Down => "move down",
            Self::Top => "first row",
            Self::Bottom => "last row",
            Self::NextPane => "next pane",
            Self::PrevPane => "previous pane",
            Self::Add => "add a streamer",
            Self::Toggle => "disable / enable the selected streamer",
            Self::Remove => "remove the selected streamer (asks first)",
            Self::CheckNow => "check the selected streamer now",
            Self::Stop => "stop recording this session (resumes with the next one)",
            Self::Filter => "filter streamers (Esc clears)",
            Self::LogLevel => "cycle the log pane level",
            Self::Help => "this help",
            Self::Quit => "quit: finalise recordings and exit",
        }
    }
}

/// One key with modifiers, e.g. `ctrl+c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// Named keys accepted in the config, with their canonical spelling.
const NAMED: &[(&str, KeyCode)] = &[
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("space", KeyCode::Char(' ')),
];

impl KeyChord {
    /// Parses `[ctrl+][alt+][shift+]KEY`; KEY is one character (case
    /// matters: `G` is shift+g), a name such as `pagedown`, or `f1`..`f12`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("invalid key `{text}`: {why}");
        let (prefix, key) = if text.ends_with("++") || text == "+" {
            (&text[..text.len() - 1], "+")
        } else {
            match text.rsplit_once('+') {
                Some((p, k)) => (p, k),
                None => ("", text),
            }
        };
        let mut mods = KeyModifiers::NONE;
        for m in prefix.split('+').filter(|m| !m.is_empty()) {
            mods |= match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" | "meta" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                _ => {
                    return Err(bad(&format!(
                        "unknown modifier `{m}` (use ctrl, alt, shift)"
                    )));
                }
            };
        }
        let mut chars = key.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(bad("no key after the modifiers")),
            (Some(c), None) => KeyCode::Char(c),
            _ => {
                let lower = key.to_ascii_lowercase();
                if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
                    *code
                } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
                    && (1..=12).contains(&n)
                {
                    KeyCode::F(n)
                } else {
                    return Err(bad(
                        "use one character, f1..f12, or one of up, down, left, right, home, end, \
                         pageup, pagedown, tab, backtab, enter, esc, backspace, delete, insert, space",
                    ));
                }
            }
        };
        Ok(Self::normalise(code, mods))
    }

    /// Shift is part of a character (`G`) or of backtab, never a separate
    /// modifier, whatever the terminal reports.
    fn normalise(code: KeyCode, mods: KeyModifiers) -> Self {
        match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => Self {
                code: KeyCode::Char(c.to_ascii_uppercase()),
                mods: mods - KeyModifiers::SHIFT,
            },
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => Self {
                code: KeyCode::BackTab,
                mods: mods - KeyModifiers::SHIFT,
            },
            KeyCode::BackTab => Self {
                code,
                mods: mods - KeyModifiers::SHIFT,
            },
            _ => Self { code, mods },
        }
    }

    /// The chord a terminal key event stands for.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match ev.code {
            // The character already carries the shift.
            KeyCode::Char(c) => Self {
                code: KeyCode::Char(c),
                mods: mods - KeyModifiers::SHIFT,
            },
            code => Self::normalise(code, mods),
        }
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl+")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt+")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift+")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::BackTab => f.write_str("shift+tab"),
            code => match NAMED.iter().find(|(_, c)| *c == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{code:?}"),
            },
        }
    }
}

/// Parsed bindings, in help order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<(Binding, Vec<KeyChord>)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        // The built-in defaults are covered by a test; fall back to an
        // empty map rather than panic should they ever be broken.
        Self::from_config(&KeyBindings::default()).unwrap_or(Self {
            bindings: Vec::new(),
        })
    }
}

impl KeyMap {
    /// Parses `[tui.keys]`; errors are `(dotted key, message)`.
    pub fn from_config(keys: &KeyBindings) -> Result<Self, (String, String)> {
        let mut bindings: Vec<(Binding, Vec<KeyChord>)> = Vec::new();
        for (name, texts) in keys.entries() {
            let key = format!("tui.keys.{name}");
            let Some(binding) = Binding::from_name(name) else {
                return Err((key, format!("unknown action `{name}`")));
            };
            if texts.is_empty() && matches!(binding, Binding::Quit | Binding::Help) {
                return Err((key, format!("`{name}` needs at least one key")));
            }
            let mut chords = Vec::new();
            for t in texts {
                let chord = KeyChord::parse(t).map_err(|m| (key.clone(), m))?;
                if let Some((other, _)) = bindings.iter().find(|(_, cs)| cs.contains(&chord)) {
                    let other = keys
                        .entries()
                        .into_iter()
                        .find(|(n, _)| Binding::from_name(n) == Some(*other))
                        .map_or("another action", |(n, _)| n);
                    return Err((key, format!("`{t}` is already bound to `{other}`")));
                }
                if !chords.contains(&chord) {
                    chords.push(chord);
                }
            }
            bindings.push((binding, chords));
        }
        Ok(Self { bindings })
    }

    /// The action bound to a key press, if any.
    pub fn lookup(&self, ev: &KeyEvent) -> Option<Binding> {
        let chord = KeyChord::from_event(ev);
        self.bindings
            .iter()
            .find(|(_, cs)| cs.contains(&chord))
            .map(|(b, _)| *b)
    }

    /// Keys of one action joined with `/` (e.g. `q/ctrl+c`); `-` if unbound.
    pub fn label(&self, b: Binding) -> String {
        let keys: Vec<String> = self
            .bindings
            .iter()
            .find(|(x, _)| *x == b)
            .map(|(_, cs)| cs.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        if keys.is_empty() {
            "-".into()
        } else {
            keys.join("/")
        }
    }

    /// The first key of an action (for hints); `-` if unbound.
    pub fn first(&self, b: Binding) -> String {
        self.bindings
            .iter()
            .find(|(x, _)| *x == b)
            .and_then(|(_, cs)| cs.first())
            .map_or("-".into(), |c| c.to_string())
    }

    /// Every action in help order.
    pub fn actions(&self) -> impl Iterator<Item = Binding> + '_ {
        self.bindings.iter().map(|(b, _)| *b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_and_prints() {
        for s in [
            "j",
            "G",
            "ctrl+c",
            "shift+tab",
            "pagedown",
            "f5",
            "alt+x",
            "+",
            "ctrl++",
        ] {
            assert_eq!(KeyChord::parse(s).unwrap().to_string(), s, "{s}");
        }
        assert_eq!(KeyChord::parse("shift+g").unwrap().to_string(), "G");
        assert_eq!(KeyChord::parse("Space").unwrap().to_string(), "space");
        assert!(KeyChord::parse("hyper+x").is_err());
        assert!(KeyChord::parse("ctrl+").is_err());
        assert!(KeyChord::parse("f13").is_err());
        assert!(KeyChord::parse("jj").is_err());
    }

    #[test]
    fn terminal_shift_reports_match() {
        let map = KeyMap::default();
        assert_eq!(
            map.lookup(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Binding::Help)
        );
        assert_eq!(
            map.lookup(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Binding::Bottom)
        );
        assert_eq!(
            map.lookup(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Binding::PrevPane)
        );
        assert_eq!(
            map.lookup(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Binding::Quit)
        );
        assert_eq!(
            map.lookup(&ev(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn conflicts_and_empty_quit_are_rejected() {
        let mut k = KeyBindings {
            toggle: vec!["j".into()],
            ..KeyBindings::default()
        };
        let (key, msg) = KeyMap::from_config(&k).unwrap_err();
        assert_eq!(key, "tui.keys.toggle");
        assert!(msg.contains("already bound to `down`"), "{msg}");
        k = KeyBindings {
            quit: vec![],
            ..KeyBindings::default()
        };
        assert_eq!(KeyMap::from_config(&k).unwrap_err().0, "tui.keys.quit");
    }
}
