# written for issue #16
# inputs: ({"a": 1, "b": 2},)
import torch
from typing import List


from typing import Dict
def fn(d: Dict[str, int]) -> int:
    n = 0
    for k in d:
        n += d[k]
    return n


f = torch.jit.script(fn)
