# written for issue #16
import torch
from typing import List


def fn(c: bool) -> int:
    if c:
        y = 1
    else:
        y = "a"
    return len(str(y))


f = torch.jit.script(fn)
