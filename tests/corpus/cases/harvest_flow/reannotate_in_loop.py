# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    x = 5
    for i in range(n):
        x: int = i
    return x


f = torch.jit.script(fn)
