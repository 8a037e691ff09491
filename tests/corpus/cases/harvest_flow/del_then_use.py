# written for issue #16
import torch
from typing import List


def fn() -> int:
    x = 1
    del x
    return x


f = torch.jit.script(fn)
