# written for issue #16
# inputs: (torch.tensor([-4.0, 0.0, 4.0]),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


def hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x + 3.0, 0.0, 6.0) / 6.0


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_fn = hard_sigmoid

    def forward(self, x):
        return self.gate_fn(x)


f = torch.jit.script(M())
