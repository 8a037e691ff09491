# from pytorch test/jit/test_module_containers.py
# inputs: (torch.tensor(.5),)
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


class CustomModuleDict(nn.ModuleDict):
    def __init__(self):
        super().__init__(OrderedDict([("one", Inner()), ("two", nn.ReLU())]))

    def forward(self, x):
        x = x + 3
        names = torch.jit.annotate(List[str], [])
        for name, mod in self.items():
            x = mod(x)
            names.append(name)
        return names, x - 5


f = torch.jit.script(CustomModuleDict())
