# from pytorch test/jit/test_string_formatting.py
# inputs: ("foo", 1, 1.0)
import torch
from typing import List


def fn(arg1: str, arg2: int, arg3: float) -> str:
    return "%s %d %f in template" % (arg1, arg2, arg3)


f = torch.jit.script(fn)
