//! HTTP-FLV live stream: `GET /live/{id}.flv`.
//!
//! A connection starts at the last keyframe before the live edge, or before
//! `flv_backlog` behind it (like a CDN's GOP cache), sends the FLV header, onMetaData and both sequence headers,
//! then media tags as the room's media clock reaches them. Tag timestamps are
//! the room's media time (plus any timestamp-jump fault), so they keep
//! increasing across laps of the clip and across reconnects.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{BufMut, Bytes, BytesMut};
use rand::Rng;

use super::body::{self, Gone, Pipe};
use super::not_found;
use crate::fault::Fault;
use crate::media::fixture::{Clip, LAP_MS};
use crate::media::flv::{self, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO};
use crate::room::Room;
use crate::shared::Shared;
use crate::stats::Route;

pub(crate) async fn stream(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
) -> Response {
    let Some(id) = file.strip_suffix(".flv") else {
        return not_found("no such stream");
    };
    let room = shared.room(id);
    shared.count(Route::Flv, room.as_ref());
    let Some(room) = room else {
        return not_found("room not found");
    };
    if !room.is_live() {
        return not_found("room is offline");
    }
    let status = room.lock().faults.fire(&[], |f| match f {
        Fault::FlvStatus { status } => Some(*status),
        _ => None,
    });
    if let Some((_, status)) = status {
        return super::error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "injected fault",
        );
    }
    let (pipe, body) = body::pipe(room.clone(), shared.cancel.clone());
    tokio::spawn(run(shared, room, pipe));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "video/x-flv"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Position in the endless tag sequence of one clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    lap: u64,
    idx: usize,
}

impl Cursor {
    fn media_ms(self, clip: &Clip) -> u64 {
        self.lap * LAP_MS + u64::from(clip.flv.tags[self.idx].timestamp)
    }

    fn advance(self, clip: &Clip) -> Cursor {
        if self.idx + 1 < clip.flv.tags.len() {
            Cursor {
                idx: self.idx + 1,
                ..self
            }
        } else {
            Cursor {
                lap: self.lap + 1,
                idx: 0,
            }
        }
    }

    /// The last keyframe at or before `ms` (a new viewer's starting point).
    fn keyframe_before(clip: &Clip, ms: u64) -> Cursor {
        let (lap, within) = (ms / LAP_MS, ms % LAP_MS);
        let idx = clip
            .flv
            .tags
            .iter()
            .rposition(|t| t.is_keyframe() && u64::from(t.timestamp) <= within)
            .unwrap_or(0);
        Cursor { lap, idx }
    }

    /// The first keyframe at or after `ms` (where a switched-to clip starts).
    fn keyframe_from(clip: &Clip, ms: u64) -> Cursor {
        let (lap, within) = (ms / LAP_MS, ms % LAP_MS);
        match clip
            .flv
            .tags
            .iter()
            .position(|t| t.is_keyframe() && u64::from(t.timestamp) >= within)
        {
            Some(idx) => Cursor { lap, idx },
            None => Cursor {
                lap: lap + 1,
                idx: 0,
            },
        }
    }
}

/// What the room says about the next tag, read under one lock.
struct Step {
    still_live: bool,
    wait: std::time::Duration,
    clip: usize,
    run_start: u64,
    jump_ms: i64,
}

fn out_ts(media_ms: u64, jump_ms: i64) -> u32 {
    (media_ms as i64 + jump_ms).clamp(0, i64::from(u32::MAX)) as u32
}

/// How a connection ends on purpose.
enum End {
    /// Room went offline / new session: finish the body cleanly.
    Clean,
    /// A drop fault: send these last bytes, then cut the connection.
    Cut(Bytes),
    /// A publisher drop: send this tail, then finish the body cleanly.
    Tail(Bytes),
}

async fn run(shared: Arc<Shared>, room: Room, mut pipe: Pipe) {
    match stream_tags(&shared, &room, &mut pipe).await {
        Ok(End::Cut(prefix)) => {
            if pipe.send(prefix).await.is_ok() {
                pipe.cut().await;
            }
        }
        Ok(End::Tail(tail)) => {
            // Dropping the pipe afterwards ends the body cleanly.
            let _ = pipe.send(tail).await;
        }
        // Dropping the pipe ends the body; a gone client needs nothing more.
        Ok(End::Clean) | Err(Gone) => {}
    }
}

