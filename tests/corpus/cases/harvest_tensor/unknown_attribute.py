# written for issue #16
import torch
from typing import List


def fn(x: torch.Tensor) -> int:
    return x.nonexistent


f = torch.jit.script(fn)
