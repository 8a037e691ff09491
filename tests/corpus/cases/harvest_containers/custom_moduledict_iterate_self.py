# from pytorch test/jit/test_module_containers.py
# inputs: (torch.ones(2),)
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


class Heads(nn.ModuleDict):
    def __init__(self):
        super().__init__({"a": Inner(), "b": Inner2()})

    def forward(self, x):
        names: List[str] = []
        for k in self:
            names.append(k)
        return x, names


f = torch.jit.script(Heads())
