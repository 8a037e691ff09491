# written for issue #16
import torch
from typing import List


from typing import List
def fn(x: List[int]):
    return tuple(x)


f = torch.jit.script(fn)
