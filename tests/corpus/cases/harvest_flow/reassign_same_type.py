# written for issue #16
# inputs: (torch.ones(2),)
import torch
from typing import List


def fn(t: torch.Tensor) -> torch.Tensor:
    x = t
    x = t + 1
    return x


f = torch.jit.script(fn)
