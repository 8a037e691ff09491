# written for issue #16
# inputs: ([1, 2, 3],)
import torch
from typing import List


from typing import List
def fn(xs: List[int]) -> int:
    n = 0
    while xs:
        xs.pop()
        n += 1
    return n


f = torch.jit.script(fn)
