# written for issue #16
import torch
from typing import List


def fn(x: int) -> int:
    a, b = x, 1, 2
    return a


f = torch.jit.script(fn)
