//! The one admission path for a new streamer's URL and name, shared by
//! `srec add`, `POST /api/streamers` and the dashboard's add form, so the
//! three cannot disagree on what a valid name is.
//!
//! Names: at most [`MAX_NAME`] characters, no control or bidirectional
//! override characters, and never digits only, because selectors (`srec
//! remove 12`) read a number as an id. A name derived from a URL is
//! percent-decoded for display (`%F0%9F%8E%A5` becomes 🎥), cleaned and cut
//! to the limit; an all-digit room id becomes `platform-12345`.
//! URLs: `user:pass@` is refused, since the URL is stored and printed back.

use crate::config::template::is_bidi_control;
use crate::platform::{self, UrlError};

/// Longest accepted display name, in characters.
pub const MAX_NAME: usize = 200;

/// Why a streamer cannot be admitted; [`AdmissionError::field`] names the input.
#[derive(Debug, thiserror::Error)]
pub enum AdmissionError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(
        "the URL carries a user name or password (before `@`); remove them: srec stores and \
         prints URLs, so credentials do not belong there (use `cookies` or `headers` in the \
         streamer's overrides or the config instead)"
    )]
    Credentials,
    #[error("name {0}")]
    Name(String),
}

impl AdmissionError {
    /// The request field at fault (`url` or `name`), for API errors.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Name(_) => "name",
            _ => "url",
        }
    }
}

/// A URL and name fit to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// Canonical URL and the platform that claimed it (before the
    /// streamlink admission step, which may hand it to `streamlink`).
    pub resolved: platform::ResolvedUrl,
    /// The given name, checked, or one derived from the URL.
    pub name: String,
}

/// Resolves `url` and picks the name: `name` when given (checked by
/// [`check_name`]), otherwise one derived from the URL.
pub fn admit(url: &str, name: Option<&str>) -> Result<Admitted, AdmissionError> {
    if let Ok(u) = url::Url::parse(url.trim())
        && (!u.username().is_empty() || u.password().is_some())
    {
        return Err(AdmissionError::Credentials);
    }
    let resolved = platform::resolve(url)?;
    let name = match name {
        Some(n) => check_name(n)?,
        None => derived_name(&resolved.suggested_name, resolved.platform),
    };
    Ok(Admitted { resolved, name })
}

/// Checks a name a user typed; returns it trimmed.
pub fn check_name(name: &str) -> Result<String, AdmissionError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(AdmissionError::Name("must not be empty".into()));
    }
    if n.chars().count() > MAX_NAME {
        return Err(AdmissionError::Name(format!(
            "must be at most {MAX_NAME} characters"
        )));
    }
    if n.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(AdmissionError::Name(
            "must not contain control or text-direction characters".into(),
        ));
    }
    if n.chars().all(|c| c.is_ascii_digit()) {
        return Err(AdmissionError::Name(format!(
            "`{n}` is digits only, which selectors read as an id; add a letter (e.g. `room-{n}`)"
        )));
    }
    Ok(n.to_string())
}

/// A display name from a URL's room id: percent-decoded, without control
/// or direction characters, cut to [`MAX_NAME`], never digits only.
pub fn derived_name(suggested: &str, platform: &str) -> String {
    let decoded = percent_decode(suggested);
    let clean: String = decoded
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let clean = clean.trim();
    let mut name = if clean.is_empty() {
        platform.to_string()
    } else if clean.chars().all(|c| c.is_ascii_digit()) {
        format!("{platform}-{clean}")
    } else {
        clean.to_string()
    };
    if let Some((cut, _)) = name.char_indices().nth(MAX_NAME) {
        name.truncate(cut);
    }
    name
}

/// `%XX` sequences decoded as UTF-8; the text is kept as-is when the
/// result is not valid UTF-8.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits are < 256, so the byte cannot overflow.
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_are_decoded_cleaned_and_capped() {
        let a = admit("https://cdn.example/live/%F0%9F%8E%A5cam.m3u8", None).unwrap();
        assert_eq!(a.name, "🎥cam");
        let long = format!("https://cdn.example/live/{}.m3u8", "x".repeat(500));
        assert_eq!(admit(&long, None).unwrap().name.chars().count(), MAX_NAME);
        let bidi = admit("https://cdn.example/live/a%E2%80%AEb.m3u8", None).unwrap();
        assert_eq!(bidi.name, "ab");
        assert_eq!(derived_name("12345", "bilibili"), "bilibili-12345");
        assert_eq!(derived_name("%ff%fe", "generic"), "%ff%fe");
    }

    #[test]
    fn credentials_in_urls_are_refused() {
        for url in [
            "https://user:pass@cdn.example/live/a.m3u8",
            "https://user@cdn.example/live/a.m3u8",
        ] {
            let e = admit(url, None).unwrap_err();
            assert!(matches!(e, AdmissionError::Credentials), "{url}");
            assert!(!e.to_string().contains("pass@"), "{e}");
        }
    }

    #[test]
    fn typed_names_are_checked() {
        assert_eq!(check_name("  Bob B ").unwrap(), "Bob B");
        for bad in ["", "12345", "a\u{202E}b", "a\nb", &"y".repeat(201)] {
            let e = check_name(bad).unwrap_err();
            assert_eq!(e.field(), "name", "{bad:?}");
        }
        assert!(check_name("2024-final").is_ok());
    }
}
