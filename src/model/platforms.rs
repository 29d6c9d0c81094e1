//! The names of the platforms srec knows, shared by config validation, the
//! API and the platform registry (which checks that every name has a
//! platform and every platform a name).

/// Platform names accepted as `[platforms.<name>]` keys and stored in
/// `streamers.platform` (the platform registry's table test checks
/// it against its list of platforms).
pub const KNOWN_PLATFORMS: &[&str] = &[
    "fake",
    "twitch",
    "bilibili",
    "douyu",
    "huya",
    "youtube",
    "douyin",
    "streamlink",
    "generic",
];
