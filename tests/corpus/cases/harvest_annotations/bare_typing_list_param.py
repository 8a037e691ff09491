# written for issue #16
import typing
import torch
from typing import Any, Dict, List, Optional, Tuple


def fn(x: typing.List) -> int:
    return 1


f = torch.jit.script(fn)
