//! Load-time checks of `[pipelines.<name>]`: step ids, `depends_on`
//! targets, cycles and processor parameters, each error with its dotted key.

use std::collections::{BTreeMap, BTreeSet};

use super::pipeline::{PipelineDef, Processor, StepDef, parse_resolution};

/// Checks one pipeline: ids unique and non-empty, `depends_on` names known
/// steps, no cycle, parameters usable. Errors carry the dotted key.
pub fn validate(name: &str, p: &PipelineDef) -> Result<(), (String, String)> {
    let key = format!("pipelines.{name}");
    if p.steps.is_empty() {
        return Err((format!("{key}.steps"), "needs at least one step".into()));
    }
    if p.max_attempts == 0 || p.max_attempts > 100 {
        return Err((format!("{key}.max_attempts"), "must be 1 to 100".into()));
    }
    let mut ids = BTreeSet::new();
    for s in &p.steps {
        let sk = format!("{key}.steps.{}", s.id);
        if s.id.trim().is_empty()
            || !s
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        {
            return Err((
                format!("{key}.steps"),
                format!("step id `{}` must be letters, digits, `_` or `-`", s.id),
            ));
        }
        if !ids.insert(s.id.as_str()) {
            return Err((sk, "duplicate step id".into()));
        }
        check_params(&s.processor).map_err(|(k, m)| (format!("{sk}.{k}"), m))?;
    }
    for s in &p.steps {
        for d in &s.depends_on {
            if !ids.contains(d.as_str()) {
                return Err((
                    format!("{key}.steps.{}.depends_on", s.id),
                    format!(
                        "unknown step `{d}`; steps: {}",
                        ids.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(id) = find_cycle(&p.steps) {
        return Err((
            format!("{key}.steps.{id}.depends_on"),
            "forms a cycle; a pipeline must be a DAG".into(),
        ));
    }
    Ok(())
}

fn check_params(p: &Processor) -> Result<(), (String, String)> {
    let err = |k: &str, m: &str| Err((k.to_string(), m.to_string()));
    match p {
        Processor::Execute {
            command, timeout, ..
        } => {
            if command.first().is_none_or(|c| c.trim().is_empty()) {
                return err(
                    "command",
                    "needs the program and its arguments, e.g. [\"/usr/bin/echo\", \"{input}\"]",
                );
            }
            if timeout.is_zero() {
                return err("timeout", "must be more than 0s");
            }
        }
        Processor::Copy { dest } | Processor::Move { dest } if dest.trim().is_empty() => {
            return err("dest", "must name a folder");
        }
        Processor::Upload { remote, .. }
            if remote.trim().is_empty() || remote.contains(':') || remote.contains('/') =>
        {
            return err("remote", "must be an rclone remote name (without `:`)");
        }
        Processor::DanmuAss {
            opacity,
            resolution,
            font_size,
            duration,
            ..
        } => {
            if !(0.0..=1.0).contains(opacity) {
                return err("opacity", "must be between 0.0 and 1.0");
            }
            if *font_size == 0 || *font_size > 500 {
                return err("font_size", "must be 1 to 500");
            }
            if duration.is_zero() {
                return err("duration", "must be more than 0s");
            }
            if let Some(r) = resolution
                && parse_resolution(r).is_none()
            {
                return err("resolution", "must be WIDTHxHEIGHT, e.g. 1920x1080");
            }
        }
        _ => {}
    }
    Ok(())
}

/// A step on a dependency cycle, if there is one (depth-first search).
fn find_cycle(steps: &[StepDef]) -> Option<String> {
    let deps: BTreeMap<&str, &[String]> = steps
        .iter()
        .map(|s| (s.id.as_str(), s.depends_on.as_slice()))
        .collect();
    // 0 = unseen, 1 = on the stack, 2 = done.
    let mut mark: BTreeMap<&str, u8> = BTreeMap::new();
    fn visit<'a>(
        id: &'a str,
        deps: &BTreeMap<&'a str, &'a [String]>,
        mark: &mut BTreeMap<&'a str, u8>,
    ) -> Option<String> {
        match mark.get(id) {
            Some(1) => return Some(id.to_string()),
            Some(2) => return None,
            _ => {}
        }
        mark.insert(id, 1);
        for d in deps.get(id).copied().unwrap_or_default() {
            if let Some(c) = visit(d.as_str(), deps, mark) {
                return Some(c);
            }
        }
        mark.insert(id, 2);
        None
    }
    steps
        .iter()
        .find_map(|s| visit(s.id.as_str(), &deps, &mut mark))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn check(text: &str) -> Result<crate::config::ConfigFile, String> {
        crate::config::load::parse_str(text, Path::new("c.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_pipeline_parses_with_typed_steps() {
        let f = check(
            "[pipeline]\ncpu_workers = 2\n[pipelines.a]\ntrigger = \"session\"\n\
             [[pipelines.a.steps]]\nid = \"r\"\nprocessor = \"remux\"\nformat = \"mkv\"\n\
             [[pipelines.a.steps]]\nid = \"x\"\nprocessor = \"execute\"\ncommand = [\"/bin/true\"]\ndepends_on = [\"r\"]\n",
        )
        .unwrap();
        let p = &f.pipelines["a"];
        assert_eq!(p.steps.len(), 2);
        assert_eq!(p.steps[0].processor.name(), "remux");
        assert_eq!(f.pipeline.cpu_limit(), 2);
    }

    #[test]
    fn bad_pipelines_name_the_key() {
        let cases = [
            (
                "[[pipelines.a.steps]]\nid = \"r\"\nprocessor = \"zip\"\n",
                "pipelines.a.steps",
            ),
            (
                "[[pipelines.a.steps]]\nid = \"r\"\nprocessor = \"copy\"\n",
                "dest",
            ),
            (
                "[[pipelines.a.steps]]\nid = \"r\"\nprocessor = \"remux\"\nbogus = 1\n",
                "bogus",
            ),
            (
                "[[pipelines.a.steps]]\nid = \"r\"\nprocessor = \"remux\"\ndepends_on = [\"q\"]\n",
                "`pipelines.a.steps.r.depends_on`",
            ),
            (
                "[[pipelines.a.steps]]\nid = \"r\"\nprocessor = \"remux\"\ndepends_on = [\"s\"]\n\
                 [[pipelines.a.steps]]\nid = \"s\"\nprocessor = \"metadata\"\ndepends_on = [\"r\"]\n",
                "cycle",
            ),
            (
                "[[pipelines.a.steps]]\nid = \"x\"\nprocessor = \"execute\"\ncommand = []\n",
                "`pipelines.a.steps.x.command`",
            ),
            ("[recording]\npipeline = \"nope\"\n", "`recording.pipeline`"),
        ];
        for (text, want) in cases {
            let msg = check(text).unwrap_err();
            assert!(msg.contains(want), "{text} -> {msg}");
        }
    }
}
