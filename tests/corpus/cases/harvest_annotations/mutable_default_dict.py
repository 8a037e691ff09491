# written for issue #16
import torch
from typing import List


from typing import Dict
def fn(x: Dict[str, int] = {"a": 1}) -> int:
    return len(x)


f = torch.jit.script(fn)
