# written for issue #16
# inputs: (torch.ones(2, 3),)
import torch
from typing import List


def fn(x: torch.Tensor) -> int:
    return x.ndim


f = torch.jit.script(fn)
