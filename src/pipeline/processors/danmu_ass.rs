//! `danmu_ass`: chat XML (srec's and BililiveRecorder's, read by
//! [`super::chat_xml`], tolerating a file cut before `</i>`) into ASS
//! subtitles with scrolling comments in lanes: a comment takes the first
//! lane whose last comment has fully entered the screen and will not be
//! caught up. Fixed comments and super chats: see [`convert`].

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::chat_xml::{self, Mode};
use super::{StepIo, blocking, finish, io_err, temp_of};
use crate::pipeline::StepError;

/// How comments look.
#[derive(Debug, Clone, PartialEq)]
pub struct AssStyle {
    pub width: u32,
    pub height: u32,
    pub font: String,
    pub font_size: u32,
    /// 0.0 transparent … 1.0 opaque.
    pub opacity: f32,
    /// Time a comment takes to cross the screen.
    pub scroll: Duration,
}

fn ass_time(t: f64) -> String {
    let cs = (t * 100.0).round() as u64;
    format!(
        "{}:{:02}:{:02}.{:02}",
        cs / 360_000,
        cs / 6000 % 60,
        cs / 100 % 60,
        cs % 100
    )
}

/// Longest a super chat stays pinned on the video (the site may pin one
/// for an hour; subtitles that long would hide the picture).
const SC_MAX_S: f64 = 30.0;

/// `&HBBGGRR&` of a `0xRRGGBB` colour.
fn ass_color(c: u32) -> String {
    format!(
        "&H{:02X}{:02X}{:02X}&",
        c & 0xFF,
        (c >> 8) & 0xFF,
        (c >> 16) & 0xFF
    )
}

/// Text with ASS override braces and backslashes made harmless.
fn ass_text(text: &str) -> String {
    text.replace('{', "｛")
        .replace('}', "｝")
        .replace('\\', "＼")
}

/// Fixed (top or bottom) rows: the one free at `time`, else the one
/// freed soonest; `until` is when the row's current line goes away.
fn fixed_row(rows: &mut [f64], time: f64, until: f64) -> usize {
    let row = rows.iter().position(|end| *end <= time).unwrap_or_else(|| {
        rows.iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i)
    });
    if let Some(r) = rows.get_mut(row) {
        *r = until;
    }
    row
}

