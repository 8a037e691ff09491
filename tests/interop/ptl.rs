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

/// argv: our .ptl, the work folder. Runs it in the lite interpreter on both
/// input sets; reports each set's max |Δ| relative to max(1, max|ref|), the
/// bytecode version and the root operators.
const CHECK: &str = r#"
import json, sys, torch
from safetensors.torch import load_file
import torch.jit.mobile
from torch.jit.mobile import _load_for_lite_interpreter, _get_model_bytecode_version
ptl, out = sys.argv[1], sys.argv[2]
m = _load_for_lite_interpreter(ptl)
io = load_file(f"{out}/io.safetensors")
flat = lambda v: list(v) if isinstance(v, (tuple, list)) else [v]
errors = []
for i in range(2):
    inputs = [io[k] for k in sorted(k for k in io if k.startswith(f"set{i}.input"))]
    refs = [io[k] for k in sorted(k for k in io if k.startswith(f"set{i}.output"))]
    with torch.no_grad():
        got = flat(m(*inputs))
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
