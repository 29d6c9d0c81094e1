//! Writes one segment's chat as BililiveRecorder-compatible XML:
//! `<d p="time,mode,size,color,sent_ms,pool,uid,id" user="…">text</d>`,
//! `<sc>`, `<gift>`, `<guard>` and a `<gap>` element where the connection
//! was down. Buffered; flushed at least every second by [`DanmuXmlWriter::flush_if_due`]
//! (a `kill -9` loses at most that second, and [`super::repair`] closes the
//! file); `</i>` is written by [`DanmuXmlWriter::finish`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use super::sanitize::clean;
use crate::danmu::message::{ChatEvent, Sender};

/// How often buffered lines reach the file at the latest.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// The writer's version in the `<BililiveRecorder>` marker (DanmakuFactory
/// looks for the element, not the value).
const MARKER_VERSION: &str = concat!("srec-", env!("CARGO_PKG_VERSION"));

/// The room and session a file belongs to (`<BililiveRecorderRecordInfo>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordInfo {
    pub room_id: String,
    pub name: String,
    pub title: String,
    pub area_parent: String,
    pub area_child: String,
    /// RFC 3339 time the segment started.
    pub start_time: String,
}

/// Counters of one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// `<d>`, `<sc>`, `<gift>` and `<guard>` elements written.
    pub messages: u64,
    /// Reconnect gaps marked.
    pub gaps: u64,
}

/// The file under the buffer; each write passes the test-only slow-disk
/// knob ([`crate::media::slow_write`]) like the video's.
struct Disk {
    file: File,
    path: PathBuf,
}

impl Write for Disk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        crate::media::slow_write::before_write(&self.path);
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// An open chat XML file.
pub struct DanmuXmlWriter {
    xml: Writer<BufWriter<Disk>>,
    path: PathBuf,
    stats: WriterStats,
    last_flush: Instant,
    dirty: bool,
}

