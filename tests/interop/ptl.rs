//! `.ptl` files written by `tsc compile` load in PyTorch 2.5.1's real lite
//! interpreter and compute what PyTorch's scripted module computes, with
//! the same weights (BatchNorm statistics randomized, so folding mistakes
//! would show), on the example inputs and on inputs that take the other
//! branch where there is control flow.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::harness::{file_trials, trial};
use crate::{examples, run_python};

/// argv: the .tsy file, the work folder, and `optimize` to compare with
/// `optimize_for_mobile`. Randomizes the model's state (seeded), saves it as
/// safetensors, saves two input sets and the scripted (or optimized)
/// module's outputs for them, PyTorch's own export of it as `pytorch.ptl`,
/// and prints that export's operator list.
const PREPARE: &str = r#"
import json, os, runpy, sys, torch, torch.jit.mobile
from safetensors.torch import save_file
# The model's own modules are found beside it, as `python model.py` finds them.
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
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
optimize = len(sys.argv) > 3 and sys.argv[3] == "optimize"
if optimize:
    from torch.utils.mobile_optimizer import optimize_for_mobile
    scripted = optimize_for_mobile(scripted)
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/weights.safetensors")
inputs = ns["example_inputs"]
sets = [inputs, tuple(-x if isinstance(x, torch.Tensor) else x for x in inputs)]
flat = lambda v: list(v) if isinstance(v, (tuple, list)) else [v]
tensors = {}
with torch.no_grad():
    for i, s in enumerate(sets):
        for j, x in enumerate(s):
            tensors[f"set{i}.input{j}"] = x.contiguous()
        save_file({f"input{j}": x.contiguous() for j, x in enumerate(s)}, f"{out}/inputs{i}.safetensors")
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

/// argv: the outputs `tsc run -o` wrote, the reference io file, the prefix
/// of the reference outputs (`set0`, `opt`). Prints max |Δ| relative to
/// max(1, max|ref|).
const COMPARE_RUN: &str = r#"
import sys
from safetensors.torch import load_file
ours, io, prefix = load_file(sys.argv[1]), load_file(sys.argv[2]), sys.argv[3]
refs = [io[k] for k in sorted((k for k in io if k.startswith(prefix + ".output")), key=lambda k: int(k.rsplit("output", 1)[1]))]
got = [ours[f"output{j}"] for j in range(len(ours))]
assert len(got) == len(refs), (len(got), len(refs))
print(max([0.0] + [float((g.double() - r.double()).abs().max()) / max(1.0, float(r.double().abs().max())) for g, r in zip(got, refs)]))
"#;

/// `tsc run FILE ARGS... --inputs DIR/inputsN.safetensors`, compared with
/// the reference outputs `prefix` of DIR/io.safetensors: the relative
/// error, or what `tsc run` printed when it failed.
fn run_and_compare(file: &Path, dir: &Path, set: usize, prefix: &str, args: &[&str]) -> Result<f64, String> {
    let ours = dir.join(format!("ours-{prefix}.safetensors"));
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .arg("run")
        .arg(file)
        .args(args)
        .arg("--inputs")
        .arg(dir.join(format!("inputs{set}.safetensors")))
        .arg("-o")
        .arg(&ours)
        .args(["--format", "short"])
        .output()
        .expect("tsc runs");
    if !out.status.success() {
        return Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    }
    let io = dir.join("io.safetensors").display().to_string();
    let printed = run_python(COMPARE_RUN, &[&ours.display().to_string(), &io, prefix]);
    Ok(printed.trim().parse().expect("COMPARE_RUN prints a number"))
}

fn work_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsy-ptl-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    dir
}

