//! The fuzz targets' inputs replayed on stable, through the same entry
//! points (`tsy::fuzz`): every crash `scripts/fuzz.sh` found (in
//! fuzz/regressions/TARGET/, its fix in the same commit), the minimized
//! corpus of the last long run (fuzz/corpus-min/TARGET/) and the binary
//! seeds (fuzz/seeds/TARGET/). Each must end in acceptance or a refusal, on
//! a stack as large as `tsc`'s; what each reproducer comes to is
//! snapshotted, so a fix that starts accepting or refusing it shows.

use std::path::{Path, PathBuf};

use tsy::fuzz::{Entry, TARGETS};

/// `tsc`'s stack (src/main.rs).
const STACK_SIZE: usize = 256 << 20;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted by name.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.expect("directory entry").path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

/// Runs `entry` on each file on a large stack: a panic or an overflow
/// fails the test, naming the file. The outcome of each, by file name.
fn replay(files: &[PathBuf], entry: Entry) -> Vec<String> {
    let files = files.to_vec();
    let worker = std::thread::Builder::new().stack_size(STACK_SIZE).spawn(move || {
        files
            .iter()
            .map(|path| {
                let bytes = std::fs::read(path).expect("fuzz input");
                let name = path.file_name().expect("file name").to_string_lossy().into_owned();
                let outcome = std::panic::catch_unwind(|| entry(&bytes))
                    .unwrap_or_else(|_| panic!("{} panicked", path.display()));
                match outcome {
                    Ok(()) => format!("{name}: accepted"),
                    Err(why) => format!("{name}: {why}"),
                }
            })
            .collect()
    });
    worker.expect("thread starts").join().expect("no input panics")
}

#[test]
fn every_crash_the_fuzzer_found_is_answered() {
    let mut lines = Vec::new();
    for (target, entry) in TARGETS {
        let files = inputs("regressions", target);
        for line in replay(&files, entry) {
            lines.push(format!("{target}/{line}"));
        }
    }
    assert!(!lines.is_empty(), "fuzz/regressions/ holds the reproducers");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("fuzz_regressions", lines.join("\n"));
    });
}

#[test]
fn the_minimized_corpus_and_the_seeds_are_answered() {
    let mut replayed = 0;
    for (target, entry) in TARGETS {
        for kind in ["corpus-min", "seeds"] {
            let files = inputs(kind, target);
            replayed += replay(&files, entry).len();
        }
    }
    assert!(replayed > 100, "only {replayed} inputs under fuzz/corpus-min/ and fuzz/seeds/");
}

/// The seeds PyTorch wrote are read, not refused: the readers must accept
/// what the fuzzer starts from, or it explores error paths only.
#[test]
fn the_binary_seeds_are_accepted() {
    for (target, entry) in &TARGETS[4..] {
        let files = inputs("seeds", target);
        assert!(!files.is_empty(), "fuzz/seeds/{target}/");
        for line in replay(&files, *entry) {
            assert!(line.ends_with(": accepted"), "{target}/{line}");
        }
    }
}
