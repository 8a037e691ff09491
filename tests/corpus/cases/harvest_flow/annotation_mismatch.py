# from pytorch test/jit/test_types.py
import torch
from typing import List


def fn():
    x: str = 4
    return x


f = torch.jit.script(fn)
