# written for issue #16
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def forward(self, x):
        d = OrderedDict()
        d["a"] = x
        return d["a"]


f = torch.jit.script(M())
