# from pytorch test/jit/test_string_formatting.py
# inputs: ("%s in template",)
import torch
from typing import List


def fn(arg1: str) -> str:
    return arg1 % "foo"


f = torch.jit.script(fn)
