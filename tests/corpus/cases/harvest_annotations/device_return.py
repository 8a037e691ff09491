# from pytorch test/jit/test_types.py
# inputs: (torch.ones(2),)
import torch
from typing import List


def fn(m: torch.Tensor) -> torch.device:
    return m.device


f = torch.jit.script(fn)
