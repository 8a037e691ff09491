# from pytorch test/jit/test_string_formatting.py
# inputs: (5, 2)
import torch
from typing import List


def fn(dividend: int, divisor: int) -> int:
    return dividend % divisor


f = torch.jit.script(fn)
