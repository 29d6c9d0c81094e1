//! HLS live endpoints: master and media playlists, init sections, segments
//! and the AES-128 key, all under `/hls/{id}/`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::body;
use super::{error, not_found};
use crate::fault::Fault;
use crate::media::aes;
use crate::media::fixture::SEGMENT_MS;
use crate::media::segment::{self, SegmentSpec};
use crate::media::ts;
use crate::options::HlsMode;
use crate::playlist;
use crate::room::Room;
use crate::shared::Shared;
use crate::stats::Route;

const M3U8: &str = "application/vnd.apple.mpegurl";

fn token() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Answers with the status of an armed `playlist_status` fault, if any.
fn playlist_fault(room: &Room) -> Option<Response> {
    let status = room.lock().faults.fire(&[], |f| match f {
        Fault::PlaylistStatus { status } => Some(*status),
        _ => None,
    })?;
    Some(error(
        StatusCode::from_u16(status.1).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        "injected fault",
    ))
}

pub(crate) async fn master(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let room = shared.room(&id);
    shared.count(Route::MasterPlaylist, room.as_ref());
    let Some(room) = room else {
        return not_found("room not found");
    };
    if let Some(resp) = playlist_fault(&room) {
        return resp;
    }
    if !room.is_live() {
        return not_found("room is offline");
    }
    let tok = token();
    let variants: Vec<playlist::Variant> = shared
        .media
        .clips
        .iter()
        .enumerate()
        .map(|(i, clip)| playlist::Variant {
            bandwidth: clip.bandwidth,
            width: clip.width,
            height: clip.height,
            codecs: clip.codecs.clone(),
            uri: format!("{i}/index.m3u8?t={tok}"),
        })
        .collect();
    ([(header::CONTENT_TYPE, M3U8)], playlist::master(&variants)).into_response()
}

pub(crate) async fn key(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let room = shared.room(&id);
    shared.count(Route::Key, room.as_ref());
    match room {
        Some(room) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            room.aes_key().to_vec(),
        )
            .into_response(),
        None => not_found("room not found"),
    }
}

/// `/hls/{id}/{variant}/{file}`: `index.m3u8`, `init-{clip}.mp4`, `{seq}.ts`, `{seq}.m4s`.
pub(crate) async fn variant_file(
    State(shared): State<Arc<Shared>>,
    Path((id, variant, file)): Path<(String, String, String)>,
) -> Response {
    let variant = match variant.parse::<usize>() {
        Ok(v) if v < shared.media.clips.len() => v,
        _ => return not_found("no such variant"),
    };
    if file == "index.m3u8" {
        return media_playlist(&shared, &id, variant);
    }
    if let Some(name) = file
        .strip_prefix("init-")
        .and_then(|f| f.strip_suffix(".mp4"))
    {
        return init(&shared, &id, name);
    }
    let (seq, mode) = match file.rsplit_once('.') {
        Some((seq, "ts")) => (seq, HlsMode::Ts),
        Some((seq, "m4s")) => (seq, HlsMode::Fmp4),
        _ => return not_found("no such file"),
    };
    match seq.parse::<u64>() {
        Ok(seq) => segment(&shared, &id, variant, seq, mode).await,
        Err(_) => not_found("no such segment"),
    }
}

fn media_playlist(shared: &Shared, id: &str, variant: usize) -> Response {
    shared.count(Route::MediaPlaylist, shared.room(id).as_ref());
    match media_playlist_text(shared, id, variant) {
        Ok(text) => ([(header::CONTENT_TYPE, M3U8)], text).into_response(),
        Err(resp) => *resp,
    }
}

/// The live media playlist of rendition `variant` (segment URIs relative
/// to `/hls/{id}/{variant}/`), or the error answer; site emulations wrap it.
pub(crate) fn media_playlist_text(
    shared: &Shared,
    id: &str,
    variant: usize,
) -> Result<String, Box<Response>> {
    let Some(room) = shared.room(id) else {
        return Err(Box::new(not_found("room not found")));
    };
    if let Some(resp) = playlist_fault(&room) {
        return Err(Box::new(resp));
    }
    let settings = room.settings();
    let st = room.lock();
    let listed = st.listed(settings);
    if listed.is_empty() {
        return Err(Box::new(not_found("no segments yet")));
    }
    let segments = listed
        .clone()
        .map(|index| {
            let start = index * SEGMENT_MS;
            // Program date-time follows the media clock from the moment the
            // room went live (the pre-filled window lies before it), so it
            // agrees with EXTINF even when the server runs faster than real time.
            let preroll = settings.window as u64 * SEGMENT_MS;
            let program_date_time = if start >= preroll {
                st.started_wall + Duration::from_millis(start - preroll)
            } else {
                st.started_wall - Duration::from_millis(preroll - start)
            };
            playlist::Segment {
                seq: st.displayed(index).max(0) as u64,
                clip: shared.media.clip(st.timeline.clip_at(variant, start)).name,
                discontinuity: st.timeline.switches_at(start),
                program_date_time,
            }
        })
        .collect();
    let text = playlist::media(&playlist::Media {
        mode: st.hls_mode,
        media_sequence: st.displayed(listed.start).max(0) as u64,
        discontinuity_sequence: st.timeline.switches_before(listed.start * SEGMENT_MS),
        key: st.encrypted.then(|| playlist::Key {
            uri: format!("{}?t={}", room.key_url(), token()),
            iv: st.iv,
        }),
        segments,
        ended: !st.live,
        token: token(),
    });
    Ok(text)
}

