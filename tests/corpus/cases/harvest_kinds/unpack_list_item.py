# written for issue #16
import torch
from typing import List


from typing import List
def fn(x: List[int]) -> int:
    a, b = x[0]
    return a


f = torch.jit.script(fn)
