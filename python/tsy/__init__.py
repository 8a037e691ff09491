"""tsy: the `tsc` toolchain for the TorchScript subset of Python.

The package carries the `tsc` binary; `python -m tsy ARGS` runs it.
"""

from ._find import find_tsc

__all__ = ["find_tsc"]
