//! Fault knobs: what can go wrong with a room, and the bookkeeping that arms,
//! fires and clears them.
//!
//! Two families exist.  *Armed* faults wait for a matching request or stream
//! position and fire (optionally a limited number of `times`).  *Timeline*
//! faults (`playlist_reset`, `timestamp_jump`, `variant_switch`) are events
//! that change the room's stream from a point on; they happen once, when set,
//! and `clear_faults` does not undo them.

use serde::{Deserialize, Serialize};

/// One fault. JSON form: `{"kind": "<snake_case name>", ...fields, "times": N?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// FLV: cut the connection (no clean end) once it has sent `after_bytes`
    /// body bytes, mid-tag if that is where the count lands.
    FlvDrop { after_bytes: u64 },
    /// FLV: after `after_bytes`, send nothing for `secs` wall seconds, then
    /// resume (the backlog arrives in a burst, as after a real network stall).
    FlvStall {
        #[serde(default)]
        after_bytes: u64,
        secs: f64,
    },
    /// FLV: after `after_bytes`, insert `len` random bytes between two tags.
    FlvGarbage {
        #[serde(default)]
        after_bytes: u64,
        #[serde(default = "default_garbage_len")]
        len: usize,
    },
    /// FLV: the publisher drops once `after_bytes` are sent. Like SRS or
    /// nginx-rtmp flushing their queue, the server sends a short audio-only
    /// tail — the next `2 × tail_overlap_ms` of audio, each tag stamped
    /// `tail_overlap_ms` earlier than its media time, so the tail starts
    /// behind the audio already sent (an overlap) — then ends the body
    /// cleanly. The room stays live: a reconnect finds the publisher back.
    FlvPublisherDrop {
        #[serde(default)]
        after_bytes: u64,
        #[serde(default = "default_tail_overlap_ms")]
        tail_overlap_ms: u32,
    },
    /// HLS: segments with media sequence > `after_seq` send half their body
    /// and then the connection is cut.
    SegmentDrop { after_seq: u64 },
    /// HLS: delay the response for segment `seq` (any segment if absent).
    SegmentStall {
        #[serde(default)]
        seq: Option<u64>,
        secs: f64,
    },
    /// HLS: answer segment `seq` (any segment if absent) with this status.
    SegmentStatus {
        #[serde(default)]
        seq: Option<u64>,
        status: u16,
    },
    /// HLS: overwrite a run of TS packets / fMP4 bytes of segment `seq`
    /// (any segment if absent) with random bytes (before encryption).
    SegmentGarbage {
        #[serde(default)]
        seq: Option<u64>,
    },
    /// HLS: answer master and media playlist requests with this status.
    PlaylistStatus { status: u16 },
    /// FLV: answer the stream request with this status (an expired or
    /// revoked stream URL: 403, a removed stream: 404).
    FlvStatus { status: u16 },
    /// Platform API: answer `/api/rooms/{id}` (and drop the room from batch
    /// answers) with this status.
    ApiStatus { status: u16 },
    /// Cap FLV streams and segment downloads at this many bytes per second.
    Bandwidth { bytes_per_sec: u64 },
    /// Timeline: renumber the playlist so the oldest listed segment gets
    /// media sequence `to_seq` (the sequence jumps back; content continues).
    PlaylistReset {
        #[serde(default)]
        to_seq: u64,
    },
    /// Timeline: from media time `at_ms` (default: the live edge), rounded up
    /// to a segment boundary, all timestamps move by `jump_ms` (may be
    /// negative). FLV tags and HLS PTS/DTS/PCR/tfdt alike; no discontinuity tag.
    TimestampJump {
        jump_ms: i64,
        #[serde(default)]
        at_ms: Option<u64>,
    },
    /// Timeline: from `at_ms` (default: the live edge), rounded up to a
    /// segment boundary, every rendition switches to the other clip
    /// (different resolution/SPS). FLV sends new onMetaData and sequence
    /// headers; HLS marks the segment with `#EXT-X-DISCONTINUITY`.
    VariantSwitch {
        #[serde(default)]
        at_ms: Option<u64>,
    },
}

fn default_garbage_len() -> usize {
    1024
}

fn default_tail_overlap_ms() -> u32 {
    300
}

impl Fault {
    /// Timeline faults change the room once instead of being armed.
    pub fn is_timeline_event(&self) -> bool {
        matches!(
            self,
            Fault::PlaylistReset { .. } | Fault::TimestampJump { .. } | Fault::VariantSwitch { .. }
        )
    }

    /// Parses the control API body: a fault object plus an optional `times`.
    pub fn from_json(mut value: serde_json::Value) -> Result<(Fault, Option<u32>), String> {
        let times =
            match value.as_object_mut().and_then(|o| o.remove("times")) {
                None | Some(serde_json::Value::Null) => None,
                Some(v) => Some(v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(
                    || format!("times must be a small non-negative integer, got {v}"),
                )?),
            };
        let fault: Fault = serde_json::from_value(value).map_err(|e| e.to_string())?;
        fault.check()?;
        Ok((fault, times))
    }

    /// Rejects values that cannot be served (bad status codes, NaN seconds).
    pub fn check(&self) -> Result<(), String> {
        match self {
            Fault::SegmentStatus { status, .. }
            | Fault::PlaylistStatus { status }
            | Fault::FlvStatus { status }
            | Fault::ApiStatus { status }
                if !(100..=599).contains(status) =>
            {
                Err(format!("status {status} is not an HTTP status code"))
            }
            Fault::FlvStall { secs, .. } | Fault::SegmentStall { secs, .. }
                if !(secs.is_finite() && *secs >= 0.0) =>
            {
                Err(format!("secs must be a non-negative number, got {secs}"))
            }
            Fault::Bandwidth { bytes_per_sec: 0 } => Err("bytes_per_sec must be positive".into()),
            _ => Ok(()),
        }
    }
}

