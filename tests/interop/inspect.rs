//! `tsc inspect --format json` gives exactly PyTorch's state_dict (names,
//! shapes, dtypes, order), parameter count and `print(model)`, for every
//! example and every case of the corpus that PyTorch 2.5.1 accepts.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::examples;
use crate::harness::trial;

/// Runs each file under PyTorch and prints, per file, the entry's state_dict
/// rows, parameter count and (for a plain module) its repr.
const DESCRIBE: &str = r#"
import json, runpy, sys, torch
out = []
for path, entry in json.load(sys.stdin):
    ns = runpy.run_path(path)
    m = ns[entry]
    eager = ns.get("model") if isinstance(m, torch.jit.ScriptModule) else m
    out.append({
        "state": [[k, list(v.shape), str(v.dtype)] for k, v in m.state_dict().items()],
        "parameters": sum(p.numel() for p in m.parameters()),
        "repr": repr(eager) if isinstance(eager, torch.nn.Module) and not isinstance(eager, torch.jit.ScriptModule) else None,
    })
print(json.dumps(out))
"#;

fn corpus_accepted() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let expected = std::fs::read_to_string(root.join("expected.jsonl")).expect("the corpus has expected.jsonl");
    let mut out = Vec::new();
    for line in expected.lines() {
        let record: Value = serde_json::from_str(line).expect("expected.jsonl holds JSON lines");
        if record["accepted"] == Value::Bool(true) {
            let case = record["case"].as_str().expect("each record names its case");
            out.push(root.join("cases").join(format!("{case}.py")));
        }
    }
    out
}

fn tsc_inspect(path: &Path) -> Result<Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["inspect", "--format", "json", &path.display().to_string()])
        .output()
        .expect("tsc runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.code() == Some(0) {
        return serde_json::from_str(&stdout).map_err(|e| format!("bad JSON ({e}): {stdout}"));
    }
    Err(stdout)
}

fn inspect_matches_pytorch_state_dicts() {
    let mut files = examples();
    let corpus = corpus_accepted();
    assert!(corpus.len() >= 50, "expected the accepted corpus cases");
    files.extend(corpus);

    let mut compared = Vec::new();
    let mut function_entries = Vec::new();
    let mut failures = Vec::new();
    for file in &files {
        match tsc_inspect(file) {
            Ok(report) => compared.push((file.clone(), report)),
            Err(diagnostics) if diagnostics.contains("is not a module") => function_entries.push(file.clone()),
            Err(diagnostics) => failures.push(format!("{}: tsc failed:\n{diagnostics}", file.display())),
        }
    }
    let request: Vec<(String, String)> = compared
        .iter()
        .map(|(f, r)| (f.display().to_string(), r["entry"].as_str().unwrap_or_default().to_string()))
        .collect();
    let torch: Vec<Value> = if request.is_empty() {
        Vec::new()
    } else {
        let stdout = crate::run_python_stdin(DESCRIBE, &serde_json::to_string(&request).expect("serializes"));
        serde_json::from_str(&stdout).expect("the describer prints JSON")
    };
    for ((file, ours), theirs) in compared.iter().zip(&torch) {
        let our_state: Vec<Value> = ours["state"]
            .as_array()
            .expect("state is an array")
            .iter()
            .map(|row| serde_json::json!([row["name"], row["shape"], row["dtype"]]))
            .collect();
        if Value::Array(our_state.clone()) != theirs["state"] {
            failures.push(format!(
                "{}: state_dict differs\n ours: {:?}\n torch: {}",
                file.display(),
                our_state,
                theirs["state"]
            ));
        }
        if ours["parameters"] != theirs["parameters"] {
            failures.push(format!(
                "{}: {} parameters, PyTorch {}",
                file.display(),
                ours["parameters"],
                theirs["parameters"]
            ));
        }
        if !theirs["repr"].is_null() && ours["repr"] != theirs["repr"] {
            failures.push(format!(
                "{}: repr differs\n ours:\n{}\n torch:\n{}",
                file.display(),
                ours["repr"],
                theirs["repr"]
            ));
        }
    }
    println!(
        "inspect vs PyTorch: {} files compared, {} with a function entry (no module to inspect), {} failures",
        compared.len(),
        function_entries.len(),
        failures.len()
    );
    for f in &function_entries {
        println!("  function entry: {}", f.display());
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![trial("inspect::inspect_matches_pytorch_state_dicts", inspect_matches_pytorch_state_dicts)]
}
