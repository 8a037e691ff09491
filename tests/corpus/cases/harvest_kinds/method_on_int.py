# written for issue #16
import torch
from typing import List


def fn(n: int) -> int:
    return n.foo()


f = torch.jit.script(fn)
