//! Every example is valid Python that PyTorch 2.5.1 runs and scripts, and
//! `tsc check` accepts it too.

use std::path::Path;

use libtest_mimic::Trial;

use crate::harness::file_trials;
use crate::{examples, run_python};

/// Runs a .tsy file as a script and reports what its entry produced.
const RUN_EXAMPLE: &str = r#"
import runpy, sys, torch
ns = runpy.run_path(sys.argv[1])
scripted = ns["scripted"]
assert isinstance(scripted, torch.jit.ScriptModule), type(scripted)
eager = ns["model"]
inputs = ns["example_inputs"]
with torch.no_grad():
    a, b = eager(*inputs), scripted(*inputs)
flat = lambda v: list(v) if isinstance(v, tuple) else [v]
diff = max(float((x - y).abs().max()) for x, y in zip(flat(a), flat(b)))
print(torch.__version__, diff)
"#;

fn runs_and_scripts_under_pytorch(file: &Path) {
    let out = run_python(RUN_EXAMPLE, &[&file.display().to_string()]);
    let mut words = out.split_whitespace();
    let version = words.next().unwrap_or_default();
    assert!(version.starts_with("2.5.1"), "{}: PyTorch {version}, not 2.5.1", file.display());
    let diff: f64 = words.next().and_then(|d| d.parse().ok()).expect("a difference");
    assert!(diff <= 1e-5, "{}: scripted differs from eager by {diff}", file.display());
}

pub(crate) fn tests() -> Vec<Trial> {
    let files = examples();
    assert!(files.len() >= 3, "expected the recipe's examples");
    file_trials("examples::runs_and_scripts_under_pytorch", files, runs_and_scripts_under_pytorch)
}
