# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    a, b = n
    return a


f = torch.jit.script(fn)
