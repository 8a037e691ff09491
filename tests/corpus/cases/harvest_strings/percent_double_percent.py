# from pytorch test/jit/test_string_formatting.py
# inputs: ("foo",)
import torch
from typing import List


def fn(arg1: str) -> str:
    return "%s in template %%" % arg1


f = torch.jit.script(fn)
