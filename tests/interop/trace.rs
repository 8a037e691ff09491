//! Tracing against `torch.jit.trace`: the same operators recorded, the
//! TracerWarning on the same line, and a traced model's optimized `.ptl`
//! computing what the eager model computes — where PyTorch 2.5.1's own
//! `optimize_for_mobile` of the trace loses the folded bias of every
//! `Conv2d(bias=False)` followed by a BatchNorm.

use std::path::Path;
use std::process::Command;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::harness::trial;
use crate::run_python;

/// argv: a .tsy file, a weights file to write, and the name of a module
/// the file traces itself (or `model`: trace the file's `model` on its
/// `example_inputs`). Saves the weights it traced with, prints the inlined
/// graph's operators (constants and attribute reads aside) and the lines of
/// the TracerWarnings.
const PYTORCH_TRACE: &str = r#"
import json, runpy, sys, warnings, torch
from safetensors.torch import save_file
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    ns = runpy.run_path(sys.argv[1], run_name="__main__")
    if sys.argv[3] == "model":
        traced = torch.jit.trace(ns["model"], ns["example_inputs"])
    else:
        traced = ns[sys.argv[3]]
save_file({k: v.contiguous() for k, v in traced.state_dict().items()}, sys.argv[2])
kinds = [n.kind() for n in traced.inlined_graph.nodes() if n.kind() not in ("prim::Constant", "prim::GetAttr")]
lines = sorted({w.lineno for w in caught if w.category.__name__ == "TracerWarning" and w.filename == sys.argv[1]})
print(json.dumps({"kinds": kinds, "lines": lines}))
"#;

