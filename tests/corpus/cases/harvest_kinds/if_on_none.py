# written for issue #16
import torch
from typing import List


def fn(x: int) -> int:
    if None:
        return 1
    return 0


f = torch.jit.script(fn)
