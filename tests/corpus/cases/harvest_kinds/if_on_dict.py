# written for issue #16
# inputs: ({},)
# inputs: ({"a": 1},)
import torch
from typing import List


from typing import Dict
def fn(x: Dict[str, int]) -> int:
    if x:
        return 1
    return 0


f = torch.jit.script(fn)
