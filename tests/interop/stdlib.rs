//! The standard library and object model the host gives module-level code
//! behave as CPython's: every file in `tests/fixtures/stdlib/` runs in tsc's
//! host evaluator and under the reference environment's CPython 3.11, and
//! what it prints must be the same, line for line.

use std::path::Path;

use libtest_mimic::Trial;
use tsy::source::SourceMap;
use tsy::syntax::Interner;

use crate::harness::file_trials;
use crate::run_python;

/// Runs the file as `__main__`, as `python file` would.
const RUN: &str = "import runpy, sys\nrunpy.run_path(sys.argv[1], run_name='__main__')\n";

fn prints_as_cpython(file: &Path) {
    let text = std::fs::read_to_string(file).expect("readable fixture");
    let mut map = SourceMap::new();
    let id = map.add(file.display().to_string(), text);
    let mut interner = Interner::new();
    let parsed = tsy::syntax::parse(&map, id, &mut interner);
    assert!(parsed.diagnostics.is_empty(), "{}: does not parse", file.display());
    let mut evaluated = tsy::host::evaluate(&mut map, id, &parsed.module, &mut interner);
    let diagnostics = evaluated.take_diagnostics();
    let printed = std::mem::take(&mut evaluated.host.printed);
    drop(evaluated);
    let rendered = tsy::diag::render::human(&map, &diagnostics, false);
    assert!(diagnostics.is_empty(), "{}: the host reports:\n{rendered}", file.display());
    let want = run_python(RUN, &[&file.display().to_string()]);
    assert!(!want.is_empty(), "{}: the fixture prints nothing", file.display());
    let (got, want): (Vec<&str>, Vec<&str>) = (printed.lines().collect(), want.lines().collect());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{}: printed line {} differs from CPython's", file.display(), i + 1);
    }
    assert_eq!(got.len(), want.len(), "{}: tsc printed {} lines, CPython {}", file.display(), got.len(), want.len());
}

pub(crate) fn tests() -> Vec<Trial> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stdlib");
    let mut files: Vec<_> =
        std::fs::read_dir(dir).expect("tests/fixtures/stdlib").flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "tsy"));
    files.sort();
    assert!(files.len() >= 7, "the stdlib fixtures are missing");
    file_trials("stdlib", files, prints_as_cpython)
}
