# from pytorch test/jit/test_module_containers.py
# inputs: (torch.tensor(1), "one")
# inputs: (torch.tensor(1), "")
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

    def forward(self, x: torch.Tensor, skip_name: str):
        names = torch.jit.annotate(List[str], [])
        for name in self.moduledict:
            names.append(name)
        for name, mod in self.moduledict.items():
            if name != skip_name:
                names.append(name)
                x = mod(x)
        for mod in self.moduledict.values():
            x = mod(x)
        for key in self.moduledict.keys():
            names.append(key)
        return x, names


f = torch.jit.script(M())
