# The binary seeds of the torch_save, safetensors and ptl fuzz targets, as
# PyTorch 2.5.1 writes them (run from fuzz/seeds/ with the reference
# environment's python). decision_gate*.ptl are examples/decision_gate.tsy
# compiled by PyTorch (the reference files of /work/ref-ptl).
import torch, io, collections
from safetensors.torch import save_file
torch.manual_seed(0)
sd = {"w": torch.randn(2,3), "b": torch.arange(3), "m": torch.tensor([True, False]), "h": torch.ones(2, dtype=torch.float16)}
torch.save(sd, "torch_save/state_dict.pt")
torch.save({"x": torch.randn(4)[1:3], "y": torch.randn(3,2).t()}, "torch_save/views.pt")
torch.save(collections.OrderedDict(a=torch.zeros(1, dtype=torch.int8), b=torch.zeros(2, dtype=torch.float64)), "torch_save/dtypes.pt")
torch.save(torch.nn.Linear(2, 2).state_dict(), "torch_save/linear.pt")
try:
    save_file({k: v.contiguous() for k, v in sd.items()}, "safetensors/state_dict.safetensors")
    save_file({"a": torch.zeros(0), "b": torch.ones(2,2,dtype=torch.bfloat16), "c": torch.tensor(3)}, "safetensors/edge.safetensors", metadata={"format": "pt"})
except Exception as e:
    print("safetensors", e)
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l = torch.nn.Linear(2, 2)
    def forward(self, x, n: int):
        y = self.l(x)
        for i in range(n):
            y = y * 2 if i % 2 == 0 else y + 1
        return [y, x.sum()]
m = torch.jit.script(M())
m._save_for_lite_interpreter("ptl/small.ptl")
from torch.utils.mobile_optimizer import optimize_for_mobile
optimize_for_mobile(m)._save_for_lite_interpreter("ptl/small_opt.ptl")
