# written for issue #16
import torch
from typing import List


from typing import List
def fn(x: List[int]) -> int:
    return x(0)


f = torch.jit.script(fn)