fn compile(file: &Path, dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("model.ptl");
    // (`--no-optimize` unless the caller asks for the mobile passes.)
    let optimized = extra.contains(&"--optimize");
    let extra: Vec<&str> = extra.iter().copied().filter(|a| *a != "--optimize").collect();
    let status = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .arg("compile")
        .arg(file)
        .arg("-o")
        .arg(&out)
        .arg("--weights")
        .arg(dir.join("weights.safetensors"))
        .args(if optimized { &[][..] } else { &["--no-optimize"][..] })
        .args(extra)
        .output()
        .expect("tsc runs");
    assert!(status.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&status.stderr));
    out
}

fn example_runs_in_the_lite_interpreter_as_scripted(file: &Path) {
    let stem = file.file_stem().expect("a file name").to_string_lossy().into_owned();
    let dir = work_dir(&stem);
    let pytorch_ops: Vec<String> =
        serde_json::from_str(run_python(PREPARE, &[&file.display().to_string(), &dir.display().to_string()]).trim())
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
    // tsc run: the reference interpreter, as scripted and optimized.
    let weights = dir.join("weights.safetensors").display().to_string();
    for set in 0..2 {
        for mode in [&["--no-optimize"][..], &[]] {
            let args = [mode, &["--weights", &weights]].concat();
            let error = run_and_compare(file, &dir, set, &format!("set{set}"), &args)
                .unwrap_or_else(|e| panic!("{stem}: tsc run {args:?} failed: {e}"));
            println!("{stem}: tsc run {mode:?} on set {set}: relative max |Δ| {error:e}");
            assert!(error <= 1e-4, "{stem}: tsc run {mode:?} differs from PyTorch by {error}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
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
    for shape in [(1, 3, 8, 8), (2, 4), (1, 16, 8, 8), (3, 4), (4,), (1, 3, 16, 16), (2, 3), (1, 1, 8, 8), (2, 8), (2, 10), (1, 4, 8, 8), (2, 16), (1, 8, 8, 8), (1, 2, 8, 8), (2, 3, 4), (3, 2, 4)]:
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
# Only what is deterministic (no random noise in training mode) and
# returns tensors can be compared. Scalar inputs travel as 0-dim tensors
# (`kinds` says which).
scalar = lambda x: isinstance(x, (bool, int, float))
if found is not None and all(isinstance(x, torch.Tensor) or scalar(x) for x in found) and all(isinstance(y, torch.Tensor) for y in flat(result)) \
        and all(torch.equal(a, b) for a, b in zip(flat(result), flat(call(found)))):
    kinds = [type(x).__name__ if scalar(x) else "tensor" for x in found]
    json.dump(kinds, open(f"{out}/kinds.json", "w"))
    tensors = {f"set0.input{j}": (torch.tensor(x) if scalar(x) else x).contiguous() for j, x in enumerate(found)}
    save_file({f"input{j}": (torch.tensor(x) if scalar(x) else x).contiguous() for j, x in enumerate(found)}, f"{out}/inputs0.safetensors")
    tensors.update({f"set0.output{j}": y.clone().contiguous() for j, y in enumerate(flat(result))})
    # And what optimize_for_mobile makes of it (it optimizes as eval).
    from torch.utils.mobile_optimizer import optimize_for_mobile
    m.load_state_dict(saved)
    try:
        optimized = optimize_for_mobile(m)
        with torch.no_grad():
            tensors.update({f"opt.output{j}": y.clone().contiguous() for j, y in enumerate(flat(optimized(*found)))})
        optimized._save_for_lite_interpreter(f"{out}/pytorch_opt.ptl")
    except Exception:
        pass
    save_file(tensors, f"{out}/io.safetensors")
else:
    found = None
m._save_for_lite_interpreter(f"{out}/pytorch.ptl")
try:
    lite = torch.jit.mobile._load_for_lite_interpreter(f"{out}/pytorch.ptl")
    ops = sorted(torch.jit.mobile._export_operator_list(lite))
except RuntimeError:
    # PyTorch's own file of a packed sequence does not load: its type parser
    # takes `__torch__.torch.nn.utils.rnn.PackedSequence` for a torchbind
    # class. The scripted module names the same operators.
    ops = sorted(torch.jit.export_opnames(m))
print(json.dumps({"callable": found is not None, "ops": ops}))
"#;

/// argv: our .ptl, the work folder, whether to run it. Loads it in the lite
/// interpreter and with `torch.jit.load`; runs both on the saved inputs
/// when asked.
const CHECK_CASE: &str = r#"
import json, sys, torch, torch.jit.mobile
from safetensors.torch import load_file
ptl, out, run = sys.argv[1], sys.argv[2], sys.argv[3] in ("run", "opt")
prefix = "opt" if sys.argv[3] == "opt" else "set0"
import zipfile
m = torch.jit.mobile._load_for_lite_interpreter(ptl)
# Without `code/` (W4001) only the lite interpreter can open it.
has_code = any("/code/" in n for n in zipfile.ZipFile(ptl).namelist())
full = torch.jit.load(ptl) if has_code else None
error = None
if run:
    io = load_file(f"{out}/io.safetensors")
    kinds = json.load(open(f"{out}/kinds.json"))
    inputs = [io[k] for k in sorted(k for k in io if k.startswith("set0.input"))]
    inputs = [x if kind == "tensor" else getattr(__builtins__, kind)(x.item()) for x, kind in zip(inputs, kinds)]
    refs = [io[k] for k in sorted(k for k in io if k.startswith(f"{prefix}.output"))]
    flat = lambda v: list(v) if isinstance(v, (tuple, list)) else [v]
    error = 0.0
    for module in (m, full) if full is not None else (m,):
        with torch.no_grad():
            got = flat(module(*inputs))
        error = max([error] + [float((g - r).abs().max()) / max(1.0, float(r.abs().max())) for g, r in zip(got, refs)])
print(json.dumps({"error": error, "full": full is not None, "ops": sorted(torch.jit.mobile._export_operator_list(m))}))
"#;

/// Model files beside the examples whose `.ptl` once failed to load or run
/// (`tests/fixtures/ptl/`), held to the examples' checks.
fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ptl");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("tests/fixtures/ptl").flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "tsy"));
    files.sort();
    files
}

/// The accepted corpus cases with a module entry, and the entries' names.
fn corpus_modules() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let expected = std::fs::read_to_string(root.join("expected.jsonl")).expect("the corpus has expected.jsonl");
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

/// Corpus modules `tsc run` runs with PyTorch's outputs (may only go up).
const RUN_RATCHET: usize = 31;

fn corpus_modules_run_in_the_lite_interpreter_as_scripted() {
    let cases = corpus_modules();
    assert!(cases.len() >= 30, "expected the corpus's module cases");
    let (mut compared, mut loaded, mut not_compiled, mut lite_only) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut optimized = Vec::new();
    let (mut ran, mut not_run) = (Vec::new(), Vec::new());
    for (i, (file, entry)) in cases.iter().enumerate() {
        let name = format!("{}:{entry}", file.display());
        let dir = work_dir(&format!("case{i}"));
        let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
            .args([
                "compile",
                &file.display().to_string(),
                "--no-optimize",
                "--entry",
                entry,
                "--format",
                "short",
                "-o",
            ])
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
            let weights = dir.join("weights.safetensors").display().to_string();
            match run_and_compare(file, &dir, 0, "set0", &["--no-optimize", "--entry", entry, "--weights", &weights]) {
                Ok(error) => {
                    assert!(error <= 1e-4, "{name}: tsc run differs from PyTorch by {error}");
                    ran.push(name.clone());
                }
                Err(e) => not_run.push(format!("{name}: {}", e.lines().next().unwrap_or_default())),
            }
            // Optimized: against optimize_for_mobile, when PyTorch manages.
            let pytorch_opt = dir.join("pytorch_opt.ptl");
            if pytorch_opt.exists() {
                std::fs::remove_file(dir.join("model.ptl")).ok();
                let ptl = compile(file, &dir, &["--optimize", "--entry", entry]);
                let report: Value = serde_json::from_str(
                    run_python(CHECK_CASE, &[&ptl.display().to_string(), &dir.display().to_string(), "opt"]).trim(),
                )
                .expect("CHECK_CASE prints a report");
                let error = report["error"].as_f64().expect("an error figure");
                assert!(error <= 1e-5, "{name}: optimized outputs differ from optimize_for_mobile's by {error}");
                assert_same_operators(&ptl, &pytorch_opt, &name);
                optimized.push(name.clone());
            }
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
    println!(
        "{} of the compared also optimized and matched optimize_for_mobile (outputs, operator histogram)",
        optimized.len()
    );
    println!("{} of them without code/ (W4001: torch.jit.load cannot open them)", lite_only.len());
    for name in &lite_only {
        println!("  lite interpreter only: {name}");
    }
    println!("{} of the compared run in tsc's interpreter (tsc run) with PyTorch's outputs", ran.len());
    for line in &not_run {
        println!("  tsc run fails: {line}");
    }
    // A ratchet: more may compile as the script compiler grows, never fewer.
    assert!(ran.len() >= RUN_RATCHET, "fewer corpus modules run by tsc run than before");
    assert!(compared.len() >= 31, "fewer corpus modules compared than before");
    assert!(optimized.len() >= 31, "fewer corpus modules optimized as PyTorch does than before");
    assert!(compared.len() + loaded.len() >= 39, "fewer corpus modules export than before");
}

/// Every bytecode version tsc writes loads in PyTorch 2.5.1, reports that
/// version, and computes the same numbers (below 8 the promoted
/// instructions are operator calls; below 7 no out-argument trimming;
/// below 6 every argument is pushed).
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

/// Linear layers whose activation our passes fused and PyTorch's do not
/// (a deliberate difference): the clamped `LinearOpContext` constants of a
/// `.ptl`, by activation — `relu` for `(0.0, None)`, `hardtanh` otherwise.
fn fused_linear_activations(ptl: &Path) -> std::collections::BTreeMap<&'static str, usize> {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["inspect", "--format", "json"])
        .arg(ptl)
        .output()
        .expect("tsc runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut fused = std::collections::BTreeMap::new();
    for function in json["functions"].as_array().expect("functions") {
        for constant in function["constants"].as_array().expect("constants") {
            let object = &constant["value"]["value"];
            if object["class"] != "__torch__.torch.classes.xnnpack.LinearOpContext" {
                continue;
            }
            let state = object["state"]["value"].as_array().expect("a state tuple");
            let (lo, hi) = (&state[2]["kind"], &state[3]["kind"]);
            if lo != "none" || hi != "none" {
                *fused.entry(if hi == "none" { "relu" } else { "hardtanh" }).or_insert(0) += 1;
            }
        }
    }
    fused
}

/// Our histogram equals PyTorch's once the activations we fused into linear
/// layers (and PyTorch did not) are taken out of PyTorch's.
fn assert_same_operators(ours: &Path, pytorch: &Path, name: &str) {
    let mut theirs = operator_histogram(pytorch);
    for (activation, count) in fused_linear_activations(ours) {
        let mut left = count;
        for kind in [format!("aten::{activation}."), format!("aten::{activation}_.")] {
            if let Some(n) = theirs.get_mut(&kind) {
                let taken = left.min(*n);
                *n -= taken;
                left -= taken;
                if *n == 0 {
                    theirs.remove(&kind);
                }
            }
        }
        assert_eq!(left, 0, "{name}: we fused {count} linear {activation}s PyTorch's file does not have");
    }
    assert_eq!(operator_histogram(ours), theirs, "{name}: optimized operator histogram");
}

/// Every bytecode operator call of a `.ptl`, counted by `name.overload`,
/// from `tsc inspect --format json`.
fn operator_histogram(ptl: &Path) -> std::collections::BTreeMap<String, usize> {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["inspect", "--format", "json"])
        .arg(ptl)
        .output()
        .expect("tsc runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut histogram = std::collections::BTreeMap::new();
    for function in json["functions"].as_array().expect("functions") {
        let operators = function["operators"].as_array().expect("operators");
        for instruction in function["instructions"].as_array().expect("instructions") {
            let key = match instruction["opcode"].as_str().expect("an opcode") {
                "OP" | "OPN" => {
                    let op = &operators[instruction["x"].as_u64().expect("an index") as usize];
                    format!(
                        "{}.{}",
                        op["name"].as_str().unwrap_or_default(),
                        op["overload"].as_str().unwrap_or_default()
                    )
                }
                other => other.to_string(),
            };
            *histogram.entry(key).or_insert(0) += 1;
        }
    }
    // Register traffic differs with constant order; what runs must not.
    for moves in ["LOAD", "MOVE", "STORE", "STOREN", "DROPR", "DROP", "LOADC"] {
        histogram.remove(moves);
    }
    histogram
}

/// The recipe's main job: `tsc compile` optimizes as `optimize_for_mobile`
/// does. For every example with random weights and BatchNorm statistics:
/// the file loads in the lite interpreter and in `torch.jit.load`, its
/// outputs match PyTorch's optimized module within 1e-5 relative, its
/// bytecode calls the same operators the same number of times, and its
/// size is within 1% of PyTorch's file (4 KB for a tiny model).
/// PyTorch's `optimize_for_mobile` of `file` and ours, run on the same
/// inputs: our `.ptl` and each run's relative max |Δ|.
fn optimized_against_pytorch(file: &Path, dir: &Path) -> (PathBuf, Vec<f64>) {
    run_python(PREPARE, &[&file.display().to_string(), &dir.display().to_string(), "optimize"]);
    let ptl = compile(file, dir, &["--optimize"]);
    let report: Value =
        serde_json::from_str(run_python(CHECK, &[&ptl.display().to_string(), &dir.display().to_string()]).trim())
            .expect("CHECK prints a report");
    let errors = report["errors"].as_array().expect("errors").iter().filter_map(Value::as_f64).collect();
    (ptl, errors)
}

fn example_optimizes_as_pytorch_does(file: &Path) {
    let stem = file.file_stem().expect("a file name").to_string_lossy().into_owned();
    let dir = work_dir(&format!("opt-{stem}"));
    let (ptl, errors) = optimized_against_pytorch(file, &dir);
    assert!(errors.iter().all(|e| *e <= 1e-5), "{stem}: outputs differ from optimize_for_mobile's by {errors:?}");
    let pytorch = dir.join("pytorch.ptl");
    assert_same_operators(&ptl, &pytorch, &stem);
    let (ours, theirs) =
        (std::fs::metadata(&ptl).expect("written").len(), std::fs::metadata(&pytorch).expect("written").len());
    let ratio = ours as f64 / theirs as f64;
    // Weights dominate real models; a tiny one is all fixed overhead
    // (PyTorch adds debug tables and a serialization id): 4 KB slack.
    let close = (ratio - 1.0).abs() <= 0.01 || ours.abs_diff(theirs) <= 4096;
    assert!(close, "{stem}: {ours} bytes, PyTorch's {theirs}");
    println!(
        "{stem}: relative max |Δ| {errors:?}; {ours} bytes vs PyTorch's {theirs} ({:+.3}%)",
        (ratio - 1.0) * 100.0
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// argv: a model file (entry `m`, input shape in `example_inputs`), our
/// .ptl. Runs PyTorch's optimize_for_mobile (recording whether it fails and
/// which activation ops its graph keeps), and our file in the lite
/// interpreter against the eager model.
const BETTER: &str = r#"
import json, runpy, sys, torch
from torch.utils.mobile_optimizer import optimize_for_mobile
from torch.jit.mobile import _load_for_lite_interpreter
ns = runpy.run_path(sys.argv[1], run_name="__main__")
model, x = ns["model"].eval(), ns["example_inputs"][0]
with torch.no_grad():
    eager = model(x)
report = {}
try:
    graph = str(optimize_for_mobile(torch.jit.script(model)).graph)
    report["pytorch"] = {"relu": graph.count("aten::relu"), "failed": False}
except Exception as e:
    report["pytorch"] = {"failed": True, "error": str(e).splitlines()[0][:120]}
ours = _load_for_lite_interpreter(sys.argv[2])
with torch.no_grad():
    y = ours(x)
report["error"] = float((y - eager).abs().max()) / max(1.0, float(eager.abs().max()))
print(json.dumps(report))
"#;

/// A one-module model file: `M` with `init` and `forward` bodies, seeded so
/// every run builds the same weights and `example_inputs` of `shape`.
fn probe(dir: &Path, name: &str, init: &str, forward: &str, shape: &str) -> PathBuf {
    let file = dir.join(format!("{name}.tsy"));
    std::fs::write(
        &file,
        format!(
            "import warnings\n\nimport torch\nimport torch.nn as nn\n\ntorch.manual_seed(0)\n\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        {init}\n\n    def forward(self, x):\n        {forward}\n\n\nmodel = M().eval()\nexample_inputs = (torch.rand{shape},)\nscripted = torch.jit.script(model)\n"
        ),
    )
    .expect("the temporary folder is writable");
    file
}

/// Where PyTorch's mobile passes are timid or wrong, ours are not — and the
/// numbers still match the eager model. PyTorch's behaviour is recorded
/// beside ours.
fn mobile_passes_do_better_than_pytorch_and_stay_exact() {
    let cases = [
        // PyTorch never fuses an activation into a linear after freezing.
        ("linear_relu", "self.fc = nn.Linear(16, 8)", "return torch.relu(self.fc(x))", "(4, 16)", 1),
        // PyTorch removes dropout after the clamp fusion, so a dropout
        // between a conv and its relu blocks it.
        (
            "conv_dropout_relu",
            "self.conv = nn.Conv2d(3, 8, 3)\n        self.drop = nn.Dropout(0.2)",
            "return torch.relu(self.drop(self.conv(x)))",
            "(1, 3, 8, 8)",
            1,
        ),
        // The same with Dropout2d, whose rank checks read the conv's output.
        (
            "conv_dropout2d_relu",
            "self.conv = nn.Conv2d(3, 8, 3)\n        self.drop = nn.Dropout2d(0.2)",
            "return torch.relu(self.drop(self.conv(x)))",
            "(1, 3, 8, 8)",
            1,
        ),
        // PyTorch's prepack pass asserts on padding="same".
        (
            "padding_same",
            "self.conv = nn.Conv2d(3, 8, 3, padding=\"same\")",
            "return torch.relu(self.conv(x))",
            "(1, 3, 8, 8)",
            -1,
        ),
    ];
    let dir = work_dir("better");
    for (name, init, forward, shape, pytorch_relus) in cases {
        let file = probe(&dir, name, init, forward, shape);
        // Our file from PyTorch's weights (the file seeds its own init, so
        // every run of it builds the same model and input).
        run_python(
            "import runpy, sys, torch\nfrom safetensors.torch import save_file\nns = runpy.run_path(sys.argv[1], run_name='__main__')\nsave_file({k: v.contiguous() for k, v in ns['model'].state_dict().items()}, sys.argv[2])",
            &[&file.display().to_string(), &dir.join("weights.safetensors").display().to_string()],
        );
        let ptl = compile(&file, &dir, &["--optimize"]);
        let graph = Command::new(env!("CARGO_BIN_EXE_tsc"))
            .arg("compile")
            .arg(&file)
            .args(["--emit", "bytecode"])
            .output()
            .expect("tsc runs");
        let ours = String::from_utf8_lossy(&graph.stdout);
        assert!(!ours.contains("'aten::relu'"), "{name}: our file still calls relu:\n{ours}");
        // The weights of the second run differ (no --weights): only the
        // structure is read from it. The numbers come from `ptl`.
        let report: Value =
            serde_json::from_str(run_python(BETTER, &[&file.display().to_string(), &ptl.display().to_string()]).trim())
                .expect("BETTER prints a report");
        let error = report["error"].as_f64().expect("an error figure");
        assert!(error <= 1e-5, "{name}: {error}");
        if pytorch_relus < 0 {
            assert_eq!(report["pytorch"]["failed"], true, "{name}: PyTorch was expected to fail: {report}");
        } else {
            assert_eq!(report["pytorch"]["relu"], pytorch_relus, "{name}: PyTorch's behaviour changed: {report}");
        }
        println!("{name}: ours fused, relative max |Δ| {error:e}; PyTorch: {}", report["pytorch"]);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Small probes of each pass (the spec's Appendix A/B cases), optimized by
/// tsc and by `optimize_for_mobile`: same outputs (1e-5), same operators.
fn probes_optimize_as_pytorch_does() {
    let probes = [
        (
            "conv1d_bn1d_relu",
            "self.conv = nn.Conv1d(4, 8, 3, padding=1)\n        self.bn = nn.BatchNorm1d(8)",
            "return torch.relu(self.bn(self.conv(x)))",
            "(2, 4, 16)",
        ),
        (
            "conv_nobias_bn_relu6",
            "self.conv = nn.Conv2d(3, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n        self.act = nn.ReLU6(inplace=True)",
            "return self.act(self.bn(self.conv(x)))",
            "(1, 3, 12, 12)",
        ),
        (
            "depthwise",
            "self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)\n        self.bn = nn.BatchNorm2d(8)",
            "return torch.relu(self.bn(self.dw(x)))",
            "(1, 8, 10, 10)",
        ),
        (
            "conv_hardtanh",
            "self.conv = nn.Conv2d(3, 4, 3)\n        self.act = nn.Hardtanh(-1.0, 1.0)",
            "return self.act(self.conv(x))",
            "(1, 3, 9, 9)",
        ),
        (
            "residual_add_relu",
            "self.conv = nn.Conv2d(4, 4, 3, padding=1)\n        self.bn = nn.BatchNorm2d(4)",
            "out = self.bn(self.conv(x))\n        out += x\n        return torch.relu_(out)",
            "(1, 4, 8, 8)",
        ),
        (
            "dropout_linear",
            "self.drop = nn.Dropout(0.3)\n        self.fc = nn.Linear(16, 4)",
            "return self.fc(self.drop(x))",
            "(2, 16)",
        ),
        // A sub-pixel upscaler (super-resolution) and its inverse.
        (
            "sub_pixel_prelu",
            "self.conv = nn.Conv2d(3, 12, 3, padding=1)\n        self.shuffle = nn.PixelShuffle(2)\n        self.act = nn.PReLU(3)",
            "return self.act(self.shuffle(self.conv(x)))",
            "(1, 3, 6, 6)",
        ),
        (
            "leaky_elu_unshuffle",
            "self.conv = nn.Conv2d(4, 8, 3, padding=1)\n        self.leaky = nn.LeakyReLU(0.2, inplace=True)\n        self.elu = nn.ELU()\n        self.unshuffle = nn.PixelUnshuffle(2)",
            "return self.unshuffle(self.elu(self.leaky(self.conv(x))))",
            "(1, 4, 8, 8)",
        ),
        // 1-d pooling of audio models, Mish and Softplus.
        (
            "audio_pool_mish",
            "self.conv = nn.Conv1d(4, 8, 3, padding=1)\n        self.pool = nn.MaxPool1d(2)\n        self.avg = nn.AvgPool1d(3, stride=1, padding=1)\n        self.adapt = nn.AdaptiveAvgPool1d(4)\n        self.act = nn.Mish()\n        self.soft = nn.Softplus(beta=2.0)",
            "return self.adapt(self.soft(self.avg(self.pool(self.act(self.conv(x))))))",
            "(2, 4, 16)",
        ),
        // An embedding head: normalized features, cosine similarity, a GLU.
        (
            "normalize_glu",
            "self.fc = nn.Linear(8, 6)",
            "e = nn.functional.normalize(self.fc(x))\n        return nn.functional.glu(e, dim=1) + nn.functional.cosine_similarity(e, e.flip(0)).unsqueeze(1)",
            "(3, 8)",
        ),
        // `warnings.warn` in forward: the `WARN` instruction.
        (
            "warn",
            "self.fc = nn.Linear(4, 4)",
            "if x.dim() != 2:\n            warnings.warn(f\"odd input of {x.dim()} dims\")\n        return self.fc(x)",
            "(2, 4)",
        ),
        // The pads of style-transfer networks.
        (
            "pads",
            "self.reflect = nn.ReflectionPad2d(2)\n        self.conv = nn.Conv2d(3, 4, 5)\n        self.replicate = nn.ReplicationPad2d((1, 0, 1, 0))\n        self.zero = nn.ZeroPad2d((0, 1, 0, 1))\n        self.constant = nn.ConstantPad2d(1, 0.5)",
            "return self.constant(self.zero(self.replicate(self.conv(self.reflect(x)))))",
            "(1, 3, 8, 8)",
        ),
    ];
    let dir = work_dir("probes");
    for (name, init, forward, shape) in probes {
        let file = probe(&dir, name, init, forward, shape);
        let (ptl, errors) = optimized_against_pytorch(&file, &dir);
        assert!(errors.iter().all(|e| *e <= 1e-5), "{name}: outputs differ from optimize_for_mobile's by {errors:?}");
        assert_same_operators(&ptl, &dir.join("pytorch.ptl"), name);
        println!("{name}: relative max |Δ| {errors:?}, same operators");
    }
    std::fs::remove_dir_all(&dir).ok();
}

pub(crate) fn tests() -> Vec<Trial> {
    let files: Vec<PathBuf> = examples().into_iter().chain(fixtures()).collect();
    let mut tests = file_trials(
        "ptl::example_runs_in_the_lite_interpreter_as_scripted",
        files.clone(),
        example_runs_in_the_lite_interpreter_as_scripted,
    );
    tests.extend(file_trials("ptl::example_optimizes_as_pytorch_does", files, example_optimizes_as_pytorch_does));
    tests.extend([
        trial(
            "ptl::corpus_modules_run_in_the_lite_interpreter_as_scripted",
            corpus_modules_run_in_the_lite_interpreter_as_scripted,
        ),
        trial("ptl::every_bytecode_version_loads_and_runs", every_bytecode_version_loads_and_runs),
        trial(
            "ptl::mobile_passes_do_better_than_pytorch_and_stay_exact",
            mobile_passes_do_better_than_pytorch_and_stay_exact,
        ),
        trial("ptl::probes_optimize_as_pytorch_does", probes_optimize_as_pytorch_does),
        trial("ptl::a_model_split_across_files_runs_as_scripted", a_model_split_across_files_runs_as_scripted),
    ]);
    tests
}

/// A model whose classes live in a module beside it and in a package whose
/// modules import each other relatively (`tests/fixtures/imports/`): tsc
/// finds them as Python does, and the `.ptl` runs in the lite interpreter
/// and in the full JIT (through its `code/`) as PyTorch's scripted model,
/// as written; optimized, it computes what `optimize_for_mobile`'s does
/// (PyTorch's file is larger by its debug tables of three source files).
fn a_model_split_across_files_runs_as_scripted() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imports/split_model.tsy");
    example_runs_in_the_lite_interpreter_as_scripted(&file);
    let dir = work_dir("opt-split");
    let (ptl, errors) = optimized_against_pytorch(&file, &dir);
    assert!(errors.iter().all(|e| *e <= 1e-5), "split_model: outputs differ from optimize_for_mobile's by {errors:?}");
    assert_same_operators(&ptl, &dir.join("pytorch.ptl"), "split_model");
    std::fs::remove_dir_all(&dir).ok();
}
