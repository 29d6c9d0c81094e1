//! Compact number and time formats for table cells, all pure: times are
//! given the "now" and UTC offset of the snapshot, never read a clock.

/// `1.2 GiB`, `512 KiB`, `0 B`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else if v >= 100.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Bits per second as `2.5 Mb/s`; `-` for zero.
pub fn bitrate(bps: u64) -> String {
    match bps {
        0 => "-".into(),
        1..1_000 => format!("{bps} b/s"),
        1_000..1_000_000 => format!("{:.0} kb/s", bps as f64 / 1e3),
        _ => format!("{:.1} Mb/s", bps as f64 / 1e6),
    }
}

/// `45s`, `3m07s`, `2h05m`, `3d04h`.
pub fn short_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// `01:02:03` media duration.
pub fn clock_duration(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// Wall clock `HH:MM:SS` of a Unix-ms instant at a fixed UTC offset.
pub fn time_of_day(at_ms: i64, utc_offset_s: i32) -> String {
    let local = at_ms.div_euclid(1000) + i64::from(utc_offset_s);
    let s = local.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// Cuts `text` to `width` characters, marking the cut with `…`.
pub fn ellipsize(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(300 * 1024 * 1024), "300 MiB");
        assert_eq!(bitrate(2_500_000), "2.5 Mb/s");
        assert_eq!(bitrate(640_000), "640 kb/s");
        assert_eq!(short_duration(3_725_000), "1h02m");
        assert_eq!(clock_duration(3_725_000), "01:02:05");
        assert_eq!(time_of_day(3_725_000, 3600), "02:02:05");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
    }
}
