//! Helpers for rule unit tests: run a rule over a tag list.

use super::{Action, RepairContext, RepairRule};
use crate::media::flv::tag::FlvTag;

/// Runs `rule` over `tags` (then flushes it) and returns all actions.
pub fn run(rule: &mut dyn RepairRule, ctx: &mut RepairContext, tags: Vec<FlvTag>) -> Vec<Action> {
    let mut out = Vec::new();
    for t in tags {
        rule.process(t, ctx, &mut out);
    }
    rule.flush(ctx, &mut out);
    out
}

/// Only the forwarded tags.
pub fn tags(actions: &[Action]) -> Vec<FlvTag> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Tag(t) => Some(t.clone()),
            Action::Split(_) => None,
        })
        .collect()
}

/// Timestamps of the forwarded tags.
pub fn timestamps(actions: &[Action]) -> Vec<u32> {
    tags(actions).iter().map(|t| t.timestamp).collect()
}
