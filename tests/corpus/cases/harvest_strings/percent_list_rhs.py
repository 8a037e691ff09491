# written for issue #16
# inputs: ([1, 2],)
import torch
from typing import List


def fn(xs: List[int]) -> str:
    return "%s" % xs


f = torch.jit.script(fn)
