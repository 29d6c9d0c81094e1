//! Choosing one variant of a master playlist by the configured [`Quality`].

use m3u8_rs::VariantStream;

use crate::config::Quality;

/// The variant to record, `None` if the master lists no playable variant.
///
/// * `best` / `worst`: highest / lowest BANDWIDTH.
/// * `720p`: highest resolution with height ≤ 720, else the lowest
///   resolution (better a smaller picture than nothing); variants without
///   RESOLUTION only count when none has one, and then `best` applies.
/// * `<=3000k`: highest BANDWIDTH ≤ 3000 kbit/s, else the lowest.
///
/// Ties are broken by the other dimension so the choice is deterministic.
pub fn select_variant(variants: &[VariantStream], quality: Quality) -> Option<&VariantStream> {
    let playable: Vec<&VariantStream> = variants
        .iter()
        .filter(|v| !v.is_i_frame && !v.uri.trim().is_empty())
        .collect();
    let height = |v: &VariantStream| v.resolution.map_or(0, |r| r.height);
    let by_bw = |v: &&VariantStream| (v.bandwidth, height(v));
    let by_height = |v: &&VariantStream| (height(v), v.bandwidth);
    match quality {
        Quality::Best => playable.into_iter().max_by_key(by_bw),
        Quality::Worst => playable.into_iter().min_by_key(by_bw),
        Quality::Height(h) => {
            let sized: Vec<_> = playable
                .iter()
                .copied()
                .filter(|v| v.resolution.is_some())
                .collect();
            if sized.is_empty() {
                return playable.into_iter().max_by_key(by_bw);
            }
            let fitting = sized.iter().copied().filter(|v| height(v) <= u64::from(h));
            fitting
                .max_by_key(by_height)
                .or_else(|| sized.into_iter().min_by_key(by_height))
        }
        Quality::MaxKbps(k) => {
            let limit = k.saturating_mul(1000);
            let fitting = playable.iter().copied().filter(|v| v.bandwidth <= limit);
            fitting
                .max_by_key(by_bw)
                .or_else(|| playable.into_iter().min_by_key(by_bw))
        }
    }
}
