# written for issue #16
# inputs: ([],)
# inputs: ([1],)
import torch
from typing import List


from typing import List
def fn(x: List[int]) -> bool:
    return bool(x)


f = torch.jit.script(fn)
