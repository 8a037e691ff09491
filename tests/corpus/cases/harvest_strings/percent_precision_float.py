# written for issue #16
# inputs: (3.14159,)
import torch
from typing import List


def fn(x: float) -> str:
    return "loss %.2f" % x


f = torch.jit.script(fn)
