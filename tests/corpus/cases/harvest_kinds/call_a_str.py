# written for issue #16
import torch
from typing import List


def fn(x: str) -> str:
    return x(1)


f = torch.jit.script(fn)
