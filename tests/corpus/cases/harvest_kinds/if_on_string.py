# written for issue #16
# inputs: ("a",)
# inputs: ("",)
import torch
from typing import List


def fn(s: str) -> int:
    if s:
        return 1
    return 0


f = torch.jit.script(fn)
