# written for issue #16
import torch
from typing import List


from typing import Dict
def fn(x: Dict) -> int:
    return len(x)


f = torch.jit.script(fn)
