//! Weight files written by PyTorch 2.5.1 (`torch.save`, and
//! `safetensors.torch.save_file`) read back by `tsy::weights` with
//! the same names, order, dtypes, shapes and bytes.

use std::path::{Path, PathBuf};

use libtest_mimic::Trial;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tsy::weights::{self, StoredTensor, WeightsError};

use crate::harness::trial;
use crate::run_python;

/// Saves one state_dict both ways into argv[1], plus a whole model, and
/// prints what each tensor should read back as.
const SAVE: &str = r#"
import collections, hashlib, json, os, struct, sys, torch
from safetensors.torch import save_file

out = sys.argv[1]
torch.manual_seed(0)
base = torch.randn(4, 6)
sd = collections.OrderedDict()
sd["z.weight"] = base
sd["z.weight_t"] = base.t()                  # non-contiguous
sd["z.window"] = base[1:3, 2:5]               # shares base's storage, offset 8, non-contiguous
sd["z.rows"] = base[2:]                       # shares base's storage, offset 12, contiguous
sd["a.f64"] = torch.randn(3, 2, dtype=torch.float64)
sd["a.f16"] = torch.randn(2, 3).half()
sd["a.bf16"] = torch.randn(5).bfloat16()
sd["a.bf16_t"] = torch.randn(3, 2).bfloat16().t()
sd["mask"] = torch.tensor([[True, False, True], [False, False, True]])
sd["pixels"] = torch.arange(250, 256, dtype=torch.uint8).reshape(2, 3)
sd["i32"] = torch.tensor([-1, 2, 2**31 - 1], dtype=torch.int32)
sd["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
sd["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
sd["param"] = torch.nn.Parameter(torch.randn(2, 2))
sd["scalar"] = torch.tensor(1.5)
sd["empty"] = torch.zeros(0, 3)
bn = torch.nn.BatchNorm1d(3)
bn(torch.randn(4, 3))
for k, v in bn.state_dict().items():          # ends with num_batches_tracked: int64, 0-dim
    sd["bn." + k] = v

torch.save(sd, os.path.join(out, "w.pt"))
st_path = os.path.join(out, "w.safetensors")
save_file({k: v.detach().contiguous().clone() for k, v in sd.items()}, st_path)

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)
torch.save(Net(), os.path.join(out, "model.pt"))
torch.save(bn.state_dict(), os.path.join(out, "bn.pt"))   # carries `_metadata`
torch.save(sd, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)

def digest(t):
    return hashlib.sha256(t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()).hexdigest()

with open(st_path, "rb") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
header.pop("__metadata__", None)
st_order = sorted(header, key=lambda k: (header[k]["data_offsets"], k))

print(json.dumps({
    "keys": list(sd.keys()),
    "safetensors_order": st_order,
    "tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape), "sha256": digest(v)} for k, v in sd.items()},
}))
"#;

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tsy-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("a JSON array").iter().map(|s| s.as_str().expect("a string").to_string()).collect()
}

fn check_tensors(file: &Path, tensors: &[StoredTensor], expected: &Value) {
    for t in tensors {
        let want = &expected[&t.name];
        assert!(want.is_object(), "{}: unexpected tensor `{}`", file.display(), t.name);
        assert_eq!(t.dtype.torch_name(), want["dtype"], "{}: `{}` dtype", file.display(), t.name);
        let shape: Vec<u64> = want["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap()).collect();
        let got: Vec<u64> = t.shape.iter().map(|&d| d as u64).collect();
        assert_eq!(got, shape, "{}: `{}` shape", file.display(), t.name);
        assert_eq!(t.data.len(), t.numel() * t.dtype.size());
        assert_eq!(sha256_hex(&t.data), want["sha256"], "{}: `{}` bytes", file.display(), t.name);
    }
}

fn weights_saved_by_pytorch_read_back_identically() {
    let dir = TempDir::new("interop-weights");
    let out = run_python(SAVE, &[&dir.0.display().to_string()]);
    let expected: Value = serde_json::from_str(out.trim()).expect("JSON from the script");

    // torch.save: the state_dict's insertion order.
    let pt = dir.0.join("w.pt");
    let tensors = weights::read(&pt).unwrap_or_else(|e| panic!("{}: {e}", pt.display()));
    let names: Vec<String> = tensors.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, strings(&expected["keys"]));
    assert_eq!(names.last().unwrap(), "bn.num_batches_tracked");
    check_tensors(&pt, &tensors, &expected["tensors"]);
    let nbt = tensors.last().unwrap();
    assert!(nbt.shape.is_empty());
    assert_eq!(*nbt.data, 1i64.to_le_bytes());

    // safetensors: the order of the tensors' bytes.
    let st = dir.0.join("w.safetensors");
    let tensors = weights::read(&st).unwrap_or_else(|e| panic!("{}: {e}", st.display()));
    let names: Vec<String> = tensors.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, strings(&expected["safetensors_order"]));
    let mut sorted = names.clone();
    sorted.sort();
    let mut keys = strings(&expected["keys"]);
    keys.sort();
    assert_eq!(sorted, keys, "the same tensors in both files");
    check_tensors(&st, &tensors, &expected["tensors"]);

    // A module's own state_dict (with its `_metadata` attribute).
    let bn = weights::read(&dir.0.join("bn.pt")).unwrap();
    let names: Vec<&str> = bn.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
    for t in &bn {
        let want = &expected["tensors"][format!("bn.{}", t.name)];
        assert_eq!(sha256_hex(&t.data), want["sha256"], "bn.pt: `{}`", t.name);
    }

    // The legacy (non-zip) format.
    let err = weights::read(&dir.0.join("legacy.pt")).expect_err("a legacy file");
    assert!(matches!(err, WeightsError::LegacyTorchSave), "{err:?}");

    // Truncated torch.save files.
    let bytes = std::fs::read(&pt).unwrap();
    for n in [0, 4, 100, bytes.len() / 2, bytes.len() - 1] {
        let cut = dir.0.join(format!("cut{n}.pt"));
        std::fs::write(&cut, &bytes[..n]).unwrap();
        let err = weights::read(&cut).expect_err("a truncated file");
        if n >= 4 {
            assert!(matches!(err, WeightsError::Zip(_)), "{n} bytes: {err:?}");
            assert!(err.to_string().starts_with("corrupt or truncated zip archive: "), "{err}");
        }
    }

    // A whole model.
    let err = weights::read(&dir.0.join("model.pt")).expect_err("a whole model");
    assert!(matches!(&err, WeightsError::WholeModel { class, .. } if class == "__main__.Net"), "{err:?}");
    assert_eq!(
        err.to_string(),
        "`model/data.pkl` holds a pickled `__main__.Net` object, not a state_dict: save `model.state_dict()` instead of the model"
    );
}

