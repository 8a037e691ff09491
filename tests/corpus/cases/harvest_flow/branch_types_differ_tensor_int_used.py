# written for issue #16
import torch
from typing import List


def fn(c: bool, t: torch.Tensor) -> torch.Tensor:
    if c:
        y = t
    else:
        y = 2
    return t + y


f = torch.jit.script(fn)
