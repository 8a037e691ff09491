# written for issue #16
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
        return x + len(self.heads)


f = torch.jit.script(M())
