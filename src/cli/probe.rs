//! `srec probe URL`: what a live check sees right now, without recording
//! or changing anything: the platform and canonical id srec resolves, live
//! or not (and why not: rerun, upcoming...), every stream candidate ranked
//! by the config that would apply, and the one it would record. This is
//! what users run when something does not record. Exit status: 0 live,
//! 3 offline, 1 error.

use clap::Args;
use serde::Serialize;

use super::{Ctx, SilentExit, output};
use crate::config::{EffectiveConfig, EngineKind, Layers};
use crate::db::streamers;
use crate::platform::{self, CheckContext, LiveStatus, PlatformRegistry, StreamCandidate, select};

#[derive(Debug, Args)]
pub struct ProbeCmd {
    /// Channel page or direct stream URL
    pub url: String,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

/// The JSON shape of a probe.
#[derive(Debug, Serialize)]
struct Probe {
    platform: &'static str,
    id: String,
    url: String,
    /// The id of the monitored streamer whose config was used, if any.
    streamer_id: Option<i64>,
    engine: EngineKind,
    #[serde(flatten)]
    status: LiveStatus,
    /// Index into `streams` (ranked) of the stream that would be recorded.
    selected: Option<usize>,
}

impl ProbeCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        let resolved = platform::resolve(&self.url)?;
        let file = ctx.load_config()?;
        // A monitored streamer on this URL probes with its own template
        // and overrides; any other URL with the platform's config.
        let known = ctx
            .paths
            .db_file()
            .exists()
            .then(|| ctx.open_db().ok())
            .flatten()
            .and_then(|db| db.with(|c| streamers::list(c)).ok())
            .and_then(|all| all.into_iter().find(|s| s.url == resolved.url));
        // The platform a monitored streamer is stored with; for any other
        // URL the same admission `srec add` runs (streamlink's plugins for
        // pages no extractor claims).
        let platform_name: String = match &known {
            Some(s) => s.platform.clone(),
            None => {
                let admitted = platform::streamlink::admit::admit(
                    resolved.clone(),
                    &file.engines.streamlink.path,
                );
                if let Some(hint) = &admitted.hint {
                    eprintln!("note: {hint}");
                }
                admitted.resolved.platform.to_string()
            }
        };
        let eff = EffectiveConfig::resolve(
            &file,
            ctx.paths.default_output_dir(),
            Layers {
                platform: &platform_name,
                template: known.as_ref().and_then(|s| s.template.as_deref()),
                streamer: known.as_ref().map(|s| &s.overrides),
            },
        );
        let platform = PlatformRegistry::default().by_name(&platform_name);
        let http = platform::http::build(&eff).map_err(anyhow::Error::msg)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let status = rt.block_on(async {
            let check = CheckContext {
                url: &resolved.url,
                http: &http,
                config: &eff,
            };
            platform
                .check_live(&check)
                .await
                .map_err(|e| crate::monitor::proxy_hint::name_proxy(e, &eff))
        });
        let mut status = status.map_err(|e| anyhow::anyhow!("{}: {e}", platform.name()))?;
        status.streams = select::rank(&status.streams, &eff, crate::db::now_ms() / 1000);
        let live = status.live;
        let probe = Probe {
            platform: platform.name(),
            id: resolved.suggested_name,
            url: resolved.url,
            streamer_id: known.map(|s| s.id),
            engine: eff.engine,
            selected: (live && !status.streams.is_empty()).then_some(0),
            status,
        };
        if self.json {
            output::print_json(&probe)?;
        } else {
            output::print(&human(&probe, &eff))?;
        }
        if live {
            Ok(())
        } else {
            Err(SilentExit(3).into())
        }
    }
}

fn human(p: &Probe, eff: &EffectiveConfig) -> String {
    let s = &p.status;
    let mut out = format!("platform  {}\nroom      {}  {}\n", p.platform, p.id, p.url);
    if let Some(r) = &s.room {
        let owner = match (&r.owner_name, &r.owner_id) {
            (Some(n), Some(i)) => format!(", owner {n} ({i})"),
            (Some(n), None) => format!(", owner {n}"),
            (None, Some(i)) => format!(", owner {i}"),
            (None, None) => String::new(),
        };
        out.push_str(&format!("identity  {}{owner}\n", r.id));
    }
    if let Some(id) = p.streamer_id {
        out.push_str(&format!("config    of streamer {id}\n"));
    }
    let state = match (s.live, &s.note) {
        (true, _) => "LIVE".to_string(),
        (false, Some(n)) => format!("offline ({n})"),
        (false, None) => "offline".to_string(),
    };
    out.push_str(&format!("status    {state}\n"));
    if let Some(t) = &s.title {
        out.push_str(&format!("title     {t}\n"));
    }
    if let Some(c) = &s.category {
        out.push_str(&format!("category  {c}\n"));
    }
    if let Some(t) = s.started_at {
        out.push_str(&format!("since     {}\n", output::local_time(t)));
    }
    if let Some(t) = s.scheduled_at {
        out.push_str(&format!("scheduled {}\n", output::local_time(t)));
    }
    if s.streams.is_empty() {
        if s.live {
            out.push_str("streams   none offered\n");
        }
        return out;
    }
    out.push_str(&format!(
        "streams   ranked for quality {}, format {}, codec {}, cdn {}:\n",
        eff.quality,
        words(&eff.stream_format),
        words(&eff.codec),
        words(&eff.cdn)
    ));
    let rows: Vec<Vec<String>> = s
        .streams
        .iter()
        .enumerate()
        .map(|(i, c)| row(i, c, p.selected == Some(i)))
        .collect();
    let table = output::table(
        &[
            "", "#", "QUALITY", "FORMAT", "CODEC", "HEIGHT", "BITRATE", "CDN",
        ],
        &rows,
    );
    for line in table.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    if let Some(c) = p.selected.and_then(|i| s.streams.get(i)) {
        out.push_str(&format!(
            "records   #1 ({} {}) with {}: {}\n",
            c.quality,
            c.format,
            words(&p.engine),
            redact_query(&c.url)
        ));
    }
    out
}

/// A config value as the config file spells it (`auto`, `["hevc"]`).
fn words<T: Serialize>(v: &T) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    s.trim_matches('"').to_string()
}

fn row(i: usize, c: &StreamCandidate, selected: bool) -> Vec<String> {
    let dash = || "-".to_string();
    vec![
        if selected { "→" } else { "" }.to_string(),
        (i + 1).to_string(),
        c.quality.clone(),
        c.format.to_string(),
        c.codec.clone().unwrap_or_else(dash),
        c.height.map_or_else(dash, |h| h.to_string()),
        c.bitrate
            .map_or_else(dash, |b| format!("{:.0}k", b as f64 / 1000.0)),
        c.cdn.clone().unwrap_or_else(|| {
            url::Url::parse(&c.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(dash)
        }),
    ]
}

/// The URL without its query: signed tokens stay off the terminal (the
/// JSON output has the whole URL for scripts).
fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_string(),
    }
}
