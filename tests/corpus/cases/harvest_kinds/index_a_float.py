# written for issue #16
import torch
from typing import List


def fn(x: float) -> float:
    return x[0]


f = torch.jit.script(fn)
