# from pytorch test/jit/test_string_formatting.py
# inputs: (1.0,)
import torch
from typing import List


def fn(arg1: float) -> str:
    return "%f in template" % arg1


f = torch.jit.script(fn)
