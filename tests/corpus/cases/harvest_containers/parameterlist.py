# written for issue #16
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.ps = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2) * 2)])

    def forward(self, x):
        for p in self.ps:
            x = x * p
        return x


f = torch.jit.script(M())
