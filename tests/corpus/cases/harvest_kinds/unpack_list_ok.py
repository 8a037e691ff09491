# written for issue #16
# inputs: ([1, 2],)
import torch
from typing import List


from typing import List
def fn(xs: List[int]) -> int:
    a, b = xs
    return a + b


f = torch.jit.script(fn)
