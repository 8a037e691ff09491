# written for issue #16
# inputs: (torch.ones(2),)
import torch
from typing import List


def fn(x: torch.Tensor) -> bool:
    return x.is_cuda


f = torch.jit.script(fn)
