# written for issue #16
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.xs = [1, "a"]

    def forward(self, x):
        return x + len(self.xs)


f = torch.jit.script(M())
