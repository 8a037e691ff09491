# written for issue #16
# inputs: ("",)
# inputs: ("a",)
import torch
from typing import List


def fn(x: str) -> bool:
    return bool(x)


f = torch.jit.script(fn)
