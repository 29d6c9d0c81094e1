//! fake-live's integration suite, one binary (so its tests share two worker
//! threads): API and control, stream shapes, every fault knob, and real
//! ffmpeg recordings checked with ffprobe.

mod api;
mod common;
mod ffmpeg;
mod fixtures_dir;
mod flv_faults;
mod hls_faults;
mod streams;
