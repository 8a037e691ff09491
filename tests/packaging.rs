//! What pip and pre-commit read: the pre-commit hook's entry runs on the
//! examples as pre-commit runs it (every matching file at once), and the
//! package runs the `tsc` beside it. scripts/wheel.sh builds and installs
//! the wheel itself (on demand: it is a release build).

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `key: value` of the hook with `id` in .pre-commit-hooks.yaml (a list of
/// flat mappings, which is all that file holds).
fn hook_field(id: &str, key: &str) -> String {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("the hooks file");
    let hook = text.split("\n- ").find(|h| h.starts_with(&format!("id: {id}\n"))).expect("the hook");
    let line = hook.lines().find_map(|l| l.trim().strip_prefix(&format!("{key}: "))).expect("the field");
    line.trim().to_string()
}

#[test]
fn the_pre_commit_hook_checks_the_examples() {
    assert_eq!(hook_field("tsc-check", "language"), "python");
    let entry = hook_field("tsc-check", "entry");
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("tsc"), "the entry runs the installed binary");
    let args: Vec<&str> = words.collect();
    // `files` is a regular expression on paths; the examples' are plain.
    let files = hook_field("tsc-check", "files");
    let extension = files.strip_prefix("\\.").and_then(|f| f.strip_suffix('$')).expect("an extension pattern");
    let mut examples: Vec<String> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .flatten()
        .map(|e| format!("examples/{}", e.file_name().to_string_lossy()))
        .filter(|name| name.ends_with(&format!(".{extension}")))
        .collect();
    examples.sort();
    assert!(examples.len() >= 5, "{examples:?}");
    let run = |files: &[String]| {
        Command::new(env!("CARGO_BIN_EXE_tsc"))
            .args(&args)
            .args(files)
            .current_dir(root())
            .output()
            .expect("the entry runs")
    };
    let clean: Vec<String> = examples.iter().filter(|e| !e.contains("unfixed")).cloned().collect();
    let passed = run(&clean);
    assert_eq!(passed.status.code(), Some(0), "{}", String::from_utf8_lossy(&passed.stderr));
    let failed = run(&examples);
    assert_eq!(failed.status.code(), Some(1), "pre-commit fails on the unfixed chatbot");
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(
        said.contains("examples/chatbot_unfixed.tsy:117:43") && said.ends_with("error: 4 errors found\n"),
        "{said}"
    );
}

/// `python -m tsy` finds `tsc` where pip puts a wheel's scripts (the
/// environment's scripts folder) and runs it: here in a fresh virtual
/// environment, with `tsc` linked where the wheel would install it.
#[cfg(unix)]
#[test]
fn python_m_tsy_runs_the_installed_tsc() {
    let dir = std::env::temp_dir().join(format!("tsy-venv-{}", std::process::id()));
    let made = Command::new("python3").args(["-m", "venv", "--without-pip"]).arg(&dir).status().expect("python3 runs");
    assert!(made.success());
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_tsc"), dir.join("bin/tsc")).expect("linked");
    let python = |args: &[&str]| {
        Command::new(dir.join("bin/python"))
            .args(["-m", "tsy"])
            .args(args)
            .env("PYTHONPATH", root().join("python"))
            .current_dir(root())
            .output()
            .expect("python runs")
    };
    let version = python(&["--version"]);
    assert_eq!(String::from_utf8_lossy(&version.stdout), format!("tsc {}\n", env!("CARGO_PKG_VERSION")));
    let checked = python(&["check", "--format", "short", "examples/chatbot_unfixed.tsy"]);
    assert_eq!(checked.status.code(), Some(1), "tsc's exit code comes through");
    assert_eq!(String::from_utf8_lossy(&checked.stdout).lines().count(), 4);
    std::fs::remove_dir_all(&dir).ok();
}
