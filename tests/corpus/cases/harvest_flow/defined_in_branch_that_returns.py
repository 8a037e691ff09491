# written for issue #16
# inputs: (True,)
# inputs: (False,)
import torch
from typing import List


def fn(c: bool) -> int:
    if c:
        return 0
    else:
        y = 2
    return y


f = torch.jit.script(fn)
