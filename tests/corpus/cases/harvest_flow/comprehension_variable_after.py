# written for issue #16
import torch
from typing import List


from typing import List
def fn(xs: List[int]) -> int:
    ys = [v * 2 for v in xs]
    return v


f = torch.jit.script(fn)
