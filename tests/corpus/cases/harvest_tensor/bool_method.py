# written for issue #16
# inputs: (torch.tensor([0.0, 2.5]),)
import torch
from typing import List


def fn(x: torch.Tensor) -> torch.Tensor:
    return x.bool()


f = torch.jit.script(fn)
