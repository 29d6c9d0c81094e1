//! The checked-in completions and man pages must match what the binary
//! generates; run `scripts/gen-docs.sh` after changing the CLI.

use crate::harness::{Srec, repo_root};

#[test]
fn completions_are_up_to_date() {
    let s = Srec::new();
    for (shell, file) in [
        ("bash", "srec.bash"),
        ("zsh", "_srec"),
        ("fish", "srec.fish"),
        ("elvish", "srec.elv"),
        ("powershell", "_srec.ps1"),
    ] {
        let generated = s.ok(&["completions", shell]);
        let path = repo_root().join("completions").join(file);
        let checked_in = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing; run scripts/gen-docs.sh", path.display()));
        assert!(
            generated == checked_in,
            "{} is stale; run scripts/gen-docs.sh",
            path.display()
        );
    }
}

#[test]
fn man_pages_are_up_to_date() {
    let s = Srec::new();
    let out = s.dir.path().join("man");
    s.ok(&["man", "--out-dir", out.to_str().unwrap()]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"srec.1".to_string()) && names.contains(&"srec-add.1".to_string()));
    let mut checked_in: Vec<String> = std::fs::read_dir(repo_root().join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    checked_in.sort();
    assert_eq!(
        names, checked_in,
        "man/ has a different page set; run scripts/gen-docs.sh"
    );
    for n in names {
        let a = std::fs::read_to_string(out.join(&n)).unwrap();
        let b = std::fs::read_to_string(repo_root().join("man").join(&n)).unwrap();
        assert!(a == b, "man/{n} is stale; run scripts/gen-docs.sh");
    }
    assert!(s.ok(&["man"]).contains(".TH srec 1"));
}
