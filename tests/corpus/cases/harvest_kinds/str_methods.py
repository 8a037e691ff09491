# written for issue #16
# inputs: (" aXa ",)
import torch
from typing import List


def fn(s: str) -> str:
    return s.upper().strip().replace("A", "b")


f = torch.jit.script(fn)
