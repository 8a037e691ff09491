# written for issue #16
import torch
import torch.nn as nn
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple


class Decoder(nn.Module):
    n_layers = 2

    def forward(self, x):
        return x * Decoder.n_layers


f = torch.jit.script(Decoder())
