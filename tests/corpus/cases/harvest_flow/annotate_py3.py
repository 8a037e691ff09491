# from pytorch test/jit/test_types.py
# inputs: ()
import torch
from typing import List


from typing import List, Optional
def fn():
    a: List[int] = []
    b: torch.Tensor = torch.ones(2, 2)
    c: Optional[torch.Tensor] = None
    d: Optional[torch.Tensor] = torch.ones(3, 4)
    for _ in range(10):
        a.append(4)
        c = torch.ones(2, 2)
        d = None
    return a, b, c, d


f = torch.jit.script(fn)
