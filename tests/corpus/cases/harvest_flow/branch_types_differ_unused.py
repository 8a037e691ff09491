# written for issue #16
# inputs: (True,)
import torch
from typing import List


def fn(c: bool) -> int:
    if c:
        y = 1
    else:
        y = "a"
    return 0


f = torch.jit.script(fn)
