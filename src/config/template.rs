//! Output filename templates: `{streamer} {title} {platform} {session_id}
//! {index}` plus strftime tokens. Expansion sanitises every path component so
//! nothing derived from a stream can escape the output folder.

use std::path::PathBuf;

use chrono::format::{Item, StrftimeItems};

/// Placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &["streamer", "title", "platform", "session_id", "index"];

/// Longest component we produce, in bytes; leaves room for an extension and
/// a collision suffix under the usual 255-byte filesystem limit.
pub const MAX_COMPONENT_BYTES: usize = 200;

#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn parse(component: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = component;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed `{{` in `{component}`"))?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            let hint = super::load::suggest(name, PLACEHOLDERS)
                .map(|s| format!(" (did you mean `{{{s}}}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown placeholder `{{{name}}}`{hint}; known: {}",
                PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        parts.push(Part::Var(name));
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("stray `}}` in `{component}`"));
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// Checks placeholders, strftime tokens and that the template stays relative.
pub fn validate(template: &str) -> Result<(), String> {
    if template.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if template.starts_with('/') || template.starts_with('\\') {
        return Err("must be relative to output_dir (no leading `/`)".into());
    }
    for component in template.split('/') {
        if component == ".." || component == "." || component.is_empty() {
            return Err(format!("path component `{component}` is not allowed"));
        }
        for part in parse(component)? {
            if let Part::Text(t) = part
                && StrftimeItems::new(t).any(|i| matches!(i, Item::Error))
            {
                return Err(format!("invalid strftime token in `{t}`"));
            }
        }
    }
    Ok(())
}

/// Values substituted into a template.
#[derive(Debug, Clone, Default)]
pub struct Vars<'a> {
    pub streamer: &'a str,
    pub title: &'a str,
    pub platform: &'a str,
    pub session_id: i64,
    pub index: u32,
}

/// Expands a validated template into a relative path (no extension).
/// An invalid template falls back to the default so a recording never fails
/// over its file name.
pub fn expand<Tz: chrono::TimeZone>(
    template: &str,
    vars: &Vars<'_>,
    at: &chrono::DateTime<Tz>,
) -> PathBuf
where
    Tz::Offset: std::fmt::Display,
{
    let template = if validate(template).is_ok() {
        template
    } else {
        super::effective::DEFAULT_FILENAME_TEMPLATE
    };
    let mut out = PathBuf::new();
    for component in template.split('/') {
        let mut s = String::new();
        for part in parse(component).unwrap_or_default() {
            match part {
                Part::Text(t) => s.push_str(&at.format(t).to_string()),
                Part::Var("streamer") => s.push_str(vars.streamer),
                Part::Var("title") => s.push_str(vars.title),
                Part::Var("platform") => s.push_str(vars.platform),
                Part::Var("session_id") => s.push_str(&vars.session_id.to_string()),
                Part::Var(_) => s.push_str(&format!("{:03}", vars.index)),
            }
        }
        // An empty placeholder (no title) must not leave `name_.flv`.
        let trimmed = s.trim_matches(|c| matches!(c, '_' | '-' | ' '));
        out.push(sanitize_component(if trimmed.is_empty() {
            &s
        } else {
            trimmed
        }));
    }
    out
}

/// Characters that reorder displayed text (U+202A–U+202E, U+2066–U+2069,
/// U+200E, U+200F, U+061C): a name or title holding them can make
/// `evil<U+202E>4pm.exe` display as `evilexe.mp4`.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Makes one path component safe on Linux, macOS and Windows filesystems.
pub fn sanitize_component(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .filter(|c| !is_bidi_control(*c))
        .collect();
    while s.ends_with('.') || s.ends_with(' ') {
        s.pop();
    }
    let trimmed = s.trim_start().to_string();
    let mut s = if trimmed.chars().all(|c| c == '.') {
        "_".to_string()
    } else {
        trimmed
    };
    let stem = s.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        s.insert(0, '_');
    }
    if s.len() > MAX_COMPONENT_BYTES {
        let mut cut = MAX_COMPONENT_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 20, 5, 9)
            .unwrap()
    }

    #[test]
    fn expands_vars_and_time() {
        let vars = Vars {
            streamer: "alice",
            title: "hi",
            platform: "fake",
            session_id: 7,
            index: 2,
        };
        let p = expand(
            "{platform}/%Y-%m-%d/{streamer}_%H%M%S_{title}_{session_id}_{index}",
            &vars,
            &at(),
        );
        assert_eq!(p, PathBuf::from("fake/2026-11-25/alice_200509_hi_7_002"));
    }

    #[test]
    fn hostile_titles_stay_inside() {
        for title in [
            "../../etc/x",
            "a/b",
            "CON",
            "..",
            "x\0y\n",
            &"é".repeat(500),
            "evil\u{202E}4pm.exe",
            "\u{2066}a\u{2069}\u{200E}\u{200F}",
        ] {
            let vars = Vars {
                streamer: "s",
                title,
                ..Default::default()
            };
            let p = expand("{title}", &vars, &at());
            assert_eq!(p.components().count(), 1, "{title:?} -> {p:?}");
            let name = p.to_str().unwrap();
            assert!(
                !name.contains('/') && name != ".." && !name.contains('\0'),
                "{name}"
            );
            assert!(name.len() <= MAX_COMPONENT_BYTES);
            assert!(!name.eq_ignore_ascii_case("con"));
            assert!(!name.chars().any(is_bidi_control), "{name:?}");
        }
        let vars = Vars {
            title: "%Y",
            ..Default::default()
        };
        assert_eq!(
            expand("{title}", &vars, &at()),
            PathBuf::from("%Y"),
            "title is not strftime'd"
        );
    }

    #[test]
    fn empty_title_leaves_no_dangling_separator() {
        let vars = Vars {
            streamer: "s",
            ..Default::default()
        };
        assert_eq!(
            expand("{streamer}_%H_{title}", &vars, &at()),
            PathBuf::from("s_20")
        );
    }

    #[test]
    fn validation() {
        assert!(validate("{streamer}/%Y/{title}").is_ok());
        assert!(validate("/abs/{title}").is_err());
        assert!(validate("../{title}").is_err());
        assert!(
            validate("{titel}")
                .unwrap_err()
                .contains("did you mean `{title}`")
        );
        assert!(validate("{title").is_err());
        assert!(validate("%Q").is_err());
    }
}
