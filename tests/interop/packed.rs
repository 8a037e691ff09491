//! Packed sequences (`pack_padded_sequence`, an LSTM's `forward__1`,
//! `pad_packed_sequence`) compiled by tsc and run in PyTorch 2.5.1's lite
//! interpreter, against the same module scripted by PyTorch.

use libtest_mimic::Trial;

use super::run_python;
use crate::harness::trial;

const MODEL: &str = r#"import torch
import torch.nn as nn
from torch import Tensor
from typing import Tuple


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(20, 6)
        self.lstm = nn.LSTM(6, 5, 2, bidirectional=True)

    def forward(self, seq: Tensor, lengths: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(seq), lengths, enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        padded, _ = torch.nn.utils.rnn.pad_packed_sequence(out)
        return padded, h, c


m = torch.jit.script(Encoder().eval())
"#;

/// argv: the model file, the work folder, then `tsc compile`'s path and
/// arguments. Saves the scripted module's weights, runs tsc, and prints the
/// largest difference between PyTorch's outputs and the `.ptl`'s.
const COMPARE: &str = r#"
import runpy, subprocess, sys, torch
from safetensors.torch import save_file
from torch.jit.mobile import _load_for_lite_interpreter
m = runpy.run_path(sys.argv[1])["m"]
weights, ptl = f"{sys.argv[2]}/weights.safetensors", f"{sys.argv[2]}/model.ptl"
save_file({k: v.detach().clone().contiguous() for k, v in m.state_dict().items()}, weights)
subprocess.run([sys.argv[3], "compile", sys.argv[1], "--weights", weights, "-o", ptl] + sys.argv[4:], check=True)
ours = _load_for_lite_interpreter(ptl)
torch.manual_seed(0)
worst = 0.0
for lengths in ([3, 5, 2], [4, 4, 1], [5, 1, 3]):
    seq = torch.randint(0, 20, (5, 3))
    lengths = torch.tensor(lengths)
    with torch.no_grad():
        for a, b in zip(m(seq, lengths), ours(seq, lengths)):
            assert a.shape == b.shape, (a.shape, b.shape)
            worst = max(worst, (a - b).abs().max().item())
print(worst)
"#;

/// Scripted (`--no-optimize`) and optimized as `optimize_for_mobile` does.
/// Unoptimized, the packed sequence is built with a plain TUPLE_CONSTRUCT:
/// the 2.5.1 lite interpreter's type parser rejects the
/// `__torch__.torch.nn.utils.rnn.PackedSequence` named tuple type that
/// PyTorch's own export writes (that file does not load).
fn packed_lstm_runs_as_pytorchs_in_the_lite_interpreter() {
    for extra in [&["--no-optimize"][..], &[][..]] {
        let tag = if extra.is_empty() { "optimized" } else { "scripted" };
        let dir = std::env::temp_dir().join(format!("tsy-packed-lstm-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
        let model = dir.join("packed_lstm.tsy");
        std::fs::write(&model, MODEL).expect("written");
        let (model, folder) = (model.display().to_string(), dir.display().to_string());
        let mut args = vec![model.as_str(), folder.as_str(), env!("CARGO_BIN_EXE_tsc")];
        args.extend_from_slice(extra);
        let worst: f64 = run_python(COMPARE, &args).trim().parse().expect("COMPARE prints a number");
        assert!(worst <= 1e-5, "{tag}: outputs differ by {worst}");
        std::fs::remove_dir_all(&dir).ok();
    }
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![trial(
        "packed::packed_lstm_runs_as_pytorchs_in_the_lite_interpreter",
        packed_lstm_runs_as_pytorchs_in_the_lite_interpreter,
    )]
}
