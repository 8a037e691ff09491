//! Interop tests: the same files under real PyTorch 2.5.1.
//!
//! The reference environment is created once by `scripts/reference-env.sh`
//! (outside the repo); `scripts/test.sh` exports its python as
//! `TSY_REFERENCE_PYTHON`, and a plain `cargo test` runs the script itself.

mod chatbot;
mod compile;
mod examples;
mod inspect;
mod kernels;
mod load;
mod packed;
mod ptl;
mod ptl_inspect;
mod trace;
mod weights;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The reference environment's python.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(path) = std::env::var_os("TSY_REFERENCE_PYTHON") {
            return PathBuf::from(path);
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/reference-env.sh");
        let out = Command::new("bash").arg(&script).output().expect("scripts/reference-env.sh runs");
        assert!(
            out.status.success(),
            "setting up the PyTorch reference environment failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

/// Runs a Python snippet in the reference environment; returns stdout.
pub fn run_python(code: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the reference python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a Python snippet with `input` on its standard input; returns stdout.
pub fn run_python_stdin(code: &str, input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(python())
        .arg("-c")
        .arg(code)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the reference python runs");
    child.stdin.take().expect("piped").write_all(input.as_bytes()).expect("python reads its input");
    let out = child.wait_with_output().expect("python finishes");
    assert!(out.status.success(), "python failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Examples the generic compile tests leave out (tests/interop/chatbot.rs
/// tests them): the chatbot, which has no `model` to script (its file
/// traces the encoder and decoder and scripts the searcher itself), and its
/// unfixed form, which TorchScript rejects on purpose.
pub const NOT_COMPILED: &[&str] = &["chatbot.tsy", "chatbot_unfixed.tsy"];

pub fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsy"))
        .filter(|p| !NOT_COMPILED.iter().any(|n| p.file_name().is_some_and(|f| f == *n)))
        .collect();
    out.sort();
    out
}
