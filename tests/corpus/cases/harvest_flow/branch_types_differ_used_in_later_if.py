# written for issue #16
import torch
from typing import List


def fn(c: bool) -> int:
    if c:
        y = 1
    else:
        y = "a"
    if c:
        return len(str(y))
    return 0


f = torch.jit.script(fn)