async fn stream_tags(shared: &Shared, room: &Room, pipe: &mut Pipe) -> Result<End, Gone> {
    let settings = room.settings().clone();
    let (session, start_ms, start_clip) = {
        let st = room.lock();
        let backlog = settings.flv_backlog.as_millis() as u64;
        let now = st.media_now(&settings).saturating_sub(backlog);
        (st.session, now, st.timeline.clip_at(0, now))
    };
    let mut clip_idx = start_clip;
    let mut cur = Cursor::keyframe_before(shared.media.clip(clip_idx), start_ms);
    let mut fired: Vec<u64> = Vec::new();
    pipe.send(flv::file_header()).await?;
    let first = cur.media_ms(shared.media.clip(clip_idx));
    let jump = room.lock().timeline.jump_at(first);
    pipe.send(headers(shared.media.clip(clip_idx), out_ts(first, jump)))
        .await?;

    loop {
        let clip = shared.media.clip(clip_idx);
        let tag = &clip.flv.tags[cur.idx];
        let media_ms = cur.media_ms(clip);
        let step = {
            let st = room.lock();
            Step {
                still_live: st.live && st.session == session,
                wait: st.wall_until(&settings, media_ms),
                clip: st.timeline.clip_at(0, media_ms),
                run_start: st.timeline.run_start(media_ms),
                jump_ms: st.timeline.jump_at(media_ms),
            }
        };
        if !step.still_live {
            return Ok(End::Clean);
        }
        if !step.wait.is_zero() {
            // Re-check liveness at least every 200 ms while waiting.
            pipe.sleep(step.wait.as_secs_f64().min(0.2)).await?;
            continue;
        }
        if step.clip != clip_idx {
            clip_idx = step.clip;
            let next = shared.media.clip(clip_idx);
            cur = Cursor::keyframe_from(next, step.run_start);
            let at = cur.media_ms(next);
            let jump = room.lock().timeline.jump_at(at);
            pipe.send(headers(next, out_ts(at, jump))).await?;
            continue;
        }
        let bytes = flv::write_tag(tag.kind, out_ts(media_ms, step.jump_ms), &tag.body);
        let tail = |overlap_ms| audio_tail(clip, cur, step.jump_ms, overlap_ms);
        if let Some(end) = apply_faults(room, pipe, &mut fired, &bytes, tail).await? {
            return Ok(end);
        }
        pipe.send(bytes).await?;
        cur = cur.advance(clip);
    }
}

/// Fires the FLV faults due before `next` is sent (each armed fault at most
/// once per connection). Returns how to end if the connection must end;
/// `tail(overlap_ms)` builds a publisher drop's audio tail.
async fn apply_faults(
    room: &Room,
    pipe: &mut Pipe,
    fired: &mut Vec<u64>,
    next: &Bytes,
    tail: impl FnOnce(u32) -> Bytes,
) -> Result<Option<End>, Gone> {
    let sent = pipe.sent();
    let next_len = next.len() as u64;
    let publisher_drop = room.lock().faults.fire(fired, |f| match f {
        Fault::FlvPublisherDrop {
            after_bytes,
            tail_overlap_ms,
        } if sent >= *after_bytes => Some(*tail_overlap_ms),
        _ => None,
    });
    if let Some((_, overlap_ms)) = publisher_drop {
        return Ok(Some(End::Tail(tail(overlap_ms))));
    }
    let drop_at = room.lock().faults.fire(fired, |f| match f {
        Fault::FlvDrop { after_bytes } if sent + next_len >= *after_bytes => Some(*after_bytes),
        _ => None,
    });
    if let Some((_, after)) = drop_at {
        // The cut lands inside `next` (or right now if already past the count).
        let keep = after.saturating_sub(sent).min(next_len) as usize;
        return Ok(Some(End::Cut(next.slice(..keep))));
    }
    let stall = room.lock().faults.fire(fired, |f| match f {
        Fault::FlvStall { after_bytes, secs } if sent >= *after_bytes => Some(*secs),
        _ => None,
    });
    if let Some((id, secs)) = stall {
        fired.push(id);
        pipe.sleep(secs).await?;
    }
    let garbage = room.lock().faults.fire(fired, |f| match f {
        Fault::FlvGarbage { after_bytes, len } if sent >= *after_bytes => Some(*len),
        _ => None,
    });
    if let Some((id, len)) = garbage {
        fired.push(id);
        pipe.send(garbage_bytes(len)).await?;
    }
    Ok(None)
}

/// A publisher drop's tail (see [`Fault::FlvPublisherDrop`]): the audio
/// tags of the next `2 × overlap_ms` of media from `cur`, each stamped
/// `overlap_ms` early, so the first ones overlap audio already sent.
fn audio_tail(clip: &Clip, mut cur: Cursor, jump_ms: i64, overlap_ms: u32) -> Bytes {
    let end = cur.media_ms(clip) + 2 * u64::from(overlap_ms);
    let mut out = BytesMut::new();
    while cur.media_ms(clip) < end {
        let tag = &clip.flv.tags[cur.idx];
        if tag.kind == TAG_AUDIO && !tag.is_aac_header() {
            let ts = out_ts(cur.media_ms(clip), jump_ms).saturating_sub(overlap_ms);
            out.put_slice(&flv::write_tag(TAG_AUDIO, ts, &tag.body));
        }
        cur = cur.advance(clip);
    }
    out.freeze()
}

/// Random bytes whose first byte is not a valid tag type, so a parser that
/// trusts the stream notices at once.
fn garbage_bytes(len: usize) -> Bytes {
    let mut buf = vec![0u8; len];
    rand::rng().fill(&mut buf[..]);
    if let Some(first) = buf.first_mut() {
        *first = 0xee;
    }
    Bytes::from(buf)
}

/// onMetaData plus AVC and AAC sequence headers, all at `ts`.
fn headers(clip: &Clip, ts: u32) -> Bytes {
    let mut out = BytesMut::new();
    out.put_slice(&flv::write_tag(TAG_SCRIPT, ts, &clip.flv.metadata));
    out.put_slice(&flv::write_tag(TAG_VIDEO, ts, &clip.flv.avc_header));
    out.put_slice(&flv::write_tag(TAG_AUDIO, ts, &clip.flv.aac_header));
    out.freeze()
}
