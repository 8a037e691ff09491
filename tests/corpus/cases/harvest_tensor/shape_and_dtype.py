# written for issue #16
# inputs: (torch.ones(2, 3),)
import torch
from typing import List


def fn(x: torch.Tensor):
    return x.shape, x.dtype, x.dim(), x.numel()


f = torch.jit.script(fn)
