//! HLS tests, streamlink style: playlists built in code, a scripted
//! [`fake::FakeFetch`] instead of a network, an in-memory sink, and tokio's
//! paused clock so reloads, retries and stalls step deterministically.

mod ads;
mod fake;
mod faults;
mod fmp4;
mod mp4build;
mod parsing;
mod recording;
mod reset;
mod splitting;
