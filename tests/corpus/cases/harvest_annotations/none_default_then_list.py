# written for issue #16
# inputs: ()
# inputs: ([3],)
import torch
from typing import List


from typing import List, Optional
def fn(x: Optional[List[int]] = None) -> int:
    if x is None:
        x = [1, 2]
    return len(x)


f = torch.jit.script(fn)
