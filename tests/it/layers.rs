//! The layer rule of DESIGN.md: an import only points down. This scans
//! every source file for `crate::<module>` paths (comments skipped) and
//! fails on an upward one that is not in the allow-list below. The list
//! only shrinks: fix an arrow, then delete its line.

use std::collections::BTreeSet;
use std::path::Path;

/// Rank of each top-level module; a module may use its own rank or lower.
const LAYERS: &[(&str, u8)] = &[
    ("events", 0),
    ("db", 0),
    ("config", 0),
    ("logging", 0),
    ("model", 0),
    ("media", 1),
    ("net", 1),
    ("streamer", 2),
    ("platform", 2),
    ("monitor", 3),
    ("download", 4),
    ("scheduler", 4),
    ("danmu", 5),
    ("pipeline", 5),
    ("notify", 5),
    ("api", 6),
    ("app", 7),
    ("cli", 8),
    ("tui", 8),
];

/// Known upward imports (file, module it imports) still to be fixed.
const ALLOWED: &[(&str, &str)] = &[];

fn rank(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn scan(dir: &Path, root: &Path, found: &mut BTreeSet<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan(&path, root, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Some(own) = rel.split(['/', '.']).next().and_then(rank) else {
            continue; // lib.rs, main.rs
        };
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if rank(&module).is_some_and(|r| r > own) {
                    found.insert((rel.clone(), module));
                }
            }
        }
    }
}

#[test]
fn imports_only_point_down() {
    let root = crate::harness::repo_root().join("src");
    let mut found = BTreeSet::new();
    scan(&root, &root, &mut found);
    let allowed: BTreeSet<(String, String)> = ALLOWED
        .iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&allowed).collect();
    assert!(
        new.is_empty(),
        "upward imports (see DESIGN.md layers): {new:?}"
    );
    let fixed: Vec<_> = allowed.difference(&found).collect();
    assert!(
        fixed.is_empty(),
        "fixed arrows still in the allow-list, delete them: {fixed:?}"
    );
}
