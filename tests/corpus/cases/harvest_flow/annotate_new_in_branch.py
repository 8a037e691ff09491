# written for issue #16
# inputs: (True,)
import torch
from typing import List


def fn(c: bool) -> int:
    if c:
        x: int = 7
        return x
    return 1


f = torch.jit.script(fn)
