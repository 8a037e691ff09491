# written for issue #16
# inputs: ()
import torch
from typing import List


def fn() -> int:
    x = 1
    del x
    x = 2
    return x


f = torch.jit.script(fn)
