# written for issue #16
# inputs: ({"a": 1},)
import torch
from typing import List


from typing import Dict, List
def fn(d: Dict[str, int]) -> List[str]:
    d.setdefault("z", 3)
    return list(d.keys())


f = torch.jit.script(fn)
