//! Reads chat XML for the `danmu_ass` processor: srec's own files and
//! BililiveRecorder's (same `<i>` root and `<d p="time,mode,size,color,...">`
//! comments, plus a header of Bilibili fields, a record-info element, an
//! embedded XSL stylesheet and `raw` JSON attributes). Only direct children
//! of `<i>` count, so nothing inside the stylesheet is mistaken for chat; a
//! file cut short (a crash before `</i>`) yields what came before the cut.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// How a comment is placed (the `mode` field of `p`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Right to left across the screen (modes 1–3 and anything unknown).
    Scroll,
    /// Fixed at the bottom centre (mode 4).
    Bottom,
    /// Fixed at the top centre (mode 5).
    Top,
}

/// A super chat: a paid message the site pins for `keep_s` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Paid {
    pub user: String,
    /// Price as written (yuan on Bilibili).
    pub price: String,
    pub keep_s: f64,
}

/// One message to show, `time` seconds into the video.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub time: f64,
    /// `0xRRGGBB`.
    pub color: u32,
    pub mode: Mode,
    pub text: String,
    /// Set for a super chat (`<sc>`).
    pub paid: Option<Paid>,
}

/// The element being read: its attributes until its text arrives.
struct Open {
    name: Vec<u8>,
    attrs: Vec<(Vec<u8>, String)>,
    text: String,
}

fn open(e: &BytesStart<'_>) -> Open {
    let attrs = e
        .attributes()
        .with_checks(false)
        .filter_map(Result::ok)
        .map(|a| {
            let v = a
                .unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            (a.key.as_ref().to_vec(), v)
        })
        .collect();
    Open {
        name: e.name().as_ref().to_vec(),
        attrs,
        text: String::new(),
    }
}

impl Open {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key.as_bytes())
            .map(|(_, v)| v.as_str())
    }

    /// The message this element stands for, if it is one with text and a
    /// usable time. Gifts and guard purchases carry no text to show.
    fn message(self) -> Option<Message> {
        let text = self.text.replace(['\n', '\r'], " ");
        if text.trim().is_empty() {
            return None;
        }
        let num = |s: Option<&str>| s.and_then(|v| v.trim().parse::<f64>().ok());
        let m = match self.name.as_slice() {
            b"d" => {
                let p: Vec<&str> = self.attr("p")?.split(',').collect();
                let field = |i: usize| p.get(i).copied();
                Message {
                    time: num(field(0))?,
                    color: field(3)
                        .and_then(|c| c.trim().parse::<u32>().ok())
                        .map_or(0xFF_FFFF, |c| c & 0xFF_FFFF),
                    mode: match field(1).map(str::trim) {
                        Some("4") => Mode::Bottom,
                        Some("5") => Mode::Top,
                        _ => Mode::Scroll,
                    },
                    text,
                    paid: None,
                }
            }
            b"sc" => Message {
                time: num(self.attr("ts"))?,
                color: 0xFF_D7_00,
                mode: Mode::Bottom,
                text,
                paid: Some(Paid {
                    user: self.attr("user").unwrap_or_default().to_string(),
                    price: self.attr("price").unwrap_or_default().to_string(),
                    keep_s: num(self.attr("time")).unwrap_or(0.0),
                }),
            },
            _ => return None,
        };
        (m.time.is_finite() && m.time >= 0.0).then_some(m)
    }
}

/// Every comment (`<d>`) and super chat (`<sc>`) of a chat XML, in time
/// order (stable: equal times keep file order).
pub fn read(xml: &str) -> Vec<Message> {
    let xml = xml.trim_start_matches('\u{feff}');
    let mut reader = Reader::from_str(xml);
    // Tolerate what a hand-edited or foreign file may do wrong: the
    // messages inside still count.
    reader.config_mut().check_end_names = false;
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Open> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth == 2 {
                    current = Some(open(&e));
                }
            }
            Ok(Event::Text(t)) if depth == 2 => {
                if let Some(c) = current.as_mut() {
                    match t.unescape() {
                        Ok(s) => c.text.push_str(&s),
                        Err(_) => c.text.push_str(&String::from_utf8_lossy(&t)),
                    }
                }
            }
            Ok(Event::CData(t)) if depth == 2 => {
                if let Some(c) = current.as_mut() {
                    c.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Ok(Event::End(_)) => {
                if depth == 2
                    && let Some(m) = current.take().and_then(Open::message)
                {
                    out.push(m);
                }
                depth = depth.saturating_sub(1);
            }
            // A cut file ends here too: keep what was complete.
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out.sort_by(|a, b| a.time.total_cmp(&b.time));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_comments_and_super_chats_but_not_the_stylesheet_or_gifts() {
        let xml = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<i>\r\n\
            <BililiveRecorderXmlStyle><z:stylesheet xmlns:z=\"x\"><d p=\"0,1,25,1,0,0,0,0\">not chat</d></z:stylesheet></BililiveRecorderXmlStyle>\r\n\
            <d p=\"2.5,5,25,16711680,0,0,1,0\" user=\"a\" raw=\"[&quot;x&gt;y&quot;]\">top &amp; &#x263A;</d>\r\n\
            <sc ts=\"1.0\" user=\"b\" price=\"30\" time=\"60\">thanks</sc>\r\n\
            <gift ts=\"1.5\" user=\"c\" giftname=\"g\" giftcount=\"1\" />\r\n\
            <d p=\"3.0,1,25,255,0,0,2,0\">cut after this</d>\r\n<d p=\"4.0,1";
        let m = read(xml);
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!(m[0].text, "thanks");
        assert_eq!(m[0].paid.as_ref().map(|p| p.price.as_str()), Some("30"));
        assert_eq!((m[1].text.as_str(), m[1].mode), ("top & ☺", Mode::Top));
        assert_eq!(m[1].color, 0xFF0000);
        assert_eq!((m[2].time, m[2].color), (3.0, 0x0000FF));
    }
}
