# written for issue #16
import torch
from typing import List


def fn(c: bool) -> int:
    y = 1
    if c:
        y = "a"
    return 0


f = torch.jit.script(fn)
