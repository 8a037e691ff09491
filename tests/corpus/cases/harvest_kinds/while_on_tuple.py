# written for issue #16
import torch
from typing import List


def fn(x: int) -> int:
    while (1, 2):
        return 1
    return 0


f = torch.jit.script(fn)
