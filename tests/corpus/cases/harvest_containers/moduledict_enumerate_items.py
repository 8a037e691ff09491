# from pytorch test/jit/test_module_containers.py
# inputs: (torch.tensor(1),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Inner(nn.Module):
    def forward(self, x):
        return x + 10


class Inner2(nn.Module):
    def forward(self, x):
        return x * 2


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.moduledict = nn.ModuleDict(OrderedDict([("one", Inner()), ("two", Inner2())]))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, int]:
        it = 0
        for i, (name, mod) in enumerate(self.moduledict.items()):
            it += i
            x = mod(x)
        return x, it


f = torch.jit.script(M())
