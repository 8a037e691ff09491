# written for issue #16
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.ReLU(), nn.Tanh())

    def forward(self, x):
        for [a, b] in self.layers:
            x = a(x)
        return x


f = torch.jit.script(M())
