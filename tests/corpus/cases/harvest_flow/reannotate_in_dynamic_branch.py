# written for issue #16
import torch
from typing import List


from typing import Optional
def fn(c: bool) -> int:
    x = 5
    if c:
        x: Optional[int] = 7
    return 1


f = torch.jit.script(fn)