fn init(shared: &Shared, id: &str, name: &str) -> Response {
    let room = shared.room(id);
    shared.count(Route::Init, room.as_ref());
    if room.is_none() {
        return not_found("room not found");
    }
    match shared.media.clips.iter().find(|c| c.name == name) {
        Some(clip) => (
            [(header::CONTENT_TYPE, "video/mp4")],
            Bytes::from_static(clip.init),
        )
            .into_response(),
        None => not_found("no such init section"),
    }
}

/// What the armed faults want done to one segment response.
#[derive(Default)]
struct SegmentFaults {
    status: Option<u16>,
    stall: Option<f64>,
    cut_half: bool,
    garbage: bool,
}

fn fire_segment_faults(room: &Room, seq: u64) -> SegmentFaults {
    let mut st = room.lock();
    let matches = |want: &Option<u64>| want.is_none_or(|w| w == seq);
    let mut out = SegmentFaults {
        status: st
            .faults
            .fire(&[], |f| match f {
                Fault::SegmentStatus { seq, status } if matches(seq) => Some(*status),
                _ => None,
            })
            .map(|x| x.1),
        ..SegmentFaults::default()
    };
    if out.status.is_some() {
        return out;
    }
    out.stall = st
        .faults
        .fire(&[], |f| match f {
            Fault::SegmentStall { seq, secs } if matches(seq) => Some(*secs),
            _ => None,
        })
        .map(|x| x.1);
    out.cut_half = st
        .faults
        .fire(&[], |f| match f {
            Fault::SegmentDrop { after_seq } if seq > *after_seq => Some(()),
            _ => None,
        })
        .is_some();
    out.garbage = st
        .faults
        .fire(&[], |f| match f {
            Fault::SegmentGarbage { seq } if matches(seq) => Some(()),
            _ => None,
        })
        .is_some();
    out
}

async fn segment(
    shared: &Arc<Shared>,
    id: &str,
    variant: usize,
    seq: u64,
    mode: HlsMode,
) -> Response {
    let room = shared.room(id);
    shared.count(Route::Segment, room.as_ref());
    let Some(room) = room else {
        return not_found("room not found");
    };
    let faults = fire_segment_faults(&room, seq);
    if let Some(status) = faults.status {
        return error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "injected fault",
        );
    }
    let (spec, key) = {
        let st = room.lock();
        let Some(index) = st.downloadable(room.settings(), seq) else {
            return not_found("segment not available");
        };
        let start = index * SEGMENT_MS;
        let spec = SegmentSpec {
            clip: st.timeline.clip_at(variant, start),
            index,
            jump_ms: st.timeline.jump_at(start),
        };
        let key = st
            .encrypted
            .then(|| (st.key, st.iv.unwrap_or_else(|| aes::iv_for_sequence(seq))));
        (spec, key)
    };
    let mut data = match segment::render(&shared.media, mode, spec) {
        Ok(data) => data,
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("render failed: {e}"),
            );
        }
    };
    if faults.garbage {
        ts::corrupt(&mut data, &mut rand::rng());
    }
    if let Some((k, iv)) = key {
        data = aes::encrypt(&k, &iv, &data);
    }
    if let Some(secs) = faults.stall {
        tokio::select! {
            _ = shared.cancel.cancelled() => return error(StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
            _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => {}
        }
    }
    let content_type = match mode {
        HlsMode::Ts => "video/mp2t",
        HlsMode::Fmp4 => "video/iso.segment",
    };
    let data = Bytes::from(data);
    let (mut pipe, body) = body::pipe(room, shared.cancel.clone());
    let total = data.len();
    let cut = faults.cut_half;
    tokio::spawn(async move {
        // A client that went away mid-segment needs no further action.
        if cut {
            if pipe.send(data.slice(..total / 2)).await.is_ok() {
                pipe.cut().await;
            }
        } else {
            let _ = pipe.send(data).await;
        }
    });
    let mut resp = body.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    resp
}
