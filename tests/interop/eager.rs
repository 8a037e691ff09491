//! Code the host runs computes what PyTorch computes: every file in
//! `tests/fixtures/eager/` builds its model with tensor code in `__init__`
//! and at module level (its parameters set deterministically); `tsc compile`
//! writes it, and PyTorch 2.5.1 compares each buffer and parameter of our
//! `.ptl` (loaded by the full JIT) with the eager model's — exact, or within 1 ulp where a transcendental kernel differs —
//! and our module's outputs — unoptimized in the full JIT and the lite
//! interpreter, optimized in the lite interpreter — with the eager model's
//! (1e-5 relative).

use std::path::Path;
use std::process::Command;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::harness::file_trials;
use crate::run_python;

/// argv: the fixture, our .ptl unoptimized (buffers stay attributes), our
/// .ptl optimized for mobile (buffers folded into constants). Prints, per
/// buffer and parameter, `exact`, `N ulp` or
/// why it differs, and each run's max |Δ| relative to max(1, max|ref|).
const COMPARE: &str = r#"
import json, runpy, sys, torch, torch.jit.mobile
ns = runpy.run_path(sys.argv[1], run_name="__main__")
model, inputs = ns["model"], ns["example_inputs"]
full = torch.jit.load(sys.argv[2])
runs = [full] + [torch.jit.mobile._load_for_lite_interpreter(p) for p in sys.argv[2:4]]
ours = dict(list(full.named_buffers()) + list(full.named_parameters()))
buffers = {}
for name, want in list(model.named_buffers()) + list(model.named_parameters()):
    got = ours.get(name)
    if got is None:
        buffers[name] = "missing"
    elif got.dtype != want.dtype or got.shape != want.shape:
        buffers[name] = f"{got.dtype}{list(got.shape)}, PyTorch {want.dtype}{list(want.shape)}"
    elif torch.equal(got, want):
        buffers[name] = "exact"
    elif want.is_floating_point():
        inf = torch.tensor(float("inf"), dtype=want.dtype)
        ulp = torch.nextafter(want.abs(), inf) - want.abs()
        buffers[name] = "%g ulp" % float(((got - want).abs() / ulp).max())
    else:
        buffers[name] = "differs"
outputs = []
with torch.no_grad():
    want = model(*inputs)
    for m in runs:
        got = m(*inputs)
        outputs.append(float((got - want).abs().max()) / max(1.0, float(want.abs().max())))
print(json.dumps({"buffers": buffers, "outputs": outputs}))
"#;

fn computes_as_pytorch(file: &Path) {
    let dir = std::env::temp_dir().join(format!("tsy-eager-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    let stem = file.file_stem().expect("named").to_string_lossy().into_owned();
    let compile = |name: &str, flags: &[&str]| {
        let ptl = dir.join(format!("{stem}-{name}.ptl"));
        let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
            .arg("compile")
            .arg(file)
            .args(flags)
            .arg("-o")
            .arg(&ptl)
            .output()
            .expect("tsc runs");
        assert!(
            out.status.success(),
            "{}: tsc compile failed:\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        ptl.display().to_string()
    };
    let (plain, optimized) = (compile("plain", &["--no-optimize"]), compile("optimized", &[]));
    let report: Value = serde_json::from_str(&run_python(COMPARE, &[&file.display().to_string(), &plain, &optimized]))
        .expect("COMPARE prints JSON");
    eprintln!("{}: {report}", file.display());
    let buffers = report["buffers"].as_object().expect("buffers");
    assert!(!buffers.is_empty(), "{}: the fixture registers no buffer", file.display());
    for (name, verdict) in buffers {
        let verdict = verdict.as_str().expect("a verdict");
        let within = verdict == "exact"
            || verdict.strip_suffix(" ulp").and_then(|n| n.parse::<f64>().ok()).is_some_and(|n| n <= 1.0);
        assert!(within, "{}: buffer `{name}`: {verdict}", file.display());
    }
    for error in report["outputs"].as_array().expect("outputs") {
        let error = error.as_f64().expect("a number");
        assert!(error <= 1e-5, "{}: outputs differ from PyTorch's by {error} (relative)", file.display());
    }
}

pub(crate) fn tests() -> Vec<Trial> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eager");
    let mut files: Vec<_> = std::fs::read_dir(dir).expect("tests/fixtures/eager").flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "tsy"));
    files.sort();
    assert!(files.len() >= 4, "the eager fixtures are missing");
    file_trials("eager", files, computes_as_pytorch)
}
