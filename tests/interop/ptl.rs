//! `.ptl` files written by `tsc compile` load in PyTorch 2.5.1's real lite
//! interpreter and compute what PyTorch's scripted module computes, with
//! the same weights (BatchNorm statistics randomized, so folding mistakes
//! would show), on the example inputs and on inputs that take the other
//! branch where there is control flow.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{examples, run_python};

/// argv: the .tsy file, the work folder. Randomizes the model's state
/// (seeded), saves it as safetensors, saves two input sets and the scripted
/// module's outputs for them, and the operator list PyTorch's own export of
/// the scripted module has.
const PREPARE: &str = r#"
import json, runpy, sys, torch, torch.jit.mobile
from safetensors.torch import save_file
ns = runpy.run_path(sys.argv[1], run_name="__main__")
out = sys.argv[2]
model = ns["model"]
torch.manual_seed(20261126)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.normal_(0, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            if m.weight is not None:
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.5)
model.eval()
scripted = torch.jit.script(model)
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/weights.safetensors")
inputs = ns["example_inputs"]
sets = [inputs, tuple(-x if isinstance(x, torch.Tensor) else x for x in inputs)]
flat = lambda v: list(v) if isinstance(v, (tuple, list)) else [v]
tensors = {}
with torch.no_grad():
    for i, s in enumerate(sets):
        for j, x in enumerate(s):
            tensors[f"set{i}.input{j}"] = x.contiguous()
        for j, y in enumerate(flat(scripted(*s))):
            tensors[f"set{i}.output{j}"] = y.clone()
save_file(tensors, f"{out}/io.safetensors")
scripted._save_for_lite_interpreter(f"{out}/pytorch.ptl")
lite = torch.jit.mobile._load_for_lite_interpreter(f"{out}/pytorch.ptl")
print(json.dumps(sorted(torch.jit.mobile._export_operator_list(lite))))
"#;

/// argv: our .ptl, the work folder. Runs it in the lite interpreter and in
/// the full JIT (`torch.jit.load`, through `code/`) on both input sets;
/// reports each run's max |Δ| relative to max(1, max|ref|), the bytecode
/// version and the root operators.
const CHECK: &str = r#"
import json, sys, torch
from safetensors.torch import load_file
import torch.jit.mobile
from torch.jit.mobile import _load_for_lite_interpreter, _get_model_bytecode_version
ptl, out = sys.argv[1], sys.argv[2]
m = _load_for_lite_interpreter(ptl)
# The full JIT opens the same file through its `code/`.
full = torch.jit.load(ptl)
io = load_file(f"{out}/io.safetensors")
flat = lambda v: list(v) if isinstance(v, (tuple, list)) else [v]
errors = []
for i in range(2):
    inputs = [io[k] for k in sorted(k for k in io if k.startswith(f"set{i}.input"))]
    refs = [io[k] for k in sorted(k for k in io if k.startswith(f"set{i}.output"))]
    for module in (m, full):
        with torch.no_grad():
            got = flat(module(*inputs))
        assert len(got) == len(refs), (len(got), len(refs))
        errors.append(max(float((g - r).abs().max()) / max(1.0, float(r.abs().max())) for g, r in zip(got, refs)))
print(json.dumps({"errors": errors, "version": _get_model_bytecode_version(ptl),
                  "ops": sorted(torch.jit.mobile._export_operator_list(m))}))
"#;

fn work_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsy-ptl-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    dir
}

fn compile(file: &Path, dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("model.ptl");
    let status = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .arg("compile")
        .arg(file)
        .arg("-o")
        .arg(&out)
        .arg("--weights")
        .arg(dir.join("weights.safetensors"))
        .args(extra)
        .output()
        .expect("tsc runs");
    assert!(status.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&status.stderr));
    out
}

#[test]
fn examples_run_in_the_lite_interpreter_as_scripted() {
    let files = examples();
    for file in &files {
        let stem = file.file_stem().expect("a file name").to_string_lossy().into_owned();
        let dir = work_dir(&stem);
        let pytorch_ops: Vec<String> = serde_json::from_str(
            run_python(PREPARE, &[&file.display().to_string(), &dir.display().to_string()]).trim(),
        )
        .expect("PREPARE prints the operator list");
        let ptl = compile(file, &dir, &[]);
        let report: Value =
            serde_json::from_str(run_python(CHECK, &[&ptl.display().to_string(), &dir.display().to_string()]).trim())
                .expect("CHECK prints a report");
        let errors: Vec<f64> = report["errors"].as_array().expect("errors").iter().filter_map(Value::as_f64).collect();
        println!("{stem}: relative max |Δ| {errors:?}");
        assert!(errors.iter().all(|e| *e <= 1e-5), "{stem}: outputs differ from PyTorch's by {errors:?}");
        assert_eq!(report["version"], 8, "{stem}: bytecode version");
        let ours: Vec<String> =
            report["ops"].as_array().expect("ops").iter().filter_map(|o| o.as_str().map(String::from)).collect();
        assert_eq!(ours, pytorch_ops, "{stem}: root operators differ from PyTorch's export");
        std::fs::remove_dir_all(&dir).ok();
    }
    println!("{} examples compared", files.len());
}

