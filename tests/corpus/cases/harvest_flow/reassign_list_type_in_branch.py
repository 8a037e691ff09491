# written for issue #16
import torch
from typing import List


def fn(c: bool) -> int:
    x = [torch.zeros(1)]
    if c:
        x = [1, 2]
    return len(x)


f = torch.jit.script(fn)
