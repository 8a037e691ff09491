# written for issue #16
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.names = {"a", "b"}

    def forward(self, x):
        return x + 1


f = torch.jit.script(M())
