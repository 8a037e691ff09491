# from pytorch test/jit/test_module_containers.py
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.moduledict = nn.ModuleDict({"foo": nn.ReLU(), "bar": nn.ReLU()})

    def forward(self, x):
        idx = "foo"
        return self.moduledict[idx](x)


f = torch.jit.script(M())
