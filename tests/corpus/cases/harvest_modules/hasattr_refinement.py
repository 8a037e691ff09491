# written for issue #16
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 2

    def forward(self, x):
        if hasattr(self, "scale"):
            x = x * self.scale
        if hasattr(self, "missing"):
            x = x + self.missing
        return x


f = torch.jit.script(M())
