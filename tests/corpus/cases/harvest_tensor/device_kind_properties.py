# written for issue #16
# inputs: (torch.ones(2),)
import torch
from typing import List


def fn(x: torch.Tensor):
    return x.is_cpu, x.is_mps, x.is_vulkan, x.is_ipu, x.is_nested, x.is_sparse_csr


f = torch.jit.script(fn)
