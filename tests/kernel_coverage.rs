//! Kernel coverage: every operator that the script compiler emits for the
//! examples, the corpus cases and the fixtures (which use the prelude's
//! `torch.nn`) either runs in the interpreter itself or has a kernel —
//! except those listed in [`MISSING`], a list that may only shrink. Prints
//! the coverage of the whole registry: operators of `schemas.txt` with a
//! kernel, of all of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tsy::interp::exec::INTERPRETED;
use tsy::ir::{BlockId, Graph};
use tsy::ops::OpKind;
use tsy::runtime::kernels::has_kernel;
use tsy::source::SourceMap;
use tsy::syntax::Interner;

/// Operators compiled code uses that have no kernel yet (`tsc run` stops
/// at them with E6001).
const MISSING: &[&str] =
    &["aten::index_put_", "aten::is_leaf", "aten::randn_like", "prim::grad", "prim::requires_grad"];

/// Operator names of the registry with a kernel (may only go up).
const REGISTRY_COVERED: usize = 410;

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn kinds(graph: &Graph, block: BlockId, out: &mut BTreeSet<OpKind>) {
    for node in &graph.block(block).nodes {
        let node = graph.node(*node);
        out.insert(node.kind);
        for b in &node.blocks {
            kinds(graph, *b, out);
        }
    }
}

fn covered(kind: OpKind) -> bool {
    INTERPRETED.contains(&kind) || has_kernel(kind)
}

#[test]
fn every_operator_compiled_code_uses_has_a_kernel() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("examples"), "tsy", &mut sources);
    files(&root.join("tests/corpus/cases"), "py", &mut sources);
    files(&root.join("tests/fixtures"), "tsy", &mut sources);
    sources.sort();
    let mut users: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut compiled = 0;
    for path in &sources {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let shown = path.strip_prefix(root).unwrap_or(path).display().to_string();
        let mut map = SourceMap::new();
        let file = map.add(shown.clone(), text);
        let Some(functions) = tsy::compile_all(&mut map, file, &mut Interner::new()) else { continue };
        let mut used = BTreeSet::new();
        for function in functions.into_iter().filter_map(|(_, f)| f.ok()) {
            compiled += 1;
            kinds(&function.graph, function.graph.top, &mut used);
        }
        for kind in used.into_iter().filter(|k| !covered(*k)) {
            users.entry(kind.as_str()).or_default().push(shown.clone());
        }
    }
    let registry = tsy::ops::registry::registry();
    let names: BTreeSet<&str> = registry.names().collect();
    let with_kernel = names.iter().filter(|n| OpKind::lookup(n).is_some_and(covered)).count();
    println!("{compiled} compiled functions of {} files", sources.len());
    println!(
        "registry: {with_kernel} of {} operators run ({:.1}%)",
        names.len(),
        100.0 * with_kernel as f64 / names.len() as f64
    );
    println!("{} operators used without a kernel:", users.len());
    for (kind, files) in &users {
        println!("  {kind} ({} files, first {})", files.len(), files[0]);
    }
    let missing: BTreeSet<&str> = users.keys().copied().collect();
    let listed: BTreeSet<&str> = MISSING.iter().copied().collect();
    assert_eq!(missing, listed, "MISSING is out of date: the operators used without a kernel are {missing:?}");
    assert!(with_kernel >= REGISTRY_COVERED, "fewer registry operators with a kernel ({with_kernel}) than before");
}
