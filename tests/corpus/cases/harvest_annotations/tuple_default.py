# written for issue #16
# inputs: ()
import torch
from typing import List


from typing import Tuple
def fn(x: Tuple[int, int] = (1, 2)) -> int:
    return x[0] + x[1]


f = torch.jit.script(fn)
