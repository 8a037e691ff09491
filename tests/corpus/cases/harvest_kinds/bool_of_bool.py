# written for issue #16
# inputs: (True,)
import torch
from typing import List


def fn(b: bool) -> bool:
    return bool(b)


f = torch.jit.script(fn)
