# written for issue #16
import torch
from typing import List


from typing import Optional
def fn(x: Optional[int]) -> int:
    return x.foo


f = torch.jit.script(fn)
