# from pytorch test/jit/test_types.py
# inputs: (torch.ones(2),)
import torch
from typing import List


from typing import Dict, Tuple
def fn(x: torch.Tensor) -> Tuple[Tuple[torch.Tensor], Dict[str, int]]:
    xl: list[tuple[torch.Tensor]] = []
    xd: dict[str, int] = {}
    xl.append((x,))
    xd["foo"] = 1
    return xl.pop(), xd


f = torch.jit.script(fn)
