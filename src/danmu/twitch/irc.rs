//! IRC line parsing for Twitch chat: IRCv3 tags (`@k=v;...`, with the
//! value escapes `\s \: \\ \r \n`), the `:nick!user@host` prefix, the
//! command and its parameters (a `:`-led last one may hold spaces).

use std::collections::HashMap;

/// One parsed IRC line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// Unescaped tag values; a tag without `=` maps to "".
    pub tags: HashMap<String, String>,
    /// The nick of the prefix (`nick!user@host` → `nick`), if any.
    pub nick: Option<String>,
    /// Upper-cased command (`PRIVMSG`, `PING`, numerics as digits).
    pub command: String,
    /// Middle parameters then the trailing one.
    pub params: Vec<String>,
}

impl Line {
    /// A tag's value, `None` when absent or empty (Twitch sends `color=`).
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The `n`-th parameter.
    pub fn param(&self, n: usize) -> Option<&str> {
        self.params.get(n).map(String::as_str)
    }
}

/// Undoes the IRCv3 tag value escaping; an unknown escape keeps the
/// escaped character and a lone trailing backslash is dropped.
pub fn unescape_tag(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('\\') => out.push('\\'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Parses one line (without its CRLF); `None` for a blank line or one
/// without a command.
pub fn parse(line: &str) -> Option<Line> {
    let mut rest = line.trim_end_matches(['\r', '\n']);
    let mut out = Line::default();
    if let Some(tagged) = rest.strip_prefix('@') {
        let (tags, after) = tagged.split_once(' ').unwrap_or((tagged, ""));
        for pair in tags.split(';').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.tags.insert(k.to_string(), unescape_tag(v));
        }
        rest = after;
    }
    rest = rest.trim_start_matches(' ');
    if let Some(prefixed) = rest.strip_prefix(':') {
        let (prefix, after) = prefixed.split_once(' ').unwrap_or((prefixed, ""));
        let nick = prefix.split(['!', '@']).next().unwrap_or_default();
        out.nick = (!nick.is_empty()).then(|| nick.to_string());
        rest = after.trim_start_matches(' ');
    }
    let (command, mut params) = rest.split_once(' ').unwrap_or((rest, ""));
    if command.is_empty() {
        return None;
    }
    out.command = command.to_ascii_uppercase();
    loop {
        params = params.trim_start_matches(' ');
        if params.is_empty() {
            break;
        }
        if let Some(trailing) = params.strip_prefix(':') {
            out.params.push(trailing.to_string());
            break;
        }
        let (p, after) = params.split_once(' ').unwrap_or((params, ""));
        out.params.push(p.to_string());
        params = after;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_prefix_and_trailing() {
        let l = parse(
            "@badge-info=;color=#1E90FF;display-name=Ann\\sB;id=abc-1 :ann!ann@ann.tmi.twitch.tv PRIVMSG #chan :hello there :)",
        )
        .unwrap();
        assert_eq!(l.command, "PRIVMSG");
        assert_eq!(l.nick.as_deref(), Some("ann"));
        assert_eq!(l.params, vec!["#chan", "hello there :)"]);
        assert_eq!(l.tag("display-name"), Some("Ann B"));
        assert_eq!(l.tag("badge-info"), None);
        assert_eq!(l.tag("color"), Some("#1E90FF"));
    }

    #[test]
    fn unescapes_every_sequence() {
        assert_eq!(unescape_tag(r"a\sb\:c\\d\re\nf\x\"), "a b;c\\d\re\nfx");
    }

    #[test]
    fn command_only_and_blank_lines() {
        assert_eq!(
            parse("PING :tmi.twitch.tv").unwrap().params,
            ["tmi.twitch.tv"]
        );
        assert_eq!(
            parse(":tmi.twitch.tv RECONNECT").unwrap().command,
            "RECONNECT"
        );
        assert!(parse("").is_none());
        assert!(parse("@a=b").is_none());
        assert!(parse(":prefix-only").is_none());
    }
}
