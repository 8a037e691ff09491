# written for issue #16
import torch
from typing import List


def fn(x: torch.Tensor) -> torch.Tensor:
    a, b = torch.max(x)
    return a


f = torch.jit.script(fn)
