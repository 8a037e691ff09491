# written for issue #16
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Base(nn.Module):
    def forward(self, x):
        return x + 1


class M(Base):
    def forward(self, x):
        return super().forward(x) * 2


f = torch.jit.script(M())
