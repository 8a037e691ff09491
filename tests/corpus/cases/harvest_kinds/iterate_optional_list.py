# written for issue #16
import torch
from typing import List


from typing import List, Optional
def fn(x: Optional[List[int]]) -> int:
    n = 0
    for i in x:
        n += i
    return n


f = torch.jit.script(fn)
