//! A fake live-streaming platform on 127.0.0.1, so srec can be tried offline.
//!
//! ```text
//! cargo run --example fake_live -- --port 8080 --rooms alice,bob
//! srec add http://127.0.0.1:8080/room/alice
//! curl -X POST http://127.0.0.1:8080/control/alice/offline
//! ```
//!
//! `--fixtures DIR` serves a fixture set made by
//! `tests/support/fake-live/gen-fixtures.sh --out DIR --a 1280x720:3000k ...`
//! (realistic bitrates) instead of the small embedded clips.
//!
//! Runs until Ctrl+C. See tests/support/fake-live/README.md for the control
//! API and fault knobs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fake_live::{FakeLive, HlsMode, ServerOptions};

/// Fake live platform: HLS, HTTP-FLV, status API and chat for local testing.
#[derive(Debug, Parser)]
#[command(name = "fake_live")]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Comma-separated room ids, created live at start.
    #[arg(long, value_delimiter = ',', default_value = "demo")]
    rooms: Vec<String>,
    /// Media clock speed relative to real time (2 = twice as fast).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Segments per live HLS media playlist.
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// Serve fMP4 HLS segments instead of MPEG-TS.
    #[arg(long)]
    fmp4: bool,
    /// Encrypt HLS segments with AES-128.
    #[arg(long)]
    encrypted: bool,
    /// Milliseconds between scripted chat messages (0 disables them).
    #[arg(long, default_value_t = 1000)]
    chat_interval_ms: u64,
    /// Start HTTP-FLV connections this many milliseconds behind the live
    /// edge (a CDN's multi-second GOP cache; 0: the last keyframe).
    #[arg(long, default_value_t = 0)]
    flv_backlog_ms: u64,
    /// Serve the clips in DIR/a/ and DIR/b/ (made by
    /// tests/support/fake-live/gen-fixtures.sh --out DIR) instead of the
    /// embedded ones.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let opts = ServerOptions {
        port: args.port,
        speed: args.speed,
        window: args.window,
        retention: args.window * 3,
        hls_mode: if args.fmp4 {
            HlsMode::Fmp4
        } else {
            HlsMode::Ts
        },
        encrypted: args.encrypted,
        chat_interval: Duration::from_millis(args.chat_interval_ms),
        flv_backlog: Duration::from_millis(args.flv_backlog_ms),
        rooms: args
            .rooms
            .iter()
            .filter(|r| !r.is_empty())
            .cloned()
            .collect(),
        fixtures: args.fixtures,
    };
    let server = match FakeLive::start(opts).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("fake_live: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("fake-live listening on {}", server.base_url());
    for (i, clip) in server.clips().iter().enumerate() {
        println!(
            "rendition {i}: {}x{}, ~{} kb/s",
            clip.width,
            clip.height,
            clip.bandwidth / 1000
        );
    }
    for room in server.rooms() {
        println!();
        println!("room {}", room.id());
        println!("  page    {}", room.page_url());
        println!("  api     {}", room.api_url());
        println!("  hls     {}", room.hls_master_url());
        println!("  flv     {}", room.flv_url());
        println!("  chat    {}", room.ws_url());
        println!(
            "  control {}/control/{}/{{live,offline,title,fault,reset}}",
            server.base_url(),
            room.id()
        );
    }
    println!();
    println!(
        "stats: {}/control/stats  (Ctrl+C to stop)",
        server.base_url()
    );
    let signal = tokio::signal::ctrl_c().await;
    println!("shutting down");
    server.shutdown().await;
    match signal {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fake_live: waiting for Ctrl+C: {e}");
            ExitCode::FAILURE
        }
    }
}
