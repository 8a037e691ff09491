# written for issue #16
import torch
from typing import List


def fn() -> int:
    y = x + 1
    x = 1
    return y


f = torch.jit.script(fn)
