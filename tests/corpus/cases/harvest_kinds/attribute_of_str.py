# written for issue #16
import torch
from typing import List


def fn(x: str) -> int:
    return x.foo


f = torch.jit.script(fn)
