# from pytorch test/jit/test_module_containers.py
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Sub(nn.Module):
    def __init__(self, i: int):
        super().__init__()
        self.i = i

    def forward(self, thing):
        return thing - self.i


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.mods = nn.ModuleList([Sub(i) for i in range(10)])

    def forward(self, v):
        i = 3
        return self.mods[i].forward(v)


f = torch.jit.script(M())
