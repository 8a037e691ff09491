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


class CustomSequential(nn.Sequential):
    def __init__(self):
        super().__init__(nn.ReLU(), Inner())

    def forward(self, x):
        x = x + 3
        for mod in self:
            x = mod(x)
        return x - 5


f = torch.jit.script(CustomSequential())
