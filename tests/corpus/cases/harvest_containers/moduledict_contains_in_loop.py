# from pytorch test/jit/test_module_containers.py
# inputs: (torch.ones(2),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.moduledict = nn.ModuleDict({"relu": nn.ReLU(), "tanh": nn.Tanh()})

    def forward(self, x):
        n = 0
        for key in self.moduledict:
            if key in self.moduledict:
                n += 1
        if "relu" in self.moduledict:
            n += 10
        return x + n


f = torch.jit.script(M())
