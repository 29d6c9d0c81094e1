//! The one notion of "secret" in the config model, used by every printer
//! (`srec config show`, `--effective`, `srec list --json`, `GET /api/config`,
//! `GET /api/streamers/{id}/config`, the API streamer DTO).
//!
//! Secret are: `cookies`, `oauth_token`, `api.token`, the password of a
//! proxy URL, notification channel secrets (the path and query of webhook,
//! Discord and ntfy URLs, which carry tokens; `secret`, `password`, `token`),
//! and header values (in `headers` and
//! `engines.streamlink.twitch_api_headers`) whose name is `Authorization`,
//! `Cookie`, `Proxy-Authorization` or contains `token`, `key`, `secret`,
//! `auth`, `session` or `password`. Printers show [`REDACTED`] instead.
//!
//! A client that reads a redacted view, edits something else and sends the
//! whole object back must not overwrite the real secret with the
//! placeholder: [`ConfigFile::keep_secrets_from`] and
//! [`RecordingOptions::keep_secrets_from`] put the stored value back
//! wherever the placeholder arrives.

use std::collections::BTreeMap;

use super::effective::EffectiveConfig;
use super::model::{ConfigFile, RecordingOptions};
use super::notify::ChannelConfig;

/// What a printer shows instead of a secret value.
pub const REDACTED: &str = "<redacted>";

/// Whether a header's value is a secret, judged by its name.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "cookie" | "proxy-authorization" | "set-cookie"
    ) || ["token", "key", "secret", "auth", "session", "password"]
        .iter()
        .any(|w| n.contains(w))
}

/// A proxy URL with its password replaced by [`REDACTED`].
pub fn redact_proxy(proxy: &str) -> String {
    match url::Url::parse(proxy) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some(REDACTED));
            u.to_string()
        }
        _ => proxy.to_string(),
    }
}

fn redact_headers(h: &mut BTreeMap<String, String>) {
    for (name, value) in h.iter_mut() {
        if is_secret_header(name) {
            *value = REDACTED.to_string();
        }
    }
}

/// `new` with every placeholder header value replaced by `old`'s.
fn keep_headers(new: &mut BTreeMap<String, String>, old: &BTreeMap<String, String>) {
    for (name, value) in new.iter_mut() {
        if value == REDACTED
            && let Some(o) = old.get(name)
        {
            value.clone_from(o);
        }
    }
}

fn keep(new: &mut Option<String>, old: &Option<String>) {
    if new.as_deref() == Some(REDACTED) && old.is_some() {
        new.clone_from(old);
    }
}

/// A proxy sent back with a redacted password gets the stored password back
/// when the rest of the URL is unchanged.
fn keep_proxy(new: &mut Option<String>, old: &Option<String>) {
    if let (Some(n), Some(o)) = (new.as_deref(), old.as_deref())
        && n != o
        && redact_proxy(o) == n
    {
        *new = Some(o.to_string());
    }
}

/// A URL whose path and query (where webhook tokens live) are replaced by
/// [`REDACTED`]; the scheme and host stay so the reader knows where it goes.
pub fn redact_secret_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) if u.path() != "/" || u.query().is_some() || u.password().is_some() => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}/{REDACTED}",
                u.scheme(),
                u.host_str().unwrap_or_default()
            )
        }
        _ => raw.to_string(),
    }
}

fn redact_opt(v: &mut Option<String>) {
    if v.is_some() {
        *v = Some(REDACTED.into());
    }
}

/// A notification channel with its secrets replaced.
pub fn redact_channel(c: &mut ChannelConfig) {
    match c {
        ChannelConfig::Webhook(w) => {
            w.url = redact_secret_url(&w.url);
            redact_headers(&mut w.headers);
            redact_opt(&mut w.secret);
        }
        ChannelConfig::Discord(d) => d.url = redact_secret_url(&d.url),
        ChannelConfig::Email(e) => redact_opt(&mut e.password),
        ChannelConfig::Ntfy(n) => {
            n.url = redact_secret_url(&n.url);
            redact_opt(&mut n.token);
        }
    }
}

/// A URL sent back redacted takes the stored one.
fn keep_url(new: &mut String, old: &str) {
    if new != old && redact_secret_url(old) == *new {
        *new = old.to_string();
    }
}

fn keep_channel(new: &mut ChannelConfig, old: &ChannelConfig) {
    match (new, old) {
        (ChannelConfig::Webhook(n), ChannelConfig::Webhook(o)) => {
            keep_url(&mut n.url, &o.url);
            keep_headers(&mut n.headers, &o.headers);
            keep(&mut n.secret, &o.secret);
        }
        (ChannelConfig::Discord(n), ChannelConfig::Discord(o)) => keep_url(&mut n.url, &o.url),
        (ChannelConfig::Email(n), ChannelConfig::Email(o)) => keep(&mut n.password, &o.password),
        (ChannelConfig::Ntfy(n), ChannelConfig::Ntfy(o)) => {
            keep_url(&mut n.url, &o.url);
            keep(&mut n.token, &o.token);
        }
        _ => {}
    }
}

impl RecordingOptions {
    /// A copy safe to print.
    pub fn redacted(&self) -> Self {
        let mut o = self.clone();
        if o.cookies.is_some() {
            o.cookies = Some(REDACTED.into());
        }
        if o.oauth_token.is_some() {
            o.oauth_token = Some(REDACTED.into());
        }
        if let Some(p) = &mut o.proxy {
            *p = redact_proxy(p);
        }
        if let Some(h) = &mut o.headers {
            redact_headers(h);
        }
        o
    }

