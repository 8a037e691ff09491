//! The test targets that read fixture files run under libtest-mimic
//! (`harness = false`), so that every file is a test of its own, named by
//! its path: a failure names its file and does not hide the files after it.

use std::path::{Path, PathBuf};

use libtest_mimic::Trial;

/// A test that fails by panicking, as a `#[test]` function does.
pub(crate) fn trial(name: &str, test: fn()) -> Trial {
    Trial::test(name, move || {
        test();
        Ok(())
    })
}

/// One test per file, named `{kind}::{path from the repository root}`.
pub(crate) fn file_trials(kind: &str, paths: Vec<PathBuf>, test: fn(&Path)) -> Vec<Trial> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    paths
        .into_iter()
        .map(|path| {
            let shown = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            Trial::test(format!("{kind}::{shown}"), move || {
                test(&path);
                Ok(())
            })
        })
        .collect()
}

/// Runs the tests as `cargo test` runs a `#[test]` target (filters and
/// flags included) and exits with its status.
pub(crate) fn run(trials: Vec<Trial>) -> ! {
    libtest_mimic::run(&libtest_mimic::Arguments::from_args(), trials).exit()
}
