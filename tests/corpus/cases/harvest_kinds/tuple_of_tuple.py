# written for issue #16
# inputs: ((1, 2),)
import torch
from typing import List


from typing import Tuple
def fn(x: Tuple[int, int]) -> Tuple[int, int]:
    return tuple(x)


f = torch.jit.script(fn)
