# written for issue #16
# inputs: (1,)
import torch
from typing import List


def fn(n: int) -> int:
    if n == 0:
        y = 1
    elif n == 1:
        y = "a"
    else:
        y = 2.5
    return n


f = torch.jit.script(fn)
