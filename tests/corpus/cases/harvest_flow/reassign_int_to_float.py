# written for issue #16
import torch
from typing import List


def fn() -> float:
    x = 1
    x = 2.5
    return x


f = torch.jit.script(fn)
