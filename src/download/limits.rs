//! The download limit adjuster hook: something (later: a bandwidth or disk
//! throttle) that may lower or raise the configured slot limits. The manager
//! consults it whenever it decides whether a download may start; the
//! default leaves the configured limits alone.

/// Slot limits: `max_concurrent` for everyone plus reserved high-priority slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_concurrent: usize,
    pub high_slots: usize,
}

/// Adjusts the configured limits at run time.
pub trait LimitAdjuster: Send + Sync {
    /// The limits to apply now, given the configured ones.
    fn adjust(&self, configured: Limits) -> Limits;
}

/// Applies the configured limits unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAdjust;

impl LimitAdjuster for NoAdjust {
    fn adjust(&self, configured: Limits) -> Limits {
        configured
    }
}
