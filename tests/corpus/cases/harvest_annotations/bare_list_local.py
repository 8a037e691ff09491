# written for issue #16
import typing
import torch
from typing import Any, Dict, List, Optional, Tuple


def fn(x: int) -> int:
    y: List = []
    return 1


f = torch.jit.script(fn)
