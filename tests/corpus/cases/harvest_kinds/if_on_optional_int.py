# written for issue #16
import torch
from typing import List


from typing import Optional
def fn(s: Optional[int]) -> int:
    if s:
        return 1
    return 0


f = torch.jit.script(fn)
