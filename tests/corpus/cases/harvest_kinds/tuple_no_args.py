# written for issue #16
import torch
from typing import List


def fn(x: int):
    return tuple()


f = torch.jit.script(fn)
