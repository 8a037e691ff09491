//! Interop tests: the same files under real PyTorch 2.5.1.
//!
//! The reference environment is created once by `scripts/reference-env.sh`
//! (outside the repo, about 3 GB); `scripts/test.sh` exports its python as
//! `TSY_REFERENCE_PYTHON`. A plain `cargo test` uses the environment when it
//! is ready and otherwise skips these tests, saying so, rather than
//! installing PyTorch itself.

#[path = "../common/harness.rs"]
mod harness;

mod chatbot;
mod compile;
mod eager;
mod examples;
mod fix;
mod inspect;
mod kernels;
mod load;
mod nn_coverage;
mod packed;
mod ptl;
mod ptl_inspect;
mod run;
mod stdlib;
mod trace;
mod weights;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

static PYTHON: OnceLock<PathBuf> = OnceLock::new();

fn main() {
    let tests = [
        chatbot::tests(),
        compile::tests(),
        eager::tests(),
        examples::tests(),
        fix::tests(),
        inspect::tests(),
        kernels::tests(),
        load::tests(),
        nn_coverage::tests(),
        packed::tests(),
        ptl::tests(),
        ptl_inspect::tests(),
        run::tests(),
        stdlib::tests(),
        trace::tests(),
        weights::tests(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    match reference_python() {
        Ok(python) => {
            PYTHON.set(python).expect("set once");
            harness::run(tests)
        }
        Err(why) => {
            let tests = tests.into_iter().map(|test| test.with_ignored_flag(true)).collect();
            let conclusion = libtest_mimic::run(&libtest_mimic::Arguments::from_args(), tests);
            eprintln!(
                "\nSKIPPED the interop tests (tests/interop/): {why}.\n\
                 Run scripts/test.sh to set up PyTorch 2.5.1 (once, about 3 GB) and run every test.\n"
            );
            conclusion.exit()
        }
    }
}

/// The python of the reference environment: `TSY_REFERENCE_PYTHON` when set
/// (then it must run: scripts/test.sh relies on these tests), else the
/// environment `scripts/reference-env.sh` made, if it finished.
fn reference_python() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("TSY_REFERENCE_PYTHON") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "TSY_REFERENCE_PYTHON={} is not a file", path.display());
        return Ok(path);
    }
    let dir = match std::env::var_os("TSY_REFERENCE_ENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/tsy/torch-2.5.1"),
    };
    if dir.join(".tsy-ready").is_file() {
        return Ok(dir.join("bin/python"));
    }
    Err(format!("TSY_REFERENCE_PYTHON is unset and no reference environment is ready at {}", dir.display()))
}

/// The reference environment's python.
pub fn python() -> &'static Path {
    PYTHON.get().expect("the interop tests need the PyTorch reference environment: run scripts/test.sh")
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
