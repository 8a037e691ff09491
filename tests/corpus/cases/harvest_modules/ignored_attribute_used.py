# from pytorch test/jit/test_types.py
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Sub(nn.Module):
    def forward(self, a: int) -> int:
        return sum([a])


class M(nn.Module):
    __jit_ignored_attributes__ = ["a", "sub"]

    def __init__(self, a: int):
        super().__init__()
        self.a = a
        self.sub = Sub()

    def forward(self) -> int:
        return self.sub(self.a)


f = torch.jit.script(M(1))