/// Converts chat XML text to an ASS document; messages after `until`
/// seconds (the video's length) are left out.
///
/// - A comment (`<d>`) of mode 1–3 scrolls right to left in the first free
///   lane; mode 4 is fixed at the bottom centre and mode 5 at the top
///   centre, each for the scroll time. Its colour comes from `p`.
/// - A super chat (`<sc>`) is fixed at the bottom centre, in gold, as
///   `SC ¥price user: text`, for the time the site pinned it (the `time`
///   attribute; at most 30 s, the scroll time when absent).
/// - Gifts (`<gift>`) and guard purchases (`<guard>`) have no text to show
///   and are left out, as are the header and record-info elements.
pub fn convert(xml: &str, style: &AssStyle, until: Option<f64>) -> String {
    let alpha = 255 - (style.opacity.clamp(0.0, 1.0) * 255.0).round() as u32;
    let mut out = String::new();
    let _ = write!(
        out,
        "[Script Info]\nScriptType: v4.00+\nPlayResX: {w}\nPlayResY: {h}\nWrapStyle: 2\n\n\
         [V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
         Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, \
         Alignment, MarginL, MarginR, MarginV, Encoding\n\
         Style: Danmu,{font},{size},&H{alpha:02X}FFFFFF,&H{alpha:02X}FFFFFF,&H{alpha:02X}000000,&H{alpha:02X}000000,\
         0,0,0,0,100,100,0,0,1,1,0,7,0,0,0,1\n\n\
         [Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
        w = style.width,
        h = style.height,
        font = style.font,
        size = style.font_size,
    );
    let line_h = f64::from(style.font_size) * 1.2;
    let lanes = ((f64::from(style.height) / line_h).floor() as usize).max(1);
    let scroll = style.scroll.as_secs_f64().max(0.1);
    let screen = f64::from(style.width);
    let centre = style.width / 2;
    // Per lane: (start time, pixel width) of its last comment.
    let mut last: Vec<Option<(f64, f64)>> = vec![None; lanes];
    // Per fixed row: when its line goes away.
    let mut top = vec![0.0; lanes];
    let mut bottom = vec![0.0; lanes];
    for c in chat_xml::read(xml)
        .into_iter()
        .filter(|c| until.is_none_or(|u| c.time <= u))
    {
        let color = ass_color(c.color);
        if let Some(p) = &c.paid {
            let keep = if p.keep_s > 0.0 {
                p.keep_s.min(SC_MAX_S)
            } else {
                scroll
            };
            let row = fixed_row(&mut bottom, c.time, c.time + keep);
            let y = (f64::from(style.height) - row as f64 * line_h).round() as i64;
            let _ = writeln!(
                out,
                "Dialogue: 1,{},{},Danmu,,0,0,0,,{{\\an2\\pos({centre},{y})\\c{color}}}SC ¥{} {}: {}",
                ass_time(c.time),
                ass_time(c.time + keep),
                ass_text(&p.price),
                ass_text(&p.user),
                ass_text(&c.text),
            );
            continue;
        }
        if c.mode != Mode::Scroll {
            let (rows, an, y0, dir) = if c.mode == Mode::Top {
                (&mut top, 8, 0.0, 1.0)
            } else {
                (&mut bottom, 2, f64::from(style.height), -1.0)
            };
            let row = fixed_row(rows, c.time, c.time + scroll);
            let y = (y0 + dir * row as f64 * line_h).round() as i64;
            let _ = writeln!(
                out,
                "Dialogue: 0,{},{},Danmu,,0,0,0,,{{\\an{an}\\pos({centre},{y})\\c{color}}}{}",
                ass_time(c.time),
                ass_time(c.time + scroll),
                ass_text(&c.text),
            );
            continue;
        }
        let w = c.text.chars().count() as f64 * f64::from(style.font_size);
        let speed = (screen + w) / scroll;
        let free = |l: &Option<(f64, f64)>| match l {
            None => true,
            Some((t0, w0)) => {
                let entered = t0 + w0 / ((screen + w0) / scroll);
                let prev_leaves = t0 + scroll;
                // The new one must not reach the left edge before the old one leaves.
                c.time >= entered && c.time + screen / speed >= prev_leaves
            }
        };
        let lane = last.iter().position(free).unwrap_or_else(|| {
            // All busy: the lane freed soonest.
            last.iter()
                .enumerate()
                .min_by(|a, b| {
                    let ta = a.1.map_or(0.0, |x| x.0);
                    let tb = b.1.map_or(0.0, |x| x.0);
                    ta.total_cmp(&tb)
                })
                .map_or(0, |(i, _)| i)
        });
        last[lane] = Some((c.time, w));
        let y = (lane as f64 * line_h).round() as i64;
        let _ = writeln!(
            out,
            "Dialogue: 0,{},{},Danmu,,0,0,0,,{{\\move({},{y},{},{y})\\c{color}}}{}",
            ass_time(c.time),
            ass_time(c.time + scroll),
            style.width,
            -(w.round() as i64),
            ass_text(&c.text),
        );
    }
    out
}

/// Converts the chat XML inputs. With a video among the inputs (paired
/// trigger) its length bounds the subtitles, and its resolution is used
/// when `probe_size` (no `resolution` configured).
pub async fn run(
    io: &StepIo<'_>,
    mut style: AssStyle,
    probe_size: bool,
) -> Result<Vec<PathBuf>, StepError> {
    let video = super::videos(&io.inputs).into_iter().next();
    let mut until = None;
    if let Some(v) = &video {
        let p = super::media::probe(&io.ctx.ffmpeg, v).await;
        until = p.duration.map(|d| d.as_secs_f64()).filter(|d| *d > 0.0);
        if probe_size && let Some((w, h)) = p.size {
            style.width = w;
            style.height = h;
        }
    }
    let xmls: Vec<PathBuf> = io
        .inputs
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")))
        .cloned()
        .collect();
    if xmls.is_empty() {
        return Err(StepError::Fatal("no chat XML among the inputs".into()));
    }
    // A long session's chat is megabytes to parse and write: off the
    // runtime's threads, like every other file step.
    blocking(move || {
        let mut out = Vec::new();
        for x in xmls {
            let text = std::fs::read(&x).map_err(|e| io_err("read", &x, e))?;
            let ass = convert(&String::from_utf8_lossy(&text), &style, until);
            let target = x.with_extension("ass");
            let temp = temp_of(&target);
            std::fs::write(&temp, ass).map_err(|e| io_err("write", &temp, e))?;
            finish(&temp, &target)?;
            out.push(target);
        }
        Ok(out)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> AssStyle {
        AssStyle {
            width: 1280,
            height: 720,
            font: "Sans".into(),
            font_size: 36,
            opacity: 0.5,
            scroll: Duration::from_secs(8),
        }
    }

    #[test]
    fn comments_become_scrolling_lines_in_separate_lanes() {
        let xml = "<?xml version=\"1.0\"?><i>\
            <d p=\"1.5,1,25,16711680,0,0,1,0\" user=\"a\">hello &amp; &lt;hi&gt;</d>\
            <d p=\"1.6,1,25,16777215,0,0,2,0\">second</d>\
            <d p=\"bad\">skipped</d>";
        let ass = convert(xml, &style(), None);
        assert!(ass.contains("PlayResX: 1280"));
        assert!(ass.contains("&H7FFFFFFF"), "opacity 0.5 -> alpha 0x7F");
        let lines: Vec<&str> = ass.lines().filter(|l| l.starts_with("Dialogue")).collect();
        assert_eq!(lines.len(), 2, "a file without </i> still converts");
        assert!(lines[0].contains("0:00:01.50,0:00:09.50"));
        assert!(lines[0].contains("hello & <hi>"));
        assert!(lines[0].contains("\\c&H0000FF&"), "red in BGR");
        assert!(
            lines[0].contains(",0)") && lines[1].contains(",43)"),
            "second lane: {}",
            lines[1]
        );
    }
}
