//! `tsc inspect FILE.ptl` on files PyTorch 2.5.1 writes: for every example,
//! plain (`_save_for_lite_interpreter`) and `optimize_for_mobile`'d, the root
//! operators equal `torch.jit.mobile._export_operator_list`, the bytecode
//! version `_get_model_bytecode_version`, every operator table entry
//! `_get_model_ops_and_info`, and each function's tables what Python's own
//! unpickler finds in `bytecode.pkl`; and no record the loader needs is
//! reported missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::harness::trial;
use crate::{examples, run_python};

/// Saves each example (argv[2:]) twice into the folder argv[1] and prints,
/// per file, what PyTorch and a plain reading of `bytecode.pkl` report.
const SAVE_AND_DESCRIBE: &str = r#"
import io, json, os, pickle, runpy, sys, zipfile
import torch, torch.jit.mobile
from torch.utils.mobile_optimizer import optimize_for_mobile

class Stub:
    """Any class or function the pickle names: bytecode.pkl is read as data."""
    def __init__(self, *args): pass
    def __setstate__(self, state): pass

class Reader(pickle.Unpickler):
    def find_class(self, module, name): return Stub
    def persistent_load(self, pid): return pid

def bytecode(path):
    with zipfile.ZipFile(path) as z:
        prefix = z.namelist()[0].split("/")[0]
        top = Reader(io.BytesIO(z.read(prefix + "/bytecode.pkl"))).load()
    functions = []
    for name, code, *_ in top[1:]:
        table = dict(code)
        functions.append({
            "name": name,
            "instructions": len(table["instructions"]),
            "operators": [[o[0], o[1], o[2] if len(o) > 2 else None] for o in table["operators"]],
            "constants": len(table["constants"]),
            "types": list(table["types"]),
            "register_size": table["register_size"],
        })
    return top[0], functions

out_dir, out = sys.argv[1], []
for source in sys.argv[2:]:
    # As `__main__`, classes are `__torch__.Name`, names the lite loader accepts
    # (`<run_path>` in a class name makes it refuse the plain file).
    scripted = runpy.run_path(source, run_name="__main__")["scripted"]
    stem = os.path.splitext(os.path.basename(source))[0]
    for tag, module in (("plain", scripted), ("optimized", optimize_for_mobile(scripted))):
        path = os.path.join(out_dir, f"{stem}_{tag}.ptl")
        module._save_for_lite_interpreter(path)
        lite = torch.jit.mobile._load_for_lite_interpreter(path)
        version, functions = bytecode(path)
        out.append({
            "path": path,
            "export_operator_list": sorted(torch.jit.mobile._export_operator_list(lite)),
            "ops_and_info": {k: v.num_schema_args for k, v in torch.jit.mobile._get_model_ops_and_info(path).items()},
            "bytecode_version": torch.jit.mobile._get_model_bytecode_version(path),
            "pickled_version": version,
            "functions": functions,
        })
print(json.dumps(out))
"#;

