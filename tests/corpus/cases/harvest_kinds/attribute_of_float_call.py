# written for issue #16
import torch
from typing import List


def fn(x: float) -> float:
    return x.foo()


f = torch.jit.script(fn)
