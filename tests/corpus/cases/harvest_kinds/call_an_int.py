# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    return n(1)


f = torch.jit.script(fn)
