# from pytorch test/jit/test_types.py
import torch
from typing import List


@torch.jit.ignore
def helper(my_arg):
    return my_arg + 10

def fn(x):
    return helper("2")


f = torch.jit.script(fn)
