# from pytorch test/jit/test_module_containers.py
# inputs: (torch.tensor(1),)
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class A(nn.Module):
    def forward(self, x):
        return x + 3


class B(nn.Module):
    def forward(self, x):
        return {"1": x}


class C(nn.Module):
    def __init__(self):
        super().__init__()
        self.foo = nn.Sequential(A(), B())

    def forward(self, x):
        return self.foo(x)


f = torch.jit.script(C())
