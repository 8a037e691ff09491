//! `tsc compile --emit code|graph` against `scripted.code` and
//! `scripted.graph` of the same file under PyTorch 2.5.1: for every example
//! and every file in `tests/fixtures/compile/`, the code is PyTorch's
//! character for character and the graph has PyTorch's non-constant nodes in
//! PyTorch's order.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Trial;

use crate::harness::{file_trials, trial};
use crate::{examples, run_python};

/// Prints the `scripted` entry's `.code`, a separator line, and its `.graph`.
const SCRIPTED: &str = r#"
import runpy, sys
ns = runpy.run_path(sys.argv[1], run_name="__main__")
scripted = ns["scripted"]
print(scripted.code, end="")
print("=====")
print(scripted.graph, end="")
"#;

fn tsc_compile(file: &Path, emit: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["compile", &file.display().to_string(), "--emit", emit, "--color", "never"])
        .output()
        .expect("tsc runs");
    assert!(
        out.status.success(),
        "tsc compile --emit {emit} {} failed:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The kinds of a printed graph's nodes, constants left out.
fn node_kinds(graph: &str) -> Vec<String> {
    graph
        .lines()
        .filter_map(|line| {
            let (_, rhs) = line.split_once("= ")?;
            let kind = &rhs[..rhs.find(['(', '['])?];
            (kind.contains("::") && kind != "prim::Constant").then(|| kind.to_string())
        })
        .collect()
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).expect("fixtures").flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "tsy"));
    files.sort();
    files
}

fn code_and_graph_match_pytorch(file: &Path) {
    let theirs = run_python(SCRIPTED, &[&file.display().to_string()]);
    let (their_code, their_graph) = theirs.split_once("=====\n").expect("code, then graph");
    let our_code = tsc_compile(file, "code");
    assert_eq!(our_code, their_code, "{}: `.code` differs from PyTorch's", file.display());
    let our_graph = tsc_compile(file, "graph");
    assert_eq!(
        node_kinds(&our_graph),
        node_kinds(their_graph),
        "{}: graph nodes differ from PyTorch's\nours:\n{our_graph}\ntorch:\n{their_graph}",
        file.display()
    );
}

/// Prints `=== owner.method` and the method's `.code` for every method of
/// every module of the `scripted` entry (PyTorch's type-name mangling and the
/// `<run_path>` module prefix removed; the first of each kept).
const METHODS: &str = r#"
import runpy, re, sys
ns = runpy.run_path(sys.argv[1])
seen = set()
for m in ns["scripted"].modules():
    q = re.sub(r"___torch_mangle_\d+\.", "", m._c._type().qualified_name()).replace("<run_path>.", "")
    for name in m._c._method_names():
        key = "%s.%s" % (q, name)
        if key not in seen:
            seen.add(key)
            print("=== " + key)
            print(m._c._get_method(name).code, end="")
"#;

fn sections(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(key) = line.strip_prefix("=== ") {
            current = Some(key.to_string());
            out.insert(key.to_string(), String::new());
        } else if let Some(key) = &current {
            let body = out.get_mut(key).expect("inserted with its header");
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// Every method the examples compile (submodules' and the prelude's
/// included) prints as PyTorch prints it.
fn every_method_of_the_examples_prints_as_pytorchs() {
    let mut compared = 0;
    for file in examples() {
        let theirs = sections(&run_python(METHODS, &[&file.display().to_string()]));
        let mut map = tsy::source::SourceMap::new();
        let text = std::fs::read_to_string(&file).expect("example");
        let id = map.add(file.display().to_string(), text);
        let ours = tsy::compile_all(&mut map, id, &mut tsy::syntax::Interner::new()).expect("the example evaluates");
        for (name, function) in ours {
            let function = function.unwrap_or_else(|_| panic!("{}: {name} does not compile", file.display()));
            let Some(expected) = theirs.get(&name) else {
                panic!("{}: PyTorch compiles no {name}; it has {:?}", file.display(), theirs.keys().collect::<Vec<_>>())
            };
            assert_eq!(&function.code(), expected, "{}: {name}", file.display());
            compared += 1;
        }
    }
    assert!(compared >= 20, "compared only {compared} methods");
}

pub(crate) fn tests() -> Vec<Trial> {
    let files: Vec<PathBuf> = examples().into_iter().chain(fixtures()).collect();
    assert!(files.len() >= 6, "expected the examples and the compile fixtures");
    let mut tests = file_trials("compile::code_and_graph_match_pytorch", files, code_and_graph_match_pytorch);
    tests.push(trial(
        "compile::every_method_of_the_examples_prints_as_pytorchs",
        every_method_of_the_examples_prints_as_pytorchs,
    ));
    tests
}
