# written for issue #16
# inputs: ()
import torch
from typing import List


from typing import List
def fn(x: List[int] = [1, 2]) -> int:
    return len(x)


f = torch.jit.script(fn)
