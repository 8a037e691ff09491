# written for issue #16
import torch
from typing import List


from typing import List, Optional
def fn(x: Optional[List[int]]) -> int:
    return x[0]


f = torch.jit.script(fn)
