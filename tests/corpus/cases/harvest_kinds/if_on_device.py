# written for issue #16
import torch
from typing import List


def fn(x: torch.Tensor) -> int:
    if x.device:
        return 1
    return 0


f = torch.jit.script(fn)
