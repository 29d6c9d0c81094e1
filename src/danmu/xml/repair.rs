//! Closes a chat XML file a killed daemon left open: reads it with
//! quick-xml up to the last complete element inside `<i>`, truncates a
//! partial last element, and appends `</i>`, so every file parses. Also
//! counts the messages kept, for the `danmu_files` row.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;

/// What [`repair`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairOutcome {
    /// The file already ended with `</i>`; untouched.
    Complete { messages: u64 },
    /// A partial tail of `cut` bytes was removed and `</i>` appended.
    Closed { messages: u64, cut: u64 },
    /// Not even `<i>` was complete: the file was rewritten empty but valid.
    Rewritten,
}

/// Elements that count as messages.
fn is_message(name: &[u8]) -> bool {
    matches!(name, b"d" | b"sc" | b"gift" | b"guard")
}

/// Scan result: `(complete, end of the last whole element inside <i>, messages)`.
fn scan(bytes: &[u8]) -> (bool, Option<u64>, u64) {
    let mut reader = Reader::from_reader(bytes);
    let mut depth = 0usize;
    let mut good: Option<u64> = None;
    let mut messages = 0u64;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => return (false, good, messages),
            Ok(e) => e,
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth == 1 && e.name().as_ref() != b"i" {
                    return (false, None, 0);
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (true, good, messages);
                }
                if depth == 1 && is_message(e.name().as_ref()) {
                    messages += 1;
                }
            }
            Event::Empty(e) if depth == 1 && is_message(e.name().as_ref()) => messages += 1,
            _ => {}
        }
        // Only between children of `<i>` is a cut safe.
        if depth == 1 {
            good = Some(reader.buffer_position());
        }
    }
}

/// Makes `path` a well-formed document (see [`RepairOutcome`]).
pub fn repair(path: &Path) -> io::Result<RepairOutcome> {
    let bytes = std::fs::read(path)?;
    let (complete, good, messages) = scan(&bytes);
    if complete {
        return Ok(RepairOutcome::Complete { messages });
    }
    let mut file = OpenOptions::new().write(true).open(path)?;
    let Some(good) = good else {
        file.set_len(0)?;
        file.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><i>\n</i>\n")?;
        file.sync_data()?;
        return Ok(RepairOutcome::Rewritten);
    };
    file.set_len(good)?;
    let mut file = OpenOptions::new().append(true).open(path)?;
    file.write_all(b"\n</i>\n")?;
    file.sync_data()?;
    Ok(RepairOutcome::Closed {
        messages,
        cut: bytes.len() as u64 - good,
    })
}
