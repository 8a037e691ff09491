//! `--format fancy` (ariadne) beside `human` on existing fixtures: the
//! same diagnostics, codes, messages and labels, drawn with arrows.

use std::process::{Command, Output};

fn tsc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("the tsc binary runs")
}

fn beside_human(name: &str, file: &str) {
    let fancy = tsc(&["check", "--format", "fancy", "--color", "never", file]);
    let human = tsc(&["check", "--format", "human", "--color", "never", file]);
    assert_eq!(fancy.status.code(), human.status.code());
    let (fancy, human) = (String::from_utf8_lossy(&fancy.stderr), String::from_utf8_lossy(&human.stderr));
    let json = tsc(&["check", "--format", "json", file]);
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).expect("JSON");
    assert!(!diagnostics.is_empty());
    for d in &diagnostics {
        let (code, message) = (d["code"].as_str().expect("code"), d["message"].as_str().expect("message"));
        assert!(fancy.contains(&format!("[{code}] Error: {message}\n")), "{code} {message}:\n{fancy}");
        for label in d["labels"].as_array().expect("labels") {
            let text = label["message"].as_str().expect("a message");
            assert!(fancy.contains(text) && human.contains(text), "{text}:\n{fancy}");
        }
    }
    assert_eq!(fancy.lines().last(), human.lines().last(), "the same count of errors");
    assert!(!fancy.contains('\x1b'));
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(name, fancy);
    });
    let colored = tsc(&["check", "--format", "fancy", "--color", "always", file]);
    assert!(String::from_utf8_lossy(&colored.stderr).contains('\x1b'));
}

#[test]
fn the_unfixed_chatbot() {
    beside_human("fancy__chatbot_unfixed", "examples/chatbot_unfixed.tsy");
}

/// Two labels on one line: each gets its own arrow.
#[test]
fn labels_on_one_line() {
    beside_human("fancy__scripted_module_globals", "tests/fixtures/script/scripted_module_globals.tsy");
}

#[test]
fn syntax_errors() {
    beside_human("fancy__three_independent", "tests/fixtures/invalid/three_independent.tsy");
}
