# written for issue #16
import torch
from typing import List


def fn(x: int) -> int:
    return 1 if (x, 2) else 0


f = torch.jit.script(fn)
