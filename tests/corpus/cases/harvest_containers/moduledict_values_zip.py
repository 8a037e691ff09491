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

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"twice": Inner2(), "shift": Inner()})

    def forward(self, x):
        for a, b in zip(self.heads.values(), self.heads.values()):
            x = a(b(x))
        return x


f = torch.jit.script(M())
