//! `--weights`: a state_dict saved by PyTorch, as `torch.save` and as
//! safetensors, loads into the same model with identical values.

use std::path::Path;
use std::process::Command;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::harness::file_trials;
use crate::{examples, run_python};

/// Builds the example's model, randomizes every parameter and BatchNorm
/// statistic (seeded), saves the state_dict both ways into `dir`, and prints
/// the SHA-256 of each tensor's little-endian bytes.
const SAVE: &str = r#"
import hashlib, json, runpy, sys, torch
from safetensors.torch import save_file
path, entry, out = sys.argv[1], sys.argv[2], sys.argv[3]
torch.manual_seed(0)
ns = runpy.run_path(path)
m = ns[entry]
with torch.no_grad():
    for k, v in m.state_dict().items():
        if v.is_floating_point():
            v.copy_(torch.rand_like(v) + (0.5 if "running_var" in k else -0.5))
        elif "num_batches_tracked" in k:
            v.fill_(7)
sd = {k: v.contiguous() for k, v in m.state_dict().items()}
torch.save(sd, out + ".pt")
save_file(sd, out + ".safetensors")
digest = {k: hashlib.sha256(v.reshape(-1).view(torch.uint8).numpy().tobytes()).hexdigest() for k, v in sd.items()}
print(json.dumps(digest))
"#;

fn inspect_with(file: &Path, weights: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["inspect", "--format", "json", "--weights", weights, &file.display().to_string()])
        .output()
        .expect("tsc runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn pytorch_state_dict_loads_with_identical_values(file: &Path) {
    let stem = file.file_stem().expect("named").to_string_lossy().into_owned();
    let dir = std::env::temp_dir().join(format!("tsy-load-{}-{stem}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join(&stem).display().to_string();
    let digests: Value =
        serde_json::from_str(&run_python(SAVE, &[&file.display().to_string(), "model", &out])).expect("digests");
    let digests = digests.as_object().expect("a map of digests");
    for weights in [format!("{out}.pt"), format!("{out}.safetensors")] {
        let report = inspect_with(file, &weights);
        let rows = report["state"].as_array().expect("state rows");
        assert_eq!(rows.len(), digests.len(), "{weights}: entry count");
        for row in rows {
            let name = row["name"].as_str().expect("named");
            assert_eq!(row["sha256"], digests[name], "{weights}: {name} differs from PyTorch's");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

pub(crate) fn tests() -> Vec<Trial> {
    file_trials(
        "load::pytorch_state_dict_loads_with_identical_values",
        examples(),
        pytorch_state_dict_loads_with_identical_values,
    )
}
