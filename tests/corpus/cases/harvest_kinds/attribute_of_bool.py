# written for issue #16
import torch
from typing import List


def fn(x: bool) -> bool:
    return x.foo


f = torch.jit.script(fn)
