# written for issue #16
import torch
from typing import List


def fn() -> str:
    x = 1
    x = "a"
    return x


f = torch.jit.script(fn)
