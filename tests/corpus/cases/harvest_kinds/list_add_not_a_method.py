# written for issue #16
import torch
from typing import List


from typing import List
def fn(x: List[int]) -> List[int]:
    return x.add([1])


f = torch.jit.script(fn)
