# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    for i in range(n):
        y = i
    return y


f = torch.jit.script(fn)
