# from pytorch test/jit/test_string_formatting.py
# inputs: (1,)
import torch
from typing import List


def fn(arg1: int) -> str:
    return "%d in template" % arg1


f = torch.jit.script(fn)
