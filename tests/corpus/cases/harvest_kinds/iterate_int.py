# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    s = 0
    for i in n:
        s += i
    return s


f = torch.jit.script(fn)
