# written for issue #16
# inputs: (torch.ones(2, 3),)
import torch
from typing import List


def fn(x: torch.Tensor) -> torch.Tensor:
    return x.sum(x.ndim - 1)


f = torch.jit.script(fn)
