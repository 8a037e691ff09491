# written for issue #16
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self._k = 3

    @property
    def k(self) -> int:
        return self._k

    @k.setter
    def k(self, v: int):
        self._k = v

    def forward(self, x):
        return x * self.k


f = torch.jit.script(M())
