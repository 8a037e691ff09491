# written for issue #16
import torch
from typing import List


def fn(x: torch.Tensor):
    return x.grad_fn


f = torch.jit.script(fn)