fn tsc_inspect(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc")).arg("inspect").args(args).output().expect("tsc runs");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("tsy-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the temp dir is writable");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Compares one file; returns what differs.
fn compare(torch: &Value) -> Vec<String> {
    let path = torch["path"].as_str().unwrap_or_default();
    let name = Path::new(path).file_name().map_or(path.into(), |n| n.to_string_lossy().into_owned());
    let mut failures = Vec::new();
    let mut expect = |what: &str, ours: &Value, theirs: &Value| {
        if ours != theirs {
            failures.push(format!("{name}: {what}: tsc {ours}, PyTorch {theirs}"));
        }
    };

    let (code, ops) = tsc_inspect(&["--ops", path]);
    expect("--ops exit code", &Value::from(code), &Value::from(0));
    let ops: Vec<Value> = ops.lines().map(Value::from).collect();
    expect("--ops", &Value::Array(ops), &torch["export_operator_list"]);

    let (code, human) = tsc_inspect(&[path]);
    expect("human exit code", &Value::from(code), &Value::from(0));
    let functions = torch["functions"].as_array().cloned().unwrap_or_default();
    for f in &functions {
        let header = format!("function {}", f["name"].as_str().unwrap_or_default());
        expect("human output", &Value::from(human.lines().any(|l| l == header)), &Value::from(true));
    }

    let (code, json) = tsc_inspect(&["--format", "json", path]);
    expect("json exit code", &Value::from(code), &Value::from(0));
    let report: Value = match serde_json::from_str(&json) {
        Ok(report) => report,
        Err(e) => {
            failures.push(format!("{name}: bad JSON ({e})"));
            return failures;
        }
    };
    expect("bytecode_version", &report["bytecode_version"], &torch["bytecode_version"]);
    expect("bytecode_version (pickled)", &report["bytecode_version"], &torch["pickled_version"]);
    expect("root_operators", &report["root_operators"], &torch["export_operator_list"]);
    expect("missing_records", &report["missing_records"], &serde_json::json!([]));

    let ours = report["functions"].as_array().cloned().unwrap_or_default();
    expect("function count", &Value::from(ours.len()), &Value::from(functions.len()));
    let info = torch["ops_and_info"].as_object().cloned().unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    for (o, t) in ours.iter().zip(&functions) {
        let fname = t["name"].as_str().unwrap_or_default();
        expect(&format!("{fname}: name"), &o["name"], &t["name"]);
        let instructions = o["instructions"].as_array().map_or(0, Vec::len);
        expect(&format!("{fname}: instruction count"), &Value::from(instructions), &t["instructions"]);
        let constants = o["constants"].as_array().map_or(0, Vec::len);
        expect(&format!("{fname}: constant count"), &Value::from(constants), &t["constants"]);
        expect(&format!("{fname}: types"), &o["types"], &t["types"]);
        expect(&format!("{fname}: register_size"), &o["register_size"], &t["register_size"]);
        let table: Vec<Value> = o["operators"]
            .as_array()
            .map(|ops| {
                ops.iter().map(|op| serde_json::json!([op["name"], op["overload"], op["num_specified_args"]])).collect()
            })
            .unwrap_or_default();
        expect(&format!("{fname}: operator table"), &Value::Array(table.clone()), &t["operators"]);
        for entry in &table {
            let (n, overload) = (entry[0].as_str().unwrap_or_default(), entry[1].as_str().unwrap_or_default());
            let qualified = if overload.is_empty() { n.to_string() } else { format!("{n}.{overload}") };
            let theirs = info.get(&qualified).cloned().unwrap_or(Value::Null);
            expect(&format!("{fname}: {qualified} in _get_model_ops_and_info"), &entry[2], &theirs);
            seen.insert(qualified);
        }
    }
    let info_names: Vec<Value> = info.keys().cloned().map(Value::from).collect();
    let seen: Vec<Value> = seen.into_iter().map(Value::from).collect();
    expect("operators of _get_model_ops_and_info", &Value::Array(seen), &Value::Array(info_names));
    failures
}

fn inspect_of_pytorch_ptl_files_matches_torch_jit_mobile() {
    let files = examples();
    assert!(files.len() >= 3, "expected the recipe's examples");
    let dir = TempDir::new("ptl-inspect");
    let mut args = vec![dir.0.display().to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdout = run_python(SAVE_AND_DESCRIBE, &args);
    let described: Vec<Value> = serde_json::from_str(&stdout).expect("the describer prints JSON");
    assert_eq!(described.len(), 2 * files.len());

    let mut failures = Vec::new();
    let mut optimized_objects = 0;
    for torch in &described {
        failures.extend(compare(torch));
        let (_, json) = tsc_inspect(&["--format", "json", torch["path"].as_str().unwrap_or_default()]);
        let report: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        if let Some(objects) = report["constants"]["objects"].as_object() {
            optimized_objects += objects.keys().filter(|k| k.starts_with("__torch__.torch.classes.xnnpack.")).count();
        }
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
    // optimize_for_mobile prepacks weights into XNNPACK contexts, which tsc reads as objects.
    assert!(optimized_objects >= 3, "expected XNNPACK contexts among the constants");
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![trial(
        "ptl_inspect::inspect_of_pytorch_ptl_files_matches_torch_jit_mobile",
        inspect_of_pytorch_ptl_files_matches_torch_jit_mobile,
    )]
}
