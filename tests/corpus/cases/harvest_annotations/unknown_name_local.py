# written for issue #16
import torch
from typing import List


def fn() -> int:
    x: Foo = 1
    return x


f = torch.jit.script(fn)
