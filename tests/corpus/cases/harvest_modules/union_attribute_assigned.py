# written for issue #16
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


from typing import Union


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.v: Union[int, str] = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.v = "a"
        return x


f = torch.jit.script(M())
