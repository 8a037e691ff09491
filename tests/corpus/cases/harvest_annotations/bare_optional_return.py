# from pytorch test/jit/test_types.py
import torch
from typing import List


from typing import Optional
def fn(x: torch.Tensor) -> Optional:
    return (x, x)


f = torch.jit.script(fn)
