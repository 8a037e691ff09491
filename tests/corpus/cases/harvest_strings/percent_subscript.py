# from pytorch test/jit/test_string_formatting.py
# inputs: (["foo", "bar"],)
import torch
from typing import List


def fn(arg1: List[str]) -> str:
    return "%s in template" % arg1[0]


f = torch.jit.script(fn)
