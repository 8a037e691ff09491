# written for issue #16
import torch
from typing import List


def fn(x: torch.Tensor, name: str) -> bool:
    return hasattr(x, name)


f = torch.jit.script(fn)