fn secs(offset: Duration) -> String {
    format!("{:.3}", offset.as_secs_f64())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn uid(sender: &Sender) -> String {
    clean(sender.uid.as_deref().unwrap_or("0")).into_owned()
}

impl DanmuXmlWriter {
    /// Creates (truncates) `path` and writes the header.
    pub fn create(path: &Path, info: &RecordInfo) -> io::Result<Self> {
        let file = File::create(path)?;
        let mut w = Self {
            xml: Writer::new(BufWriter::with_capacity(
                64 * 1024,
                Disk {
                    file,
                    path: path.to_path_buf(),
                },
            )),
            path: path.to_path_buf(),
            stats: WriterStats::default(),
            last_flush: Instant::now(),
            dirty: true,
        };
        // No newline between the declaration and `<i>`: danmaku2ass's
        // format autodetection compares these exact bytes.
        w.raw(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><i>")?;
        w.raw(b"\n  <!-- chat recorded by srec; time = seconds from the video segment's first bytes on disk -->")?;
        for (tag, text) in [
            ("chatserver", "chat.bilibili.com"),
            ("chatid", "0"),
            ("mission", "0"),
            ("maxlimit", "1000"),
            ("state", "0"),
            ("real_name", "0"),
            ("source", "0"),
        ] {
            w.raw(b"\n  ")?;
            w.xml
                .create_element(tag)
                .write_text_content(BytesText::new(text))?;
        }
        w.empty("BililiveRecorder", &[("version", MARKER_VERSION)])?;
        w.empty(
            "BililiveRecorderRecordInfo",
            &[
                ("roomid", &info.room_id),
                ("shortid", "0"),
                ("name", &info.name),
                ("title", &info.title),
                ("areanameparent", &info.area_parent),
                ("areanamechild", &info.area_child),
                ("start_time", &info.start_time),
            ],
        )?;
        w.flush()?;
        Ok(w)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn stats(&self) -> WriterStats {
        self.stats
    }

    fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.xml.get_mut().write_all(bytes)
    }

    fn start(tag: &str, attrs: &[(&str, &str)]) -> BytesStart<'static> {
        let mut e = BytesStart::new(tag.to_owned());
        for (k, v) in attrs {
            e.push_attribute((*k, clean(v).as_ref()));
        }
        e
    }

    fn empty(&mut self, tag: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.raw(b"\n  ")?;
        self.xml
            .write_event(Event::Empty(Self::start(tag, attrs)))?;
        Ok(())
    }

    fn with_text(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.raw(b"\n  ")?;
        self.xml
            .write_event(Event::Start(Self::start(tag, attrs)))?;
        self.xml
            .write_event(Event::Text(BytesText::new(clean(text).as_ref())))?;
        self.xml.write_event(Event::End(BytesEnd::new(tag)))?;
        Ok(())
    }

    /// Writes one event at `offset` from the segment start. Returns whether
    /// it was a message (room signals such as live hints are not written).
    pub fn write(&mut self, offset: Duration, event: &ChatEvent) -> io::Result<bool> {
        let ts = secs(offset);
        let row = (self.stats.messages + 1).to_string();
        match event {
            ChatEvent::Comment(c) => {
                let p = format!(
                    "{ts},{},{},{},{},0,{},{row}",
                    c.mode,
                    c.size,
                    c.color & 0xFF_FFFF,
                    c.sent_ms.unwrap_or_else(now_ms),
                    uid(&c.sender).replace(',', "")
                );
                self.with_text("d", &[("p", &p), ("user", &c.sender.name)], &c.text)?;
            }
            ChatEvent::Notice { text } => {
                let p = format!("{ts},5,25,16777215,{},0,0,{row}", now_ms());
                self.with_text("d", &[("p", &p), ("user", "")], text)?;
            }
            ChatEvent::SuperChat(s) => {
                let price = s.price.to_string();
                let time = s.duration_s.to_string();
                self.with_text(
                    "sc",
                    &[
                        ("ts", &ts),
                        ("user", &s.sender.name),
                        ("uid", &uid(&s.sender)),
                        ("price", &price),
                        ("time", &time),
                    ],
                    &s.text,
                )?;
            }
            ChatEvent::Gift(g) => {
                let count = g.count.to_string();
                let price = g.price.map(|p| p.to_string());
                let mut attrs = vec![
                    ("ts", ts.as_str()),
                    ("user", g.sender.name.as_str()),
                    ("giftname", g.name.as_str()),
                    ("giftcount", count.as_str()),
                ];
                let uid = uid(&g.sender);
                attrs.insert(2, ("uid", uid.as_str()));
                if let Some(p) = &price {
                    attrs.push(("price", p));
                }
                self.empty("gift", &attrs)?;
            }
            ChatEvent::Guard(g) => {
                let (level, count) = (g.level.to_string(), g.count.to_string());
                self.empty(
                    "guard",
                    &[
                        ("ts", &ts),
                        ("user", &g.sender.name),
                        ("uid", &uid(&g.sender)),
                        ("level", &level),
                        ("count", &count),
                    ],
                )?;
            }
            ChatEvent::Clear { .. } | ChatEvent::LiveHint { .. } | ChatEvent::Reconnect => {
                return Ok(false);
            }
        }
        self.stats.messages += 1;
        self.dirty = true;
        self.flush_if_due()?;
        Ok(true)
    }

    /// Marks that the chat connection was down from `offset` for `down`
    /// (messages sent meanwhile are lost); readers ignore the element.
    pub fn gap(&mut self, offset: Duration, down: Duration, reason: &str) -> io::Result<()> {
        self.empty(
            "gap",
            &[
                ("ts", &secs(offset)),
                ("duration", &secs(down)),
                ("reason", reason),
            ],
        )?;
        self.stats.gaps += 1;
        self.dirty = true;
        self.flush_if_due()
    }

    /// Flushes when something was written and a second has passed.
    pub fn flush_if_due(&mut self) -> io::Result<()> {
        if self.dirty && self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes buffered lines to the file now.
    pub fn flush(&mut self) -> io::Result<()> {
        self.xml.get_mut().flush()?;
        self.last_flush = Instant::now();
        self.dirty = false;
        Ok(())
    }

    /// Writes `</i>`, flushes and syncs; the file is then complete.
    pub fn finish(mut self) -> io::Result<WriterStats> {
        self.raw(b"\n</i>\n")?;
        self.flush()?;
        self.xml.get_ref().get_ref().file.sync_data()?;
        Ok(self.stats)
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
