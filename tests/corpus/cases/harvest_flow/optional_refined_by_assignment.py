# written for issue #16
# inputs: (True,)
# inputs: (False,)
import torch
from typing import List


from typing import Optional
def fn(c: bool) -> int:
    x: Optional[int] = None
    if c:
        x = 3
    if x is None:
        return 0
    return x


f = torch.jit.script(fn)
