//! Semantic checks that serde cannot express: ranges, regexes, time windows,
//! proxy URLs, header names, known platforms, filename templates.

use std::time::Duration;

use super::model::{ConfigFile, Filters, RecordingOptions};
use super::template;

/// A rejected value and the dotted key it sits under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub key: String,
    pub message: String,
}

fn violation(key: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation {
        key: key.into(),
        message: message.into(),
    }
}

/// Checks the whole file; the first problem found is returned.
pub fn validate(file: &ConfigFile) -> Result<(), Violation> {
    let d = &file.daemon;
    validate_log_level(&d.log_level).map_err(|m| violation("daemon.log_level", m))?;
    super::bounds::check_file(file).map_err(|(k, m)| violation(k, m))?;
    if d.log_retention_days == 0 {
        return Err(violation("daemon.log_retention_days", "must be at least 1"));
    }
    if d.shutdown_timeout < Duration::from_secs(1) {
        return Err(violation("daemon.shutdown_timeout", "must be at least 1s"));
    }
    if file.download.max_concurrent == 0 {
        return Err(violation("download.max_concurrent", "must be at least 1"));
    }
    if file.download.high_priority_slots > file.download.max_concurrent {
        return Err(violation(
            "download.high_priority_slots",
            format!(
                "{} is more than download.max_concurrent ({}); these are extra slots \
                 on top of max_concurrent for high-priority streamers",
                file.download.high_priority_slots, file.download.max_concurrent
            ),
        ));
    }
    validate_api(&file.api)?;
    super::engines::validate(
        &file.download.retry,
        &file.download.circuit_breaker,
        &file.engines,
    )
    .map_err(|(k, m)| violation(k, m))?;
    validate_options(&file.recording, "recording")?;
    for (name, opts) in &file.platforms {
        if !crate::model::platforms::KNOWN_PLATFORMS.contains(&name.as_str()) {
            let hint = super::load::suggest(name, crate::model::platforms::KNOWN_PLATFORMS)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(violation(
                format!("platforms.{name}"),
                format!(
                    "unknown platform `{name}`{hint}; known: {}",
                    crate::model::platforms::KNOWN_PLATFORMS.join(", ")
                ),
            ));
        }
        validate_options(opts, &format!("platforms.{name}"))?;
    }
    for (name, opts) in &file.templates {
        validate_options(opts, &format!("templates.{name}"))?;
    }
    if file.pipeline.cpu_workers > 256 {
        return Err(violation(
            "pipeline.cpu_workers",
            "must be at most 256 (0 = number of cores)",
        ));
    }
    if file.pipeline.io_workers == 0 || file.pipeline.io_workers > 256 {
        return Err(violation("pipeline.io_workers", "must be 1 to 256"));
    }
    let t = &file.pipeline.throttle;
    if t.low_depth >= t.high_depth {
        return Err(violation(
            "pipeline.throttle.low_depth",
            "must be below pipeline.throttle.high_depth",
        ));
    }
    if !(t.factor > 0.0 && t.factor < 1.0) {
        return Err(violation(
            "pipeline.throttle.factor",
            "must be between 0 and 1 (exclusive)",
        ));
    }
    if t.max_wait < Duration::from_secs(1) {
        return Err(violation(
            "pipeline.throttle.max_wait",
            "must be at least 1s",
        ));
    }
    for (name, p) in &file.pipelines {
        super::pipeline::validate(name, p).map_err(|(k, m)| violation(k, m))?;
    }
    let levels = std::iter::once(("recording".to_string(), &file.recording))
        .chain(
            file.platforms
                .iter()
                .map(|(n, o)| (format!("platforms.{n}"), o)),
        )
        .chain(
            file.templates
                .iter()
                .map(|(n, o)| (format!("templates.{n}"), o)),
        );
    for (prefix, o) in levels {
        check_pipeline_names(file, o, &prefix)?;
    }
    super::tui::validate(&file.tui).map_err(|(key, message)| violation(key, message))?;
    super::notify_check::validate(&file.notify)
        .map_err(|(key, message)| violation(key, message))?;
    Ok(())
}