/// argv: a corpus case, its entry's name, the work folder. Randomizes the
/// scripted module's BatchNorm statistics, saves its state_dict, looks for
/// inputs it accepts (tensors of a few common shapes, small ints, floats,
/// bools), saves them and the outputs when they are deterministic; prints whether any worked and the
/// operator list of PyTorch's own export.
const PREPARE_CASE: &str = r#"
import json, runpy, sys, torch, torch.jit.mobile
from safetensors.torch import save_file
ns = runpy.run_path(sys.argv[1], run_name="__main__")
m, out = ns[sys.argv[2]], sys.argv[3]
torch.manual_seed(20261126)
state = m.state_dict()
with torch.no_grad():
    for k, v in state.items():
        if k.endswith("running_var"):
            v.uniform_(0.5, 1.5)
        elif k.endswith("running_mean"):
            v.normal_(0, 0.5)
m.load_state_dict(state)
save_file({k: v.contiguous() for k, v in m.state_dict().items()}, f"{out}/weights.safetensors")
args = m.forward.schema.arguments[1:]
def candidates(shape, long):
    def one(t):
        t = str(t)
        if t == "Tensor":
            return torch.randint(0, 3, shape) if long else torch.rand(shape) - 0.3
        return {"int": 2, "float": 0.5, "bool": True, "str": "a", "List[int]": [1, 2]}.get(t)
    return [one(a.type) for a in args]
saved = {k: v.clone() for k, v in m.state_dict().items()}
def call(inputs):
    # From the saved state each time: training-mode BatchNorm updates it.
    m.load_state_dict(saved)
    with torch.no_grad():
        return m(*inputs)
found = None
for long in (False, True):
    for shape in [(1, 3, 8, 8), (2, 4), (1, 16, 8, 8), (3, 4), (4,), (1, 3, 16, 16), (2, 3), (1, 1, 8, 8), (2, 8), (2, 10), (1, 4, 8, 8), (2, 16), (1, 8, 8, 8), (1, 2, 8, 8)]:
        inputs = candidates(shape, long)
        if any(i is None for i, a in zip(inputs, args) if str(a.type) != "NoneType"):
            continue
        try:
            result = call(inputs)
            found = inputs
            break
        except Exception:
            pass
    if found is not None:
        break
flat = lambda v: list(v) if isinstance(v, (tuple, list)) else [v]
# Only what is deterministic (no random noise in training mode) and all
# tensors can be compared.
if found is not None and all(isinstance(x, torch.Tensor) for x in found) and all(isinstance(y, torch.Tensor) for y in flat(result)) \
        and all(torch.equal(a, b) for a, b in zip(flat(result), flat(call(found)))):
    tensors = {f"set0.input{j}": x.contiguous() for j, x in enumerate(found)}
    tensors.update({f"set0.output{j}": y.clone() for j, y in enumerate(flat(result))})
    save_file(tensors, f"{out}/io.safetensors")
else:
    found = None
m._save_for_lite_interpreter(f"{out}/pytorch.ptl")
lite = torch.jit.mobile._load_for_lite_interpreter(f"{out}/pytorch.ptl")
print(json.dumps({"callable": found is not None, "ops": sorted(torch.jit.mobile._export_operator_list(lite))}))
"#;

/// argv: our .ptl, the work folder, whether to run it. Loads it in the lite
/// interpreter and with `torch.jit.load`; runs both on the saved inputs
/// when asked.
const CHECK_CASE: &str = r#"
import json, sys, torch, torch.jit.mobile
from safetensors.torch import load_file
ptl, out, run = sys.argv[1], sys.argv[2], sys.argv[3] == "run"
import zipfile
m = torch.jit.mobile._load_for_lite_interpreter(ptl)
# Without `code/` (W4001) only the lite interpreter can open it.
has_code = any("/code/" in n for n in zipfile.ZipFile(ptl).namelist())
full = torch.jit.load(ptl) if has_code else None
error = None
if run:
    io = load_file(f"{out}/io.safetensors")
    inputs = [io[k] for k in sorted(k for k in io if k.startswith("set0.input"))]
    refs = [io[k] for k in sorted(k for k in io if k.startswith("set0.output"))]
    flat = lambda v: list(v) if isinstance(v, (tuple, list)) else [v]
    error = 0.0
    for module in (m, full) if full is not None else (m,):
        with torch.no_grad():
            got = flat(module(*inputs))
        error = max([error] + [float((g - r).abs().max()) / max(1.0, float(r.abs().max())) for g, r in zip(got, refs)])
