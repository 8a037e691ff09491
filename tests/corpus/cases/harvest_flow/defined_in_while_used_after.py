# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    while n > 0:
        y = n
        n -= 1
    return y


f = torch.jit.script(fn)
