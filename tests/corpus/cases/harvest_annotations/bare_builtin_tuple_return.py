# written for issue #16
import torch
from typing import List


def fn(x: int) -> tuple:
    return (1,)


f = torch.jit.script(fn)
