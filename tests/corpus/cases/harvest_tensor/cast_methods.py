# written for issue #16
# inputs: (torch.tensor([1.5, 2.5]),)
import torch
from typing import List


def fn(x: torch.Tensor):
    return x.float(), x.double(), x.long(), x.int(), x.half()


f = torch.jit.script(fn)
