# written for issue #16
import torch
from typing import List


def fn(c: bool) -> int:
    if c:
        y = 1
    return y


f = torch.jit.script(fn)
