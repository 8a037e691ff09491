# written for issue #16
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


from typing import NamedTuple


class Out(NamedTuple):
    a: torch.Tensor
    b: int


class M(nn.Module):
    def forward(self, x) -> Out:
        return Out(x, 3)


f = torch.jit.script(M())
