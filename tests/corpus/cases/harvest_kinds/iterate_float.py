# written for issue #16
import torch
from typing import List


def fn(x: float) -> int:
    for i in x:
        pass
    return 1


f = torch.jit.script(fn)