/// argv: the model file, the work folder. Saves the scripted module's
/// state_dict (which has the `persistent=False` buffer, set to 2) and the
/// eager module's (which has not), both ways; prints the keys of each and
/// saves the scripted module's output.
const SAVE_SCRIPTED: &str = r#"
import json, runpy, sys, torch
from safetensors.torch import save_file
ns = runpy.run_path(sys.argv[1], run_name="__main__")
out = sys.argv[2]
scripted, model = ns["scripted"], ns["model"]
torch.manual_seed(0)
with torch.no_grad():
    scripted.mask.fill_(2.0)
    scripted.scale.uniform_(0.5, 1.5)
torch.save(scripted.state_dict(), f"{out}/scripted.pt")
save_file({k: v.contiguous() for k, v in scripted.state_dict().items()}, f"{out}/scripted.safetensors")
model.load_state_dict({k: v for k, v in scripted.state_dict().items() if k != "mask"})
torch.save(model.state_dict(), f"{out}/eager.pt")
# (The scripted module shares its tensors with `model`: a fresh one loads
# the eager file, as a user's new process would.)
fresh = type(model)().eval()
fresh.load_state_dict(torch.load(f"{out}/eager.pt"))
x = ns["example_inputs"][0]
save_file({"x": x, "scripted": scripted(x), "eager": fresh(x)}, f"{out}/io.safetensors")
print(json.dumps({"scripted": list(scripted.state_dict()), "eager": list(model.state_dict())}))
"#;

/// Runs a `.ptl` in the lite interpreter on the saved input; prints the
/// largest difference from the named saved output.
const RUN_SAVED: &str = r#"
import sys, torch, torch.jit.mobile
from safetensors.torch import load_file
io = load_file(sys.argv[2])
m = torch.jit.mobile._load_for_lite_interpreter(sys.argv[1])
print(float((m(io["x"]) - io[sys.argv[3]]).abs().max()))
"#;

fn scripted_state_dicts_load_with_their_non_persistent_buffers() {
    let dir = TempDir::new("non-persistent");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/weights/non_persistent_buffer.tsy");
    let keys: Value = serde_json::from_str(
        run_python(SAVE_SCRIPTED, &[&file.display().to_string(), &dir.0.display().to_string()]).trim(),
    )
    .expect("SAVE_SCRIPTED prints the keys");
    assert!(strings(&keys["scripted"]).contains(&"mask".to_string()), "{keys}");
    assert!(!strings(&keys["eager"]).contains(&"mask".to_string()), "{keys}");
    let io = dir.0.join("io.safetensors").display().to_string();
    for (weights, expected) in
        [("scripted.pt", "scripted"), ("scripted.safetensors", "scripted"), ("eager.pt", "eager")]
    {
        let ptl = dir.0.join(format!("{weights}.ptl"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tsc"))
            .arg("compile")
            .arg(&file)
            .arg("-o")
            .arg(&ptl)
            .arg("--weights")
            .arg(dir.0.join(weights))
            .output()
            .expect("tsc runs");
        assert!(out.status.success(), "{weights}: {}", String::from_utf8_lossy(&out.stderr));
        let error: f64 = run_python(RUN_SAVED, &[&ptl.display().to_string(), &io, expected])
            .trim()
            .parse()
            .expect("RUN_SAVED prints a number");
        assert!(error <= 1e-6, "{weights}: the .ptl differs from PyTorch's {expected} module by {error}");
    }
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![
        trial(
            "weights::weights_saved_by_pytorch_read_back_identically",
            weights_saved_by_pytorch_read_back_identically,
        ),
        trial(
            "weights::scripted_state_dicts_load_with_their_non_persistent_buffers",
            scripted_state_dicts_load_with_their_non_persistent_buffers,
        ),
    ]
}
