//! `srec config` and config-file errors through the real binary; the shipped
//! examples must load.

use crate::harness::{Srec, repo_root};

#[test]
fn bad_toml_names_file_line_and_column() {
    let s = Srec::new();
    s.write_config("[recording]\ncheck_interval = \"10s\"\nengine = \n");
    let out = s.run(&["config", "check"]);
    assert_eq!(out.code(), 1);
    let err = out.stderr();
    let expect = format!("{}:3:", s.config_path().display());
    assert!(err.contains(&expect), "{err}");
}

#[test]
fn unknown_key_gets_suggestion_and_key_path() {
    let s = Srec::new();
    s.write_config(
        "[daemon]\nlog_level = \"info\"\n\n[templates.night]\nofline_confirmations = 2\n",
    );
    let out = s.run(&["config", "check"]);
    assert_eq!(out.code(), 1);
    let err = out.stderr();
    assert!(err.contains(":5:1:"), "{err}");
    assert!(
        err.contains("did you mean `offline_confirmations`"),
        "{err}"
    );
    assert!(err.contains("templates.night"), "{err}");
}

#[test]
fn invalid_value_names_key() {
    let s = Srec::new();
    s.write_config("[platforms.generic]\ncheck_interval = \"10ms\"\n");
    let out = s.run(&["config", "check"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr()
            .contains("`platforms.generic.check_interval`: must be at least 1s"),
        "{}",
        out.stderr()
    );
}

#[test]
fn config_path_and_show() {
    let s = Srec::new();
    assert_eq!(
        s.ok(&["config", "path"]).trim(),
        s.config_path().display().to_string()
    );
    let shown = s.ok(&["config", "show"]);
    assert!(
        shown.starts_with(&format!(
            "# {}: keys not shown take their built-in defaults",
            s.config_path().display()
        )),
        "{shown}"
    );
    let parsed = srec::config::parse_str(&shown, std::path::Path::new("shown")).unwrap();
    assert_eq!(
        parsed,
        srec::config::ConfigFile::default(),
        "show output round-trips"
    );
    assert!(s.ok(&["config", "check"]).starts_with("config OK"));
}

#[test]
fn missing_default_config_means_defaults_but_a_named_one_must_exist() {
    let s = Srec::new();
    let xdg = s.dir.path().join("xdg");
    let out = s
        .command()
        .env_remove("SREC_CONFIG")
        .env("XDG_CONFIG_HOME", &xdg)
        .args(["config", "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("built-in defaults apply"), "{stdout}");
    for via_flag in [false, true] {
        let mut cmd = s.command();
        if via_flag {
            cmd.env_remove("SREC_CONFIG")
                .args(["--config", "/nonexistent/srec.toml"]);
        } else {
            cmd.env("SREC_CONFIG", "/nonexistent/srec.toml");
        }
        let out = crate::harness::Out(cmd.args(["list"]).output().unwrap());
        assert_eq!(out.code(), 1, "{}", out.stderr());
        assert!(
            out.stderr()
                .contains("/nonexistent/srec.toml does not exist"),
            "{}",
            out.stderr()
        );
    }
}

#[test]
fn check_never_says_ok_when_it_fails() {
    let s = Srec::new();
    s.write_config(
        "[recording]\nengine = \"ffmpeg\"\n[engines.ffmpeg]\npath = \"/nonexistent/ffmpeg\"\n",
    );
    let out = s.run(&["config", "check"]);
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(!out.stdout().contains("config OK"), "{}", out.stdout());
    assert!(out.stderr().contains("ffmpeg"), "{}", out.stderr());
}

#[test]
fn huge_interval_and_bad_log_level_are_config_errors() {
    let s = Srec::new();
    for (text, key) in [
        (
            "[recording]\ncheck_interval = \"500000000000y\"\n",
            "recording.check_interval",
        ),
        ("[daemon]\nlog_level = \"loud\"\n", "daemon.log_level"),
        ("[api]\nport = 70000\n", "api.port"),
    ] {
        s.write_config(text);
        let out = s.run(&["config", "check"]);
        assert_eq!(out.code(), 1, "{text}");
        assert!(out.stderr().contains(key), "{text}: {}", out.stderr());
        assert!(!out.stderr().contains("u16"), "{text}: {}", out.stderr());
        assert!(!out.stdout().contains("config OK"), "{text}");
    }
}

#[test]
fn effective_config_merges_levels_with_sources() {
    let s = Srec::new();
    s.write_config(
        "[recording]\ncheck_interval = \"30s\"\nengine = \"ffmpeg\"\n\
         [platforms.fake]\ncheck_interval = \"10s\"\n\
         [templates.night]\nquality = \"720p\"\n",
    );
    s.ok(&["add", "http://127.0.0.1:9/room/a", "--template", "night"]);
    let out = s.ok(&["config", "show", "--effective", "a"]);
    assert!(
        out.contains("check_interval = \"10s\"  # from platform:fake"),
        "{out}"
    );
    assert!(out.contains("engine = \"ffmpeg\"  # from global"), "{out}");
    assert!(
        out.contains("quality = \"720p\"  # from template:night"),
        "{out}"
    );
    assert!(
        out.contains("offline_confirmations = 3  # from default"),
        "{out}"
    );
}

#[test]
fn add_with_unknown_template_is_refused() {
    let s = Srec::new();
    s.write_config("[templates.night]\nquality = \"720p\"\n");
    let out = s.run(&["add", "http://127.0.0.1:9/room/a", "--template", "nigth"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("did you mean `night`"),
        "{}",
        out.stderr()
    );
    assert_eq!(s.json(&["list"]).as_array().unwrap().len(), 0);
}

#[test]
fn every_example_config_loads() {
    let mut files = vec![
        repo_root().join("examples/config.toml"),
        repo_root().join("examples/pipelines.toml"),
    ];
    for e in std::fs::read_dir(repo_root().join("examples/setups")).unwrap() {
        files.push(e.unwrap().path());
    }
    assert!(files.len() >= 4);
    for f in files {
        let s = Srec::new();
        std::fs::copy(&f, s.config_path()).unwrap();
        let out = s.run(&["config", "check"]);
        assert_eq!(out.code(), 0, "{}: {}", f.display(), out.stderr());
    }
}

#[test]
fn commented_example_states_the_real_defaults() {
    let file = srec::config::parse_str(
        srec::config::EXAMPLE_CONFIG,
        std::path::Path::new("example"),
    )
    .unwrap();
    let defaults = srec::config::ConfigFile::default();
    assert_eq!(file.daemon, defaults.daemon);
    assert_eq!(file.download, defaults.download);
    assert_eq!(file.pipeline, defaults.pipeline);
    assert_eq!(file.notify, defaults.notify);
    let out = std::path::PathBuf::from("/out");
    let layers = srec::config::Layers {
        platform: "generic",
        template: None,
        streamer: None,
    };
    let mut from_example = srec::config::EffectiveConfig::resolve(&file, out.clone(), layers);
    from_example.sources.clear();
    let mut builtin = srec::config::EffectiveConfig::defaults(out);
    builtin.sources.clear();
    assert_eq!(from_example, builtin);
}

#[test]
fn printers_redact_secrets_unless_asked() {
    let s = Srec::new();
    s.write_config(
        "[api]\ntoken = \"tok-123456\"\n[recording]\ncookies = \"SESSDATA=cookie-1\"\n\
         proxy = \"socks5://u:proxy-pw@127.0.0.1:1080\"\n\
         [recording.headers]\nAuthorization = \"Bearer auth-1\"\nReferer = \"https://site/\"\n",
    );
    s.ok(&["add", "http://127.0.0.1:9/room/a"]);
    let db = srec::db::Db::open(&s.db_path()).unwrap();
    db.with(|c| {
        let mut st = srec::db::streamers::find(c, "a")?;
        st.overrides.cookies = Some("c=over-1".into());
        srec::db::streamers::update_settings(c, &st).map(|_| ())
    })
    .unwrap();
    let secrets = ["tok-123456", "cookie-1", "proxy-pw", "auth-1", "over-1"];
    for args in [
        &["config", "show"][..],
        &["config", "show", "--effective", "a"],
        &["list", "--json"],
    ] {
        let out = s.ok(args);
        for secret in secrets {
            assert!(!out.contains(secret), "{args:?} printed {secret}: {out}");
        }
        assert!(out.contains("<redacted>"), "{args:?}: {out}");
    }
    let shown = s.ok(&["config", "show", "--show-secrets"]);
    assert!(
        shown.contains("cookie-1") && shown.contains("tok-123456"),
        "{shown}"
    );
    assert!(
        s.ok(&["list", "--json", "--show-secrets"])
            .contains("over-1")
    );
}

/// The invariants of the `config` fuzz target (fuzz/fuzz_targets/config.rs)
/// over every prefix of every example config, so they are checked here
/// too where cargo-fuzz is not installed.
#[test]
fn accepted_configs_round_trip_through_toml() {
    let mut files = vec![
        repo_root().join("examples/config.toml"),
        repo_root().join("examples/pipelines.toml"),
    ];
    if let Ok(dir) = std::fs::read_dir(repo_root().join("examples/setups")) {
        files.extend(dir.flatten().map(|e| e.path()));
    }
    let mut accepted = 0;
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for n in 0..=lines.len() {
            let prefix = lines[..n].join("\n");
            let Ok(file) = srec::config::parse_str(&prefix, std::path::Path::new("p.toml")) else {
                continue;
            };
            accepted += 1;
            let rendered = toml::to_string_pretty(&file).unwrap();
            let back = srec::config::parse_str(&rendered, std::path::Path::new("r.toml"))
                .unwrap_or_else(|e| panic!("{}: {e}\n{rendered}", f.display()));
            assert_eq!(back, file, "{}", f.display());
            toml::to_string_pretty(&file.redacted()).unwrap();
        }
    }
    assert!(accepted > 10, "only {accepted} prefixes accepted");
}
