# written for issue #16
import torch
from typing import List


from typing import Dict
def fn(x: Dict[str, int]) -> str:
    a, b = x
    return a


f = torch.jit.script(fn)
