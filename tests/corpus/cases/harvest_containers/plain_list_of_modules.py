# from pytorch test/jit/test_module_containers.py
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Mod(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = [nn.ReLU(), nn.ReLU()]

    def forward(self):
        return len(self.a)


f = torch.jit.script(Mod())
