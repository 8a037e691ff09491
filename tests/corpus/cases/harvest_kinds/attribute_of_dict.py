# written for issue #16
import torch
from typing import List


from typing import Dict
def fn(x: Dict[str, int]) -> int:
    return x.foo


f = torch.jit.script(fn)
