//! Key press → [`Action`], depending on what has the keyboard: the
//! configurable bindings in the normal view, fixed editing keys in popups.
//! Ctrl+C quits from anywhere, whatever the configuration says.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::state::{AppState, Mode};
use crate::config::keys::{Binding, KeyMap};

/// The action a key press stands for in the current state, if any.
pub fn action_for(state: &AppState, keys: &KeyMap, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(ev.code, KeyCode::Char('c' | 'C')) {
        return Some(Action::Quit);
    }
    if state.shutdown.is_some() {
        return (keys.lookup(ev) == Some(Binding::Quit)).then_some(Action::Quit);
    }
    match &state.mode {
        Mode::Normal => match ev.code {
            KeyCode::Esc => Some(Action::Cancel),
            _ => keys.lookup(ev).map(binding_action),
        },
        // Any key closes the help.
        Mode::Help => Some(Action::Cancel),
        Mode::Filter | Mode::Add(_) => editing(ev, ctrl),
        Mode::ConfirmRemove { .. } => match ev.code {
            KeyCode::Enter | KeyCode::Char('y' | 'Y') => Some(Action::Submit),
            KeyCode::Esc | KeyCode::Char('n' | 'N' | 'q') => Some(Action::Cancel),
            _ => None,
        },
    }
}

fn editing(ev: &KeyEvent, ctrl: bool) -> Option<Action> {
    match ev.code {
        KeyCode::Enter => Some(Action::Submit),
        KeyCode::Esc => Some(Action::Cancel),
        KeyCode::Backspace => Some(Action::Backspace),
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => Some(Action::NextField),
        KeyCode::Char(c) if !ctrl && !ev.modifiers.contains(KeyModifiers::ALT) => {
            Some(Action::Input(c))
        }
        _ => None,
    }
}

fn binding_action(b: Binding) -> Action {
    match b {
        Binding::Up => Action::Up,
        Binding::Down => Action::Down,
        Binding::Top => Action::Top,
        Binding::Bottom => Action::Bottom,
        Binding::NextPane => Action::NextPane,
        Binding::PrevPane => Action::PrevPane,
        Binding::Add => Action::OpenAdd,
        Binding::Toggle => Action::ToggleEnabled,
        Binding::Remove => Action::AskRemove,
        Binding::CheckNow => Action::CheckNow,
        Binding::Stop => Action::StopRecording,
        Binding::Filter => Action::OpenFilter,
        Binding::LogLevel => Action::CycleLogLevel,
        Binding::Help => Action::ToggleHelp,
        Binding::Quit => Action::Quit,
    }
}

/// A bracketed paste becomes typed characters in an open input (URLs are
/// usually pasted); elsewhere it is ignored.
pub fn paste_actions(state: &AppState, text: &str) -> Vec<Action> {
    if state.shutdown.is_some() || !matches!(state.mode, Mode::Filter | Mode::Add(_)) {
        return Vec::new();
    }
    text.chars()
        .filter(|c| !c.is_control())
        .map(Action::Input)
        .collect()
}
