# written for issue #16
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Bad(nn.Module):
    def forward(self, x):
        return x.foo_bar_baz()


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Sequential(Bad()))

    def forward(self, x):
        return self.body(x)


f = torch.jit.script(M())