/// Every pipeline a level attaches must exist in `[pipelines]`.
pub fn check_pipeline_names(
    file: &ConfigFile,
    o: &RecordingOptions,
    prefix: &str,
) -> Result<(), Violation> {
    for n in o.pipeline.iter().flat_map(|p| p.names()) {
        if !file.pipelines.contains_key(&n) {
            let known: Vec<&str> = file.pipelines.keys().map(String::as_str).collect();
            return Err(violation(
                format!("{prefix}.pipeline"),
                format!(
                    "unknown pipeline `{n}`; defined under [pipelines]: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// The API may only leave loopback when explicitly allowed; a configured
/// token must be usable in an `Authorization` header.
fn validate_api(a: &super::model::ApiSettings) -> Result<(), Violation> {
    if let Some(t) = &a.token
        && (t.len() < 8 || !t.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(violation(
            "api.token",
            "must be at least 8 printable ASCII characters without spaces",
        ));
    }
    if !a.address.is_loopback() && !a.allow_remote {
        return Err(violation(
            "api.address",
            format!(
                "{} is not a loopback address; the API binds 127.0.0.1 unless \
                 api.allow_remote = true and a token is set",
                a.address
            ),
        ));
    }
    Ok(())
}

/// Checks one level of recording options; `prefix` is its dotted key.
pub fn validate_options(o: &RecordingOptions, prefix: &str) -> Result<(), Violation> {
    let key = |k: &str| format!("{prefix}.{k}");
    super::bounds::check_options(o, prefix).map_err(|(k, m)| violation(k, m))?;
    if let Some(dir) = &o.output_dir
        && !dir.is_absolute()
    {
        return Err(violation(
            key("output_dir"),
            format!(
                "`{}` is a relative path; use an absolute path (a relative one would \
                 depend on the folder srec is started from)",
                dir.display()
            ),
        ));
    }
    if let Some(c) = &o.cookies
        && c.chars().any(|c| c.is_control())
    {
        return Err(violation(
            key("cookies"),
            "must not contain line breaks or other control characters",
        ));
    }
    if let Some(t) = &o.filename_template {
        template::validate(t).map_err(|m| violation(key("filename_template"), m))?;
    }
    if let Some(i) = o.check_interval
        && i < Duration::from_secs(1)
    {
        return Err(violation(key("check_interval"), "must be at least 1s"));
    }
    if o.offline_confirmations == Some(0) {
        return Err(violation(
            key("offline_confirmations"),
            "must be at least 1",
        ));
    }
    if let Some(b) = o.api_base.as_deref().filter(|b| !b.trim().is_empty()) {
        match url::Url::parse(b) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            _ => {
                return Err(violation(
                    key("api_base"),
                    format!("`{b}` is not an http(s) URL with a host"),
                ));
            }
        }
    }
    if let Some(cdns) = &o.cdn
        && cdns.iter().any(|c| c.trim().is_empty())
    {
        return Err(violation(key("cdn"), "entries must not be empty"));
    }
    if let Some(t) = &o.oauth_token
        && !t.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(violation(
            key("oauth_token"),
            "must be printable ASCII without spaces (the `auth-token` cookie value)",
        ));
    }
    if let Some(p) = o.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
        let url = url::Url::parse(p)
            .map_err(|e| violation(key("proxy"), format!("`{p}` is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
            return Err(violation(
                key("proxy"),
                format!(
                    "unsupported proxy scheme `{}` (use http, https, socks5 or socks5h)",
                    url.scheme()
                ),
            ));
        }
    }
    for (name, value) in o.headers.iter().flatten() {
        let bad_name = name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if bad_name {
            return Err(violation(
                key("headers"),
                format!("invalid header name `{name}`"),
            ));
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(violation(
                key("headers"),
                format!("header `{name}` has a line break or control character in its value"),
            ));
        }
    }
    if let Some(f) = &o.filters {
        validate_filters(f).map_err(|m| violation(key("filters"), m))?;
    }
    Ok(())
}

/// The directives of `daemon.log_level` (`info`, `srec=debug,warn`): each
/// must end in a real level, because tracing reads a bare word such as
/// `loud` as a target name and then silently drops every other log line.
pub fn validate_log_level(filter: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    if filter.trim().is_empty() {
        return Err("must not be empty (e.g. `info` or `srec=debug,warn`)".into());
    }
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        // A span filter `target[span{field=value}]=level` has `=` inside
        // its brackets: the level follows the last `]`.
        let tail = directive.rsplit(']').next().unwrap_or(directive);
        let level = tail.rsplit_once('=').map_or(directive, |(_, l)| l).trim();
        if !LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) {
            return Err(format!(
                "`{directive}` does not name a level; use one of {} (optionally as \
                 `target=level`, e.g. `srec=debug,warn`)",
                LEVELS.join(", ")
            ));
        }
    }
    tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    Ok(())
}

fn validate_filters(f: &Filters) -> Result<(), String> {
    super::filters::CompiledFilters::compile(f).map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn check(text: &str) -> Result<(), String> {
        super::super::load::parse_str(text, Path::new("c.toml"))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let cases = [
            (
                "[recording]\ncheck_interval = \"100ms\"",
                "recording.check_interval",
            ),
            (
                "[templates.t]\noffline_confirmations = 0",
                "templates.t.offline_confirmations",
            ),
            ("[recording]\nproxy = \"ftp://x\"", "recording.proxy"),
            (
                "[recording.headers]\n\"Bad Name\" = \"x\"",
                "recording.headers",
            ),
            (
                "[recording.filters]\ntitle_regex = \"(\"",
                "recording.filters",
            ),
            (
                "[[recording.filters.schedule]]\nstart = \"25:00\"\nend = \"01:00\"",
                "recording.filters",
            ),
            (
                "[recording.filters]\ncron = \"sometimes\"",
                "recording.filters",
            ),
            (
                "[recording.filters]\ntimezone = \"Nowhere/City\"",
                "recording.filters",
            ),
            ("[platforms.fakee]\n", "platforms.fakee"),
            ("[daemon]\nlog_level = \"=\"", "daemon.log_level"),
            ("[daemon]\nlog_level = \"loud\"", "daemon.log_level"),
            ("[daemon]\nlog_level = \"srec=loud\"", "daemon.log_level"),
            (
                "[download]\nmax_concurrent = 2\nhigh_priority_slots = 3",
                "download.high_priority_slots",
            ),
            ("[recording]\noutput_dir = \"rec\"", "recording.output_dir"),
            (
                "[platforms.fake]\ncookies = \"a=1\\r\\nX-Evil: 1\"",
                "platforms.fake.cookies",
            ),
            (
                "[recording.headers]\nX-A = \"v\\r\\nX-Evil: 1\"",
                "recording.headers",
            ),
            ("[download]\nmax_concurrent = 0", "download.max_concurrent"),
            ("[download.retry]\njitter = 2.0", "download.retry.jitter"),
            (
                "[engines.ffmpeg.retry]\nmax_delay = \"10ms\"",
                "engines.ffmpeg.retry.max_delay",
            ),
            ("[engines.ffmpeg]\npath = \"\"", "engines.ffmpeg.path"),
            (
                "[recording]\nfilename_template = \"{nope}\"",
                "recording.filename_template",
            ),
        ];
        for (text, key) in cases {
            let msg = check(text).unwrap_err();
            assert!(msg.contains(&format!("`{key}`")), "{text} -> {msg}");
        }
        assert!(
            check("[platforms.fakee]")
                .unwrap_err()
                .contains("did you mean `fake`")
        );
    }

    #[test]
    fn good_values_pass() {
        check(
            "[recording]\nproxy = \"socks5://127.0.0.1:1080\"\ncheck_interval = \"5s\"\n\
             [recording.filters]\ntitle_regex = \"^ok\"\n\
             [[recording.filters.schedule]]\ndays = [\"Fri\"]\nstart = \"20:00\"\nend = \"02:00\"\n",
        )
        .unwrap();
        for level in [
            "info",
            "srec=debug,warn",
            "WARN",
            "srec::net[req{id=1}]=trace",
        ] {
            check(&format!("[daemon]\nlog_level = \"{level}\"")).unwrap();
        }
    }
}
