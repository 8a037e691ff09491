# written for issue #16
import torch
from typing import List


from typing import Tuple
def fn(x: Tuple[int, int]) -> int:
    return x.foo


f = torch.jit.script(fn)
