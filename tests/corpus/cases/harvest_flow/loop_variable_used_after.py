# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    for i in range(n):
        pass
    return i


f = torch.jit.script(fn)
