# written for issue #16
import torch
from typing import List


import torch.nn as nn
class M(nn.Module):
    def forward(self, x: torch.Tensor) -> bool:
        name = "weight"
        return hasattr(self, name)


def fn(x):
    return x


f = torch.jit.script(fn)
