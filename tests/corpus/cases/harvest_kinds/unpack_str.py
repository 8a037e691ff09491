# written for issue #16
import torch
from typing import List


def fn(x: str) -> str:
    a, b = x
    return a


f = torch.jit.script(fn)
