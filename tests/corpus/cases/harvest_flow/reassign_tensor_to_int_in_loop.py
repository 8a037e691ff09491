# written for issue #16
import torch
from typing import List


def fn(t: torch.Tensor) -> int:
    for i in range(3):
        t = i
    return 0


f = torch.jit.script(fn)
