# written for issue #16
# inputs: (torch.ones(2), torch.tensor(2.0))
import torch
from typing import List


def fn(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return torch.addcmul(x, x, x, value=v)


f = torch.jit.script(fn)
