# written for issue #16
# inputs: ([1, 2, 1],)
import torch
from typing import List


from typing import List
def fn(x: List[int]) -> int:
    return x.count(1)


f = torch.jit.script(fn)
