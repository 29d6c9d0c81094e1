//! Semantic checks of `[notify]` (URLs, addresses, ranges, event names)
//! with the dotted key of the value at fault; kept apart from the model.

use std::time::Duration;

use super::notify::{ChannelConfig, EVENT_TYPES, NotifySettings, SmtpSecurity};

/// Checks `[notify]`; errors name the dotted key.
pub fn validate(n: &NotifySettings) -> Result<(), (String, String)> {
    if n.retention < Duration::from_secs(60) {
        return Err(("notify.retention".into(), "must be at least 1m".into()));
    }
    for (id, ch) in &n.channels {
        let key = |k: &str| format!("notify.channels.{id}.{k}");
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err((
                format!("notify.channels.{id}"),
                "a channel id may only hold letters, digits, `-` and `_`".into(),
            ));
        }
        let d = ch.delivery();
        for (i, e) in d.events.iter().enumerate() {
            if !EVENT_TYPES.contains(&e.as_str()) {
                let hint = super::load::suggest(e, EVENT_TYPES)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err((
                    format!("{}[{i}]", key("events")),
                    format!(
                        "unknown event `{e}`{hint}; known: {}",
                        EVENT_TYPES.join(", ")
                    ),
                ));
            }
        }
        if d.max_attempts == 0 || d.max_attempts > 100 {
            return Err((key("max_attempts"), "must be between 1 and 100".into()));
        }
        if d.backoff < Duration::from_millis(10) || d.backoff > Duration::from_secs(3600) {
            return Err((key("backoff"), "must be between 10ms and 1h".into()));
        }
        if d.max_backoff < d.backoff || d.max_backoff > Duration::from_secs(86_400) {
            return Err((
                key("max_backoff"),
                "must be at least `backoff` and at most 1d".into(),
            ));
        }
        if d.breaker_threshold == 0 {
            return Err((key("breaker_threshold"), "must be at least 1".into()));
        }
        match ch {
            ChannelConfig::Webhook(c) => {
                check_url(&c.url).map_err(|m| (key("url"), m))?;
                for (name, value) in &c.headers {
                    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                        || reqwest::header::HeaderValue::from_str(value).is_err()
                    {
                        return Err((
                            format!("{}.{name}", key("headers")),
                            "not a valid HTTP header".into(),
                        ));
                    }
                }
                if c.secret.as_deref() == Some("") {
                    return Err((key("secret"), "must not be empty".into()));
                }
            }
            ChannelConfig::Discord(c) => {
                check_url(&c.url).map_err(|m| (key("url"), m))?;
                if let Some(a) = &c.avatar_url {
                    check_url(a).map_err(|m| (key("avatar_url"), m))?;
                }
            }
            ChannelConfig::Email(c) => {
                if c.host.trim().is_empty() {
                    return Err((key("host"), "must not be empty".into()));
                }
                check_mailbox(&c.from).map_err(|m| (key("from"), m))?;
                if c.to.is_empty() {
                    return Err((key("to"), "needs at least one address".into()));
                }
                for (i, t) in c.to.iter().enumerate() {
                    check_mailbox(t).map_err(|m| (format!("{}[{i}]", key("to")), m))?;
                }
                if c.password.is_some() && c.user.is_none() {
                    return Err((key("user"), "is required when `password` is set".into()));
                }
                if let Some(ca) = &c.ca_file {
                    if c.security == SmtpSecurity::Plain {
                        return Err((
                            key("ca_file"),
                            "has no effect with `security = \"plain\"` (no TLS)".into(),
                        ));
                    }
                    super::ca_file::load(ca).map_err(|m| (key("ca_file"), m))?;
                }
            }
            ChannelConfig::Ntfy(c) => {
                check_url(&c.url).map_err(|m| (key("url"), m))?;
                let p = &c.priorities;
                for (name, v) in [
                    ("low", p.low),
                    ("normal", p.normal),
                    ("high", p.high),
                    ("critical", p.critical),
                ] {
                    if !(1..=5).contains(&v) {
                        return Err((
                            format!("{}.{name}", key("priorities")),
                            "must be between 1 and 5".into(),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_url(u: &str) -> Result<(), String> {
    match url::Url::parse(u) {
        Ok(p) if matches!(p.scheme(), "http" | "https") && p.host().is_some() => Ok(()),
        Ok(_) => Err("must be an http:// or https:// URL".into()),
        Err(e) => Err(format!("not a URL: {e}")),
    }
}

fn check_mailbox(m: &str) -> Result<(), String> {
    m.parse::<lettre::message::Mailbox>()
        .map(|_| ())
        .map_err(|e| format!("not a mail address: {e}"))
}

#[cfg(test)]
mod tests {
    fn parse_str(t: &str) -> Result<crate::config::ConfigFile, crate::config::ConfigError> {
        crate::config::parse_str(t, std::path::Path::new("c.toml"))
    }

    #[test]
    fn validation_names_the_dotted_key() {
        for (toml, key) in [
            (
                "[notify.channels.h]\ntype = \"webhook\"\nurl = \"ftp://a/\"\n",
                "notify.channels.h.url",
            ),
            (
                "[notify.channels.h]\ntype = \"ntfy\"\nurl = \"http://a/t\"\nevents = [\"stream_onlin\"]\n",
                "notify.channels.h.events[0]",
            ),
            (
                "[notify.channels.h]\ntype = \"ntfy\"\nurl = \"http://a/t\"\npriorities.high = 9\n",
                "notify.channels.h.priorities.high",
            ),
            (
                "[notify.channels.m]\ntype = \"email\"\nhost = \"h\"\nfrom = \"nope\"\nto = [\"a@b.c\"]\n",
                "notify.channels.m.from",
            ),
            (
                "[notify.channels.m]\ntype = \"email\"\nhost = \"h\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\n\
                 ca_file = \"/nonexistent/srec-ca.pem\"\n",
                "notify.channels.m.ca_file",
            ),
            (
                "[notify.channels.m]\ntype = \"email\"\nhost = \"h\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\n\
                 security = \"plain\"\nca_file = \"/etc/hosts\"\n",
                "notify.channels.m.ca_file",
            ),
        ] {
            let err = parse_str(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
    }
}
