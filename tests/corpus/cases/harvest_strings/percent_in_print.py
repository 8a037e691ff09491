# written for issue #16
# inputs: (3,)
import torch
from typing import List


def fn(n: int) -> int:
    print("step %d of %d" % (n, 10))
    return n


f = torch.jit.script(fn)
