# from pytorch test/jit/test_types.py
import torch
from typing import List


from typing import Optional
def fn():
    x = 5
    if 1 == 1:
        x: Optional[int] = 7


f = torch.jit.script(fn)
