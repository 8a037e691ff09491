# written for issue #16
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        self.x = 1

    def forward(self, x):
        return x


f = torch.jit.script(M())