print(json.dumps({"error": error, "full": full is not None, "ops": sorted(torch.jit.mobile._export_operator_list(m))}))
"#;

/// The accepted corpus cases with a module entry, and the entries' names.
fn corpus_modules() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let expected = std::fs::read_to_string(root.join("expected.jsonl")).expect("the shared corpus has expected.jsonl");
    let mut out = Vec::new();
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).expect("expected.jsonl holds JSON lines");
        if record["accepted"] != true {
            continue;
        }
        let case = record["case"].as_str().expect("a case name");
        for entry in record["entries"].as_array().into_iter().flatten() {
            if entry["kind"] == "module" {
                let name = entry["name"].as_str().expect("an entry name").to_string();
                out.push((root.join("cases").join(format!("{case}.py")), name));
            }
        }
    }
    out
}

#[test]
fn corpus_modules_run_in_the_lite_interpreter_as_scripted() {
    let cases = corpus_modules();
    assert!(cases.len() >= 30, "expected the corpus's module cases");
    let (mut compared, mut loaded, mut not_compiled, mut lite_only) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, (file, entry)) in cases.iter().enumerate() {
        let name = format!("{}:{entry}", file.display());
        let dir = work_dir(&format!("case{i}"));
        let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
            .args(["compile", &file.display().to_string(), "--entry", entry, "--format", "short", "-o"])
            .arg(dir.join("model.ptl"))
            .output()
            .expect("tsc runs");
        if !out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            // Only the script compiler's known gaps may stop it.
            assert!(text.contains("error[E3010]"), "{name}: {text}");
            not_compiled.push(name);
            continue;
        }
        let prepared: Value = serde_json::from_str(
            run_python(PREPARE_CASE, &[&file.display().to_string(), entry, &dir.display().to_string()]).trim(),
        )
        .expect("PREPARE_CASE prints a report");
        let ptl = compile(file, &dir, &["--entry", entry]);
        let callable = prepared["callable"] == true;
        let run = if callable { "run" } else { "load" };
        let report: Value = serde_json::from_str(
            run_python(CHECK_CASE, &[&ptl.display().to_string(), &dir.display().to_string(), run]).trim(),
        )
        .expect("CHECK_CASE prints a report");
        assert_eq!(report["ops"], prepared["ops"], "{name}: root operators differ from PyTorch's export");
        if report["full"] != true {
            lite_only.push(name.clone());
        }
        if callable {
            let error = report["error"].as_f64().expect("an error figure");
            assert!(error <= 1e-5, "{name}: outputs differ from PyTorch's by {error}");
            compared.push(name);
        } else {
            loaded.push(name);
        }
        std::fs::remove_dir_all(&dir).ok();
    }
    println!(
        "{} corpus module entries: {} run and compared, {} loaded only (no input found), {} not compiled yet (E3010)",
        cases.len(),
        compared.len(),
        loaded.len(),
        not_compiled.len()
    );
    for name in &loaded {
        println!("  loaded only: {name}");
    }
    for name in &not_compiled {
        println!("  not compiled: {name}");
    }
    println!("{} of them without code/ (W4001: torch.jit.load cannot open them)", lite_only.len());
    for name in &lite_only {
        println!("  lite interpreter only: {name}");
    }
    // A ratchet: more may compile as the script compiler grows, never fewer.
    assert!(compared.len() >= 26, "fewer corpus modules compared than before");
    assert!(compared.len() + loaded.len() >= 39, "fewer corpus modules export than before");
}

/// Every bytecode version tsc writes loads in PyTorch 2.5.1, reports that
/// version, and computes the same numbers (below 8 the promoted
/// instructions are operator calls; below 7 no out-argument trimming;
/// below 6 every argument is pushed).
#[test]
fn every_bytecode_version_loads_and_runs() {
    let examples = examples();
    let file = examples.iter().find(|f| f.ends_with("mobilenet_v2.tsy")).expect("the mobilenet_v2 example");
    let dir = work_dir("versions");
    run_python(PREPARE, &[&file.display().to_string(), &dir.display().to_string()]);
    for version in 5..=8 {
        let ptl = compile(file, &dir, &["--bytecode-version", &version.to_string()]);
        let report: Value =
            serde_json::from_str(run_python(CHECK, &[&ptl.display().to_string(), &dir.display().to_string()]).trim())
                .expect("CHECK prints a report");
        assert_eq!(report["version"], version, "the file reports the version it was written as");
        let errors: Vec<f64> = report["errors"].as_array().expect("errors").iter().filter_map(Value::as_f64).collect();
        assert!(errors.iter().all(|e| *e <= 1e-5), "version {version}: outputs differ by {errors:?}");
        println!("bytecode version {version}: relative max |Δ| {errors:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