/// An armed fault and how many more times it may fire (`None`: until cleared).
#[derive(Debug, Clone, PartialEq)]
pub struct Armed {
    pub id: u64,
    pub fault: Fault,
    pub remaining: Option<u32>,
}

/// The armed faults of one room.
#[derive(Debug, Default)]
pub struct FaultSet {
    next_id: u64,
    armed: Vec<Armed>,
}

impl FaultSet {
    /// Arms a fault; `times == Some(0)` arms nothing.
    pub fn arm(&mut self, fault: Fault, times: Option<u32>) {
        if times == Some(0) {
            return;
        }
        self.next_id += 1;
        self.armed.push(Armed {
            id: self.next_id,
            fault,
            remaining: times,
        });
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    pub fn armed(&self) -> &[Armed] {
        &self.armed
    }

    /// Fires the first armed fault (not among `skip`) for which `pick`
    /// returns `Some`, using up one of its `times`. Returns its id and value.
    pub fn fire<T>(
        &mut self,
        skip: &[u64],
        mut pick: impl FnMut(&Fault) -> Option<T>,
    ) -> Option<(u64, T)> {
        let pos = self
            .armed
            .iter()
            .position(|a| !skip.contains(&a.id) && pick(&a.fault).is_some())?;
        let armed = &mut self.armed[pos];
        let value = pick(&armed.fault)?;
        let id = armed.id;
        if let Some(left) = armed.remaining.as_mut() {
            *left -= 1;
            if *left == 0 {
                self.armed.remove(pos);
            }
        }
        Some((id, value))
    }

    /// Looks at armed faults without using them up (for standing conditions
    /// like a bandwidth cap).
    pub fn peek<T>(&self, pick: impl FnMut(&Fault) -> Option<T>) -> Option<T> {
        self.armed.iter().map(|a| &a.fault).find_map(pick)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_control_json_with_times() {
        let (f, times) = Fault::from_json(
            json!({"kind": "segment_status", "seq": 7, "status": 404, "times": 2}),
        )
        .expect("valid");
        assert_eq!(
            f,
            Fault::SegmentStatus {
                seq: Some(7),
                status: 404
            }
        );
        assert_eq!(times, Some(2));
        let (f, times) = Fault::from_json(json!({"kind": "flv_garbage"})).expect("defaults");
        assert_eq!(
            f,
            Fault::FlvGarbage {
                after_bytes: 0,
                len: 1024
            }
        );
        assert_eq!(times, None);
        let (f, _) = Fault::from_json(json!({"kind": "flv_publisher_drop"})).expect("defaults");
        assert_eq!(
            f,
            Fault::FlvPublisherDrop {
                after_bytes: 0,
                tail_overlap_ms: 300
            }
        );
    }

    #[test]
    fn rejects_typos_and_nonsense() {
        assert!(
            Fault::from_json(json!({"kind": "segment_status", "seq": 7, "stauts": 404})).is_err()
        );
        assert!(Fault::from_json(json!({"kind": "nope"})).is_err());
        assert!(Fault::from_json(json!({"kind": "playlist_status", "status": 42})).is_err());
        assert!(Fault::from_json(json!({"kind": "flv_status", "status": 42})).is_err());
        assert_eq!(
            Fault::from_json(json!({"kind": "flv_status", "status": 403})),
            Ok((Fault::FlvStatus { status: 403 }, None))
        );
        assert!(Fault::from_json(json!({"kind": "bandwidth", "bytes_per_sec": 0})).is_err());
        assert!(
            Fault::from_json(json!({"kind": "flv_drop", "after_bytes": 1, "times": -1})).is_err()
        );
    }

    #[test]
    fn serialises_to_the_documented_shape() {
        let v = serde_json::to_value(Fault::TimestampJump {
            jump_ms: -3000,
            at_ms: None,
        })
        .expect("serialise");
        assert_eq!(
            v,
            json!({"kind": "timestamp_jump", "jump_ms": -3000, "at_ms": null})
        );
    }

    #[test]
    fn fire_counts_down_and_respects_skip() {
        let mut set = FaultSet::default();
        set.arm(
            Fault::SegmentStatus {
                seq: None,
                status: 500,
            },
            Some(2),
        );
        set.arm(Fault::Bandwidth { bytes_per_sec: 10 }, None);
        let status = |f: &Fault| match f {
            Fault::SegmentStatus { status, .. } => Some(*status),
            _ => None,
        };
        let (id, s) = set.fire(&[], status).expect("armed");
        assert_eq!(s, 500);
        assert!(set.fire(&[id], status).is_none(), "skipped by id");
        assert!(set.fire(&[], status).is_some());
        assert!(set.fire(&[], status).is_none(), "used up after two");
        let cap = set.peek(|f| match f {
            Fault::Bandwidth { bytes_per_sec } => Some(*bytes_per_sec),
            _ => None,
        });
        assert_eq!(cap, Some(10));
        set.arm(Fault::FlvDrop { after_bytes: 1 }, Some(0));
        assert_eq!(set.armed().len(), 1);
        set.clear();
        assert!(set.armed().is_empty());
    }
}
