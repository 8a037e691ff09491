"""`python -m tsy ARGS`: runs `tsc ARGS`."""

import os
import subprocess
import sys

from ._find import find_tsc


def main() -> None:
    tsc = find_tsc()
    if sys.platform == "win32":
        sys.exit(subprocess.call([tsc, *sys.argv[1:]]))
    os.execv(tsc, [tsc, *sys.argv[1:]])


if __name__ == "__main__":
    main()
