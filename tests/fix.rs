//! `tsc check --fix`, `--diff` and `--format github` as a user meets them
//! (tests/interop/fix.rs has PyTorch script what `--fix` writes).

use std::path::PathBuf;
use std::process::{Command, Output};

/// tsc run from the repository root, so paths in its output are relative.
fn tsc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the tsc binary runs")
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsy-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("temp file");
    path
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(name, text);
    });
}

const UNFIXED: &str = "examples/chatbot_unfixed.tsy";

#[test]
fn diff_prints_the_fixes_and_writes_nothing() {
    let before = std::fs::read_to_string(format!("{}/{UNFIXED}", env!("CARGO_MANIFEST_DIR"))).expect("the example");
    let out = tsc(&["check", "--diff", UNFIXED]);
    assert_eq!(out.status.code(), Some(1), "a diff to apply");
    snapshot("fix__chatbot_unfixed_diff", &stdout(&out));
    let after = std::fs::read_to_string(format!("{}/{UNFIXED}", env!("CARGO_MANIFEST_DIR"))).expect("the example");
    assert_eq!(before, after, "--diff writes nothing");

    let clean = tsc(&["check", "--diff", "examples/chatbot.tsy"]);
    assert_eq!((clean.status.code(), stdout(&clean).as_str()), (Some(0), ""));
}

/// What `--diff` prints is what `--fix` writes; fixing again changes nothing.
#[test]
fn fix_writes_what_diff_shows_once() {
    let original = std::fs::read_to_string(format!("{}/{UNFIXED}", env!("CARGO_MANIFEST_DIR"))).expect("the example");
    let file = temp_file("chatbot.tsy", &original);
    let shown = file.display().to_string();
    let diff = stdout(&tsc(&["check", "--diff", &shown]));
    let out = tsc(&["check", "--fix", "--format", "short", &shown]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("fixed {shown}: 3 fixes applied\n"));
    assert_eq!(
        stdout(&out),
        format!(
            "{shown}:119:43: error[E2002]: attribute lookup is not defined on python value of type 'LuongAttnDecoderRNN'\n"
        )
    );
    let fixed = std::fs::read_to_string(&file).expect("the fixed file");
    // The diff's added lines are the fixed file's new lines.
    let added: Vec<&str> =
        diff.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).map(|l| &l[1..]).collect();
    assert_eq!(added.len(), 6, "{diff}");
    for line in added {
        assert!(fixed.lines().any(|l| l == line), "`{line}` not written:\n{fixed}");
    }
    let again = tsc(&["check", "--fix", "--format", "short", &shown]);
    assert!(again.stderr.is_empty(), "nothing left to fix: {}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(std::fs::read_to_string(&file).expect("the file"), fixed);
}

/// The fix that stores a global on `self` is offered for tools only where
/// it cannot change what runs; elsewhere it stays a suggestion to review.
#[test]
fn a_global_is_stored_on_self_only_where_that_is_safe() {
    let model = |init: &str, tail: &str| {
        format!(
            "import torch\nimport torch.nn as nn\n\nSCALE = 2\n\n\nclass M(nn.Module):\n    def __init__(self{init}):\n        super().__init__()  # keep\n\n    def forward(self, x):\n        return x * SCALE\n\n\nm = torch.jit.script(M({tail}))\n"
        )
    };
    let applicability = |text: &str| {
        let file = temp_file("global.tsy", text);
        let out = tsc(&["check", "--format", "json", &file.display().to_string()]);
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        found[0]["suggestions"][0]["applicability"].as_str().map(str::to_string)
    };
    let safe = model("", "");
    assert_eq!(applicability(&safe).as_deref(), Some("machine-applicable"));
    let file = temp_file("global.tsy", &safe);
    let diff = stdout(&tsc(&["check", "--diff", &file.display().to_string()]));
    assert!(diff.contains("         super().__init__()  # keep\n+        self._SCALE = SCALE\n"), "{diff}");
    assert!(diff.contains("+        return x * self._SCALE\n"), "{diff}");
    // `SCALE` in `__init__` would be its parameter, not the global.
    assert_eq!(applicability(&model(", SCALE=3", "")).as_deref(), Some("maybe-incorrect"));
    // Assigned again after the module is made: `__init__` would see 2, `forward` 5.
    let later = format!("{}SCALE = 5\n", model("", ""));
    assert_eq!(applicability(&later).as_deref(), Some("maybe-incorrect"));
    // The class already has an `_SCALE`.
    let taken = safe.replace("# keep", "# keep\n        self._SCALE = 1.5");
    assert_eq!(applicability(&taken).as_deref(), Some("maybe-incorrect"));
}

#[test]
fn github_format_annotates_each_diagnostic() {
    let out = tsc(&["check", "--format", "github", UNFIXED]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty());
    snapshot("fix__chatbot_unfixed_github", &stdout(&out));
}
