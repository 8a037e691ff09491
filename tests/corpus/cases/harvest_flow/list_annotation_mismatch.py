# from pytorch test/jit/test_types.py
import torch
from typing import List


from typing import List
def fn():
    wrong: List[int] = [0.5]
    return wrong


f = torch.jit.script(fn)
