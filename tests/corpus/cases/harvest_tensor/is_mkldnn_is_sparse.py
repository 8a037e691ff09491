# written for issue #16
# inputs: (torch.ones(2),)
import torch
from typing import List


def fn(x: torch.Tensor) -> bool:
    return x.is_sparse or x.is_mkldnn or x.is_quantized or x.is_meta


f = torch.jit.script(fn)
