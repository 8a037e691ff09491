# written for issue #16
import torch
from typing import List


def fn(c: bool) -> int:
    x = []
    if c:
        x = [1, 2]
    return len(x)


f = torch.jit.script(fn)
