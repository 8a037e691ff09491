# written for issue #16
# inputs: (torch.tensor([1.0, -1.0]),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Good(nn.Module):
    def forward(self, x):
        return x * 2


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Sequential(Good(), nn.ReLU()), Good())

    def forward(self, x):
        return self.body(x)


f = torch.jit.script(M())
