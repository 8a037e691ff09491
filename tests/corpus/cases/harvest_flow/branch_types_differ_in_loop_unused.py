# written for issue #16
# inputs: (3,)
import torch
from typing import List


def fn(n: int) -> int:
    for i in range(n):
        if i % 2 == 0:
            y = i
        else:
            y = "odd"
    return n


f = torch.jit.script(fn)
