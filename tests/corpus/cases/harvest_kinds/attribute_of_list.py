# written for issue #16
import torch
from typing import List


from typing import List
def fn(xs: List[int]) -> int:
    return xs.size


f = torch.jit.script(fn)
