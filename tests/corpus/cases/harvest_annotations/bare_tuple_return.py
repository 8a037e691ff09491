# from pytorch test/jit/test_types.py
import torch
from typing import List


from typing import Tuple
def fn(x: torch.Tensor) -> Tuple:
    return (x, x)


f = torch.jit.script(fn)