    /// Undoes a redacted round trip: placeholders take `old`'s values.
    pub fn keep_secrets_from(&mut self, old: &RecordingOptions) {
        keep(&mut self.cookies, &old.cookies);
        keep(&mut self.oauth_token, &old.oauth_token);
        keep_proxy(&mut self.proxy, &old.proxy);
        if let (Some(n), Some(o)) = (&mut self.headers, &old.headers) {
            keep_headers(n, o);
        }
    }
}

impl ConfigFile {
    /// A copy safe to print.
    pub fn redacted(&self) -> Self {
        let mut f = self.clone();
        if f.api.token.is_some() {
            f.api.token = Some(REDACTED.into());
        }
        f.recording = f.recording.redacted();
        for o in f.platforms.values_mut().chain(f.templates.values_mut()) {
            *o = o.redacted();
        }
        redact_headers(&mut f.engines.streamlink.twitch_api_headers);
        for c in f.notify.channels.values_mut() {
            redact_channel(c);
        }
        f
    }

    /// Undoes a redacted round trip: placeholders take `old`'s values.
    pub fn keep_secrets_from(&mut self, old: &ConfigFile) {
        keep(&mut self.api.token, &old.api.token);
        self.recording.keep_secrets_from(&old.recording);
        for (name, o) in &mut self.platforms {
            if let Some(prev) = old.platforms.get(name) {
                o.keep_secrets_from(prev);
            }
        }
        for (name, o) in &mut self.templates {
            if let Some(prev) = old.templates.get(name) {
                o.keep_secrets_from(prev);
            }
        }
        keep_headers(
            &mut self.engines.streamlink.twitch_api_headers,
            &old.engines.streamlink.twitch_api_headers,
        );
        for (id, c) in &mut self.notify.channels {
            if let Some(prev) = old.notify.channels.get(id) {
                keep_channel(c, prev);
            }
        }
    }

    /// Whether a placeholder is left (nothing stored to restore it from).
    pub fn has_placeholder(&self) -> bool {
        toml::to_string(self).is_ok_and(|t| t.contains(REDACTED) || t.contains("%3Credacted%3E"))
    }
}

impl EffectiveConfig {
    /// A copy safe to print (`oauth_token` is never serialised anyway).
    pub fn redacted(&self) -> Self {
        let mut e = self.clone();
        if e.cookies.is_some() {
            e.cookies = Some(REDACTED.into());
        }
        if let Some(p) = &mut e.proxy {
            *p = redact_proxy(p);
        }
        redact_headers(&mut e.headers);
        e.oauth_token = None;
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_file() -> ConfigFile {
        let mut f = ConfigFile::default();
        f.api.token = Some("api-token-1".into());
        f.recording.cookies = Some("SESSDATA=cookie-1".into());
        f.recording.proxy = Some("http://u:proxy-pw@127.0.0.1:3128".into());
        f.recording.headers = Some(BTreeMap::from([
            ("Authorization".into(), "Bearer auth-1".into()),
            ("X-Api-Key".into(), "key-1".into()),
            ("Referer".into(), "https://site/".into()),
        ]));
        let mut p = RecordingOptions {
            oauth_token: Some("oauth-1".into()),
            ..Default::default()
        };
        p.cookies = Some("c=platform-cookie".into());
        f.platforms.insert("twitch".into(), p);
        f.engines
            .streamlink
            .twitch_api_headers
            .insert("Authorization".into(), "OAuth sl-1".into());
        let hooks = crate::config::parse_str(
            "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"https://h.example/hook?t=hook-tok\"\n\
             secret = \"hmac-1\"\nheaders.Authorization = \"Bearer hdr-1\"\n\
             [notify.channels.dc]\ntype = \"discord\"\nurl = \"https://discord.com/api/webhooks/1/dc-tok\"\n\
             [notify.channels.mail]\ntype = \"email\"\nhost = \"smtp\"\nuser = \"u\"\npassword = \"smtp-pw\"\n\
             from = \"a@b.c\"\nto = [\"d@e.f\"]\n\
             [notify.channels.nt]\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/topic-tok\"\ntoken = \"ntfy-1\"\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap();
        f.notify = hooks.notify;
        f
    }

    #[test]
    fn redacted_copies_hide_every_secret_and_keep_the_rest() {
        let f = secret_file();
        let text = toml::to_string(&f.redacted()).unwrap();
        for secret in [
            "api-token-1",
            "cookie-1",
            "proxy-pw",
            "auth-1",
            "key-1",
            "oauth-1",
            "platform-cookie",
            "sl-1",
            "hook-tok",
            "hmac-1",
            "hdr-1",
            "dc-tok",
            "smtp-pw",
            "topic-tok",
            "ntfy-1",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("https://site/"), "{text}");
        assert!(
            text.contains("http://u:%3Credacted%3E@127.0.0.1:3128"),
            "{text}"
        );
    }

    #[test]
    fn a_redacted_round_trip_keeps_the_stored_secrets() {
        let f = secret_file();
        let mut back = f.redacted();
        back.recording.check_interval = Some(std::time::Duration::from_secs(9));
        back.keep_secrets_from(&f);
        let mut want = f.clone();
        want.recording.check_interval = Some(std::time::Duration::from_secs(9));
        assert_eq!(back, want);
        assert!(!back.has_placeholder());
        let mut fresh = ConfigFile::default();
        fresh.recording.cookies = Some(REDACTED.into());
        fresh.keep_secrets_from(&ConfigFile::default());
        assert!(fresh.has_placeholder());
    }
}