/// Runs `tsc` with `args` (short diagnostics) and asserts it succeeded;
/// its standard output.
fn tsc(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(args.iter().map(std::convert::AsRef::as_ref))
        .args(["--format", "short"])
        .output()
        .expect("tsc runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "tsc failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Our trace of the file's `entry` with the given weights (`tsc compile
/// --emit graph`, with `--trace` for `model`): its operators (as above) and
/// the lines of our W1001 warnings.
fn our_trace(file: &Path, entry: &str, weights: &Path) -> (Vec<String>, Vec<usize>) {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compile", &"--emit", &"graph", &"--entry", &entry];
    if entry == "model" {
        args.push(&"--trace");
    }
    let graph = tsc(&[&args[..], &[&"--weights", &weights, &file]].concat());
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

fn traces_record_pytorchs_operators_and_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases = [
        ("tests/fixtures/trace/gate.tsy", "model"),
        ("examples/resnet18.tsy", "model"),
        ("examples/chatbot.tsy", "traced_encoder"),
        ("examples/chatbot.tsy", "traced_decoder"),
        ("tests/fixtures/trace/shuffle.tsy", "traced"),
        ("tests/fixtures/eager/traced_qkv_comprehension.tsy", "traced"),
    ];
    for (name, entry) in cases {
        let file = root.join(name);
        let weights = std::env::temp_dir().join(format!("tsy-trace-{}.safetensors", std::process::id()));
        let args = [file.display().to_string(), weights.display().to_string()];
        let theirs: Value = serde_json::from_str(run_python(PYTORCH_TRACE, &[&args[0], &args[1], entry]).trim())
            .expect("PYTORCH_TRACE prints a report");
        let their_kinds: Vec<String> = serde_json::from_value(theirs["kinds"].clone()).expect("kinds");
        let their_lines: Vec<usize> = serde_json::from_value(theirs["lines"].clone()).expect("lines");
        let (kinds, lines) = our_trace(&file, entry, &weights);
        assert_eq!(kinds, their_kinds, "{name} {entry}: the recorded operators differ from torch.jit.trace's");
        assert_eq!(lines, their_lines, "{name} {entry}: TracerWarnings on other lines than PyTorch's");
        eprintln!("{name} {entry}: {} operators as PyTorch records them; warnings on lines {lines:?}", kinds.len());
    }
}

/// argv: a .tsy file, the work folder. Randomizes BatchNorm statistics
/// (seeded), saves weights, inputs and the eager model's outputs, traces the
/// model and optimizes the trace with PyTorch; prints how far PyTorch's own
/// optimized trace is from the eager model, and its operator list.
const PREPARE_TRACED: &str = r#"
import json, runpy, sys, torch, torch.jit.mobile
from safetensors.torch import save_file
from torch.utils.mobile_optimizer import optimize_for_mobile
ns = runpy.run_path(sys.argv[1], run_name="__main__")
out, model, inputs = sys.argv[2], ns["model"], ns["example_inputs"]
torch.manual_seed(20261126)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.normal_(0, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.5)
model.eval()
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/weights.safetensors")
save_file({f"input{j}": x.contiguous() for j, x in enumerate(inputs)}, f"{out}/inputs0.safetensors")
with torch.no_grad():
    eager = model(*inputs)
    save_file({"set0.output0": eager}, f"{out}/io.safetensors")
    optimized = optimize_for_mobile(torch.jit.trace(model, inputs))
    theirs = optimized(*inputs)
optimized._save_for_lite_interpreter(f"{out}/pytorch.ptl")
lite = torch.jit.mobile._load_for_lite_interpreter(f"{out}/pytorch.ptl")
error = float((theirs - eager).abs().max()) / max(1.0, float(eager.abs().max()))
print(json.dumps({"error": error, "ops": sorted(torch.jit.mobile._export_operator_list(lite))}))
"#;

/// argv: our .ptl, the work folder. Its lite-interpreter outputs against
/// the eager model's; and its operator list.
const CHECK_TRACED: &str = r#"
import json, sys, torch, torch.jit.mobile
from safetensors.torch import load_file
ptl, out = sys.argv[1], sys.argv[2]
m = torch.jit.mobile._load_for_lite_interpreter(ptl)
inputs = load_file(f"{out}/inputs0.safetensors")
eager = load_file(f"{out}/io.safetensors")["set0.output0"]
with torch.no_grad():
    got = m(*[inputs[f"input{j}"] for j in range(len(inputs))])
error = float((got - eager).abs().max()) / max(1.0, float(eager.abs().max()))
print(json.dumps({"error": error, "ops": sorted(torch.jit.mobile._export_operator_list(m))}))
"#;

/// ResNet-18's convolutions have no bias and each is followed by a
/// BatchNorm. PyTorch 2.5.1's `optimize_for_mobile` of the trace folds the
/// BatchNorm into the weight but keeps the trace's constant `None` bias;
/// tsc's optimized trace keeps the folded bias and computes what the eager
/// model computes. The same operators either way; and `tsc run --trace`
/// agrees with the eager model too.
fn traced_resnet_keeps_the_folded_bias_pytorch_drops() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/resnet18.tsy");
    let dir = std::env::temp_dir().join(format!("tsy-traced-resnet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a work folder");
    let (file_arg, dir_arg) = (file.display().to_string(), dir.display().to_string());
    let theirs: Value = serde_json::from_str(run_python(PREPARE_TRACED, &[&file_arg, &dir_arg]).trim())
        .expect("PREPARE_TRACED prints a report");
    let weights = dir.join("weights.safetensors");
    let ptl = dir.join("ours.ptl");
    tsc(&[&"compile", &"--trace", &"--weights", &weights, &file, &"-o", &ptl]);
    let ours: Value = serde_json::from_str(run_python(CHECK_TRACED, &[&ptl.display().to_string(), &dir_arg]).trim())
        .expect("CHECK_TRACED prints a report");
    let (our_error, their_error) = (ours["error"].as_f64().expect("ours"), theirs["error"].as_f64().expect("theirs"));
    println!("optimized trace vs the eager model, relative max |Δ|: tsc {our_error:e}, PyTorch 2.5.1 {their_error:e}");
    assert!(our_error <= 1e-5, "tsc's optimized trace differs from the eager model by {our_error}");
    assert!(their_error > 1e-2, "PyTorch's optimized trace was expected to lose the folded bias ({their_error})");
    assert_eq!(ours["ops"], theirs["ops"], "the optimized trace calls other operators than PyTorch's");
    // The interpreter runs the same trace, optimized.
    let outputs = dir.join("run.safetensors");
    let inputs = dir.join("inputs0.safetensors");
    tsc(&[&"run", &"--trace", &"--weights", &weights, &"--inputs", &inputs, &"-o", &outputs, &file]);
    let compare = r#"
import sys
from safetensors.torch import load_file
got, ref = load_file(sys.argv[1])["output0"], load_file(sys.argv[2])["set0.output0"]
print(float((got - ref).abs().max()) / max(1.0, float(ref.abs().max())))
"#;
    let run_error: f64 = run_python(compare, &[&outputs.display().to_string(), &format!("{dir_arg}/io.safetensors")])
        .trim()
        .parse()
        .expect("a number");
    assert!(run_error <= 1e-4, "tsc run --trace differs from the eager model by {run_error}");
    std::fs::remove_dir_all(&dir).ok();
}

/// argv: a .tsy file that traces its `model` into `traced`, the work
/// folder. Saves weights, two input sets (the example inputs, and the
/// file's `other_inputs` or else their negation) with the traced module's
/// outputs, and its export's operators.
const PREPARE_TRACED_IO: &str = r#"
import json, runpy, sys, torch, torch.jit.mobile
from safetensors.torch import save_file
ns = runpy.run_path(sys.argv[1], run_name="__main__")
out, traced, inputs = sys.argv[2], ns["traced"], ns["example_inputs"]
save_file({k: v.contiguous() for k, v in ns["model"].state_dict().items()}, f"{out}/weights.safetensors")
# Inputs and outputs may nest tensors in tuples and lists: pickled whole.
def negated(v):
    if isinstance(v, torch.Tensor):
        return -v
    if isinstance(v, dict):
        return {k: negated(x) for k, x in v.items()}
    return type(v)(negated(x) for x in v)
sets = []
with torch.no_grad():
    for s in [inputs, ns.get("other_inputs", negated(inputs))]:
        sets.append((s, traced(*s)))
torch.save(sets, f"{out}/io.pt")
traced._save_for_lite_interpreter(f"{out}/pytorch.ptl")
lite = torch.jit.mobile._load_for_lite_interpreter(f"{out}/pytorch.ptl")
print(json.dumps(sorted(torch.jit.mobile._export_operator_list(lite))))
"#;

/// argv: our .ptl, the work folder. Max relative error on both sets (over
/// every tensor of the outputs, nested or not), and the operator list.
const CHECK_TRACED_IO: &str = r#"
import json, sys, torch, torch.jit.mobile
m = torch.jit.mobile._load_for_lite_interpreter(sys.argv[1])
leaves = lambda v: [v] if isinstance(v, torch.Tensor) else [t for x in v for t in leaves(x)]
errors = []
for inputs, ref in torch.load(f"{sys.argv[2]}/io.pt"):
    with torch.no_grad():
        got = leaves(m(*inputs))
    ref = leaves(ref)
    assert len(got) == len(ref), (len(got), len(ref))
    errors.append(max(float((g - r).abs().max()) / max(1.0, float(r.abs().max())) for g, r in zip(got, ref)))
print(json.dumps({"errors": errors, "ops": sorted(torch.jit.mobile._export_operator_list(m))}))
"#;

/// A traced module calling a scripted submodule records the call, not the
/// path the example took through it: the scripted gate keeps its branch,
/// so inputs that take the other branch still agree with PyTorch's traced
/// module, scripted and optimized.
fn a_traced_module_keeps_its_scripted_submodules_control_flow() {
    traced_module_agrees_on_both_input_sets("tests/fixtures/trace/mixed.tsy");
}

/// Sizes read from the input (`b, c, h, w = x.size()`, `x.shape[0]`) and
/// the arithmetic on them (`c // groups`, `h * w`) are recorded, as
/// PyTorch records them, and so are the lists `chunk` and `split` return:
/// the traced ShuffleNet unit works on an input of another shape, as
/// written and optimized, where constants would fail.
fn traced_sizes_generalize_to_other_input_shapes() {
    traced_module_agrees_on_both_input_sets("tests/fixtures/trace/shuffle.tsy");
}

/// A forward taking a tuple `(h, c)` and a list of tensors and returning a
/// nested tuple traces (its unannotated parameters take the example
/// inputs' types), and `nn.LSTMCell`'s `enumerate` over the state tuple
/// unrolls as TorchScript's does. (PyTorch's tracer records the cells'
/// composite decomposition — `unsafe_chunk`, `sigmoid_`, ... — where tsc
/// records `aten::lstm_cell` and `aten::gru_cell`: the operator lists differ.)
fn nested_inputs_and_outputs_trace_as_pytorch() {
    traced_module_agrees_on_both_input_sets_with("tests/fixtures/trace/nested_inputs.tsy", false);
}

/// Our `.ptl` of the fixture's `traced`, as written and optimized, against
/// PyTorch's traced module on both input sets of [`PREPARE_TRACED_IO`];
/// as written, it calls the operators of PyTorch's own export.
fn traced_module_agrees_on_both_input_sets(fixture: &str) {
    traced_module_agrees_on_both_input_sets_with(fixture, true);
}

/// [`traced_module_agrees_on_both_input_sets`], the operators compared
/// only when `same_operators`.
fn traced_module_agrees_on_both_input_sets_with(fixture: &str, same_operators: bool) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("traced");
    let dir = std::env::temp_dir().join(format!("tsy-traced-{stem}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a work folder");
    let dir_arg = dir.display().to_string();
    let ops: Value =
        serde_json::from_str(run_python(PREPARE_TRACED_IO, &[&file.display().to_string(), &dir_arg]).trim())
            .expect("PREPARE_TRACED_IO prints the operators");
    for optimize in [false, true] {
        let ptl = dir.join("ours.ptl");
        let weights = dir.join("weights.safetensors");
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compile", &"--weights", &weights, &file, &"-o", &ptl];
        if !optimize {
            args.push(&"--no-optimize");
        }
        tsc(&args);
        let report: Value =
            serde_json::from_str(run_python(CHECK_TRACED_IO, &[&ptl.display().to_string(), &dir_arg]).trim())
                .expect("CHECK_TRACED_IO prints a report");
        let errors: Vec<f64> = serde_json::from_value(report["errors"].clone()).expect("errors");
        println!("{fixture} optimized {optimize}: relative max |Δ| {errors:?}");
        assert!(errors.iter().all(|e| *e <= 1e-5), "{fixture} optimized {optimize}: outputs differ: {errors:?}");
        if !optimize && same_operators {
            assert_eq!(report["ops"], ops, "{fixture}: the operators differ from PyTorch's export of its trace");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A forward TorchScript rejects (PyTorch's `torch.jit.script` says so) in
/// the five ways real models do is traced as PyTorch traces it, by running
/// it: `tsc check` applies no scripting rule to it or its submodules, the
/// TracerWarning is on PyTorch's line, and the `.ptl` computes what
/// PyTorch's traced module computes on both input sets, the second of
/// other sizes. (Python numbers in tensor arithmetic are recorded with
/// their `Scalar` overloads where PyTorch records wrapped tensors, and the
/// GRU cell as one operator: the operator lists differ.) The second
/// fixture's forward calls a scripted submodule: the call is kept, and
/// with it the branch the negated inputs take.
fn forwards_that_do_not_script_trace_as_pytorch() {
    for (fixture, warns) in [
        ("tests/fixtures/trace/unscriptable.tsy", true),
        ("tests/fixtures/trace/unscriptable_mixed.tsy", false),
        ("tests/fixtures/trace/unscriptable_shuffle.tsy", false),
    ] {
        trace_of_a_forward_that_does_not_script(fixture, warns);
    }
}

fn trace_of_a_forward_that_does_not_script(fixture: &str, warns: bool) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
    let path = file.display().to_string();
    let scripted = run_python(
        "import runpy, sys, torch\nns = runpy.run_path(sys.argv[1], run_name='__main__')\ntry:\n    torch.jit.script(ns['model'])\n    print('scripted')\nexcept Exception:\n    print('rejected')",
        &[&path],
    );
    assert_eq!(scripted.trim(), "rejected", "the fixture's forward should not script in PyTorch");
    let checked = tsc(&[&"check", &file]);
    assert!(!checked.contains("error"), "tsc check applied scripting rules to a traced forward:\n{checked}");
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("traced");
    let dir = std::env::temp_dir().join(format!("tsy-{stem}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a work folder");
    let weights = dir.join("weights.safetensors");
    let theirs: Value =
        serde_json::from_str(run_python(PYTORCH_TRACE, &[&path, &weights.display().to_string(), "traced"]).trim())
            .expect("PYTORCH_TRACE prints JSON");
    let (_, lines) = our_trace(&file, "traced", &weights);
    let expected: Vec<usize> = serde_json::from_value(theirs["lines"].clone()).expect("lines");
    assert_eq!(!expected.is_empty(), warns, "{fixture}: PyTorch's TracerWarnings: {expected:?}");
    assert_eq!(lines, expected, "W1001 lines differ from PyTorch's TracerWarning lines");
    std::fs::remove_dir_all(&dir).ok();
    traced_module_agrees_on_both_input_sets_with(fixture, false);
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![
        trial("trace::traces_record_pytorchs_operators_and_warnings", traces_record_pytorchs_operators_and_warnings),
        trial(
            "trace::traced_resnet_keeps_the_folded_bias_pytorch_drops",
            traced_resnet_keeps_the_folded_bias_pytorch_drops,
        ),
        trial(
            "trace::a_traced_module_keeps_its_scripted_submodules_control_flow",
            a_traced_module_keeps_its_scripted_submodules_control_flow,
        ),
        trial("trace::traced_sizes_generalize_to_other_input_shapes", traced_sizes_generalize_to_other_input_shapes),
        trial("trace::nested_inputs_and_outputs_trace_as_pytorch", nested_inputs_and_outputs_trace_as_pytorch),
        trial("trace::forwards_that_do_not_script_trace_as_pytorch", forwards_that_do_not_script_trace_as_pytorch),
    ]
}
