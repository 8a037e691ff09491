# written for issue #16
import torch
from typing import List


def fn():
    return tuple([1, 2, 3])


f = torch.jit.script(fn)
