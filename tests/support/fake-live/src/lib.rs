//! Fake live platform (placeholder until issue 3 lands).
