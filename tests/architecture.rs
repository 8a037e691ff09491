//! The top-level modules of `src/` depend on each other in one direction:
//! a `crate::x` path in module `y` (outside comments) is an edge `y → x`,
//! and the graph of those edges has no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every `.rs` file under `path` (or `path` itself).
fn sources(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("readable folder").flatten() {
            sources(&entry.path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The `crate::x` names a file's code (not its comments) mentions.
fn mentioned(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("src/").flatten() {
        let path = entry.path();
        let name = path.file_stem().expect("named").to_string_lossy().into_owned();
        if name == "lib" || name == "main" || !(path.is_dir() || path.extension().is_some_and(|e| e == "rs")) {
            continue;
        }
        let mut files = Vec::new();
        sources(&path, &mut files);
        let mut uses = BTreeSet::new();
        for file in files {
            uses.extend(mentioned(&std::fs::read_to_string(file).expect("readable source")));
        }
        uses.remove(&name);
        modules.insert(name, uses);
    }
    // Edges only between top-level modules (not to items of lib.rs).
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    for uses in modules.values_mut() {
        uses.retain(|u| names.contains(u));
    }
    modules
}

/// A cycle through `at`, if the depth-first search from it finds one.
fn cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    at: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|m| m == at) {
        let mut found = path[start..].to_vec();
        found.push(at.to_string());
        return Some(found);
    }
    if done.contains(at) {
        return None;
    }
    path.push(at.to_string());
    for next in &graph[at] {
        if let Some(found) = cycle(graph, next, path, done) {
            return Some(found);
        }
    }
    path.pop();
    done.insert(at.to_string());
    None
}

#[test]
fn top_level_modules_depend_on_each_other_without_cycles() {
    let graph = graph();
    assert!(graph.len() >= 10, "expected the top-level modules of src/, found {:?}", graph.keys());
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(found) = cycle(&graph, module, &mut Vec::new(), &mut done) {
            panic!("a dependency cycle between top-level modules: {}", found.join(" → "));
        }
    }
}

/// The edges that once made cycles stay gone: the host computes on the
/// runtime below it and records traces the compiler above it reads.
#[test]
fn the_host_sits_below_the_compiler_and_above_the_runtime() {
    let graph = graph();
    for (module, above) in
        [("runtime", "host"), ("host", "script"), ("host", "trace"), ("script", "trace"), ("ir", "host")]
    {
        assert!(!graph[module].contains(above), "{module} depends on {above}, which is above it");
    }
}

/// The search itself finds a cycle where there is one, and names it.
#[test]
fn a_cycle_is_found_and_named() {
    let edges = |list: &[&str]| list.iter().map(|s| (*s).to_string()).collect::<BTreeSet<_>>();
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), edges(&["b"])),
        ("b".to_string(), edges(&["c"])),
        ("c".to_string(), edges(&["a"])),
        ("d".to_string(), edges(&["a"])),
    ]
    .into_iter()
    .collect();
    let found = cycle(&graph, "d", &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(found, Some(vec!["a".to_string(), "b".to_string(), "c".to_string(), "a".to_string()]));
    let acyclic: BTreeMap<String, BTreeSet<String>> =
        [("a".to_string(), edges(&["b"])), ("b".to_string(), edges(&[]))].into_iter().collect();
    assert_eq!(cycle(&acyclic, "a", &mut Vec::new(), &mut BTreeSet::new()), None);
}
