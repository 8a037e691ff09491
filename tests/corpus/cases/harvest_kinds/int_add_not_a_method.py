# written for issue #16
import torch
from typing import List


def fn(x: int) -> int:
    return x.add(1)


f = torch.jit.script(fn)
