# written for issue #16
import torch
from typing import List


def fn(x: int) -> bool:
    return not (x, 2)


f = torch.jit.script(fn)
