# written for issue #16
# inputs: (torch.tensor([1.0, 2.0]),)
import torch
from typing import List


def fn(x: torch.Tensor) -> str:
    return "value: %s" % x


f = torch.jit.script(fn)
