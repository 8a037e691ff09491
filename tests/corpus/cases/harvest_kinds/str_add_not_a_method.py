# written for issue #16
import torch
from typing import List


def fn(x: str) -> str:
    return x.add("a")


f = torch.jit.script(fn)
