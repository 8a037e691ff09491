# written for issue #16
# inputs: (torch.ones(2, 2),)
import torch
from typing import List


def fn(x: torch.Tensor) -> torch.Tensor:
    return x.mH + x.H + x.real


f = torch.jit.script(fn)
