# written for issue #16
import torch
from typing import List


from typing import Dict
def fn() -> int:
    d: Dict[str, int] = {"a": 1.5}
    return len(d)


f = torch.jit.script(fn)
