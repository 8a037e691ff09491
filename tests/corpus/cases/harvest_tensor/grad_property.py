# written for issue #16
# inputs: (torch.ones(2),)
import torch
from typing import List


from typing import Optional
def fn(x: torch.Tensor) -> bool:
    g = x.grad
    return g is None


f = torch.jit.script(fn)
