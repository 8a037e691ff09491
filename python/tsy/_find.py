"""Where pip put the `tsc` binary of this package."""

import os
import sys
import sysconfig


def find_tsc() -> str:
    """The path of `tsc`: in the scripts folder of the environment tsy is
    installed in (a virtual environment, the system's, or the user's)."""
    name = "tsc" + (sysconfig.get_config_var("EXE") or "")
    schemes = [sysconfig.get_default_scheme()] if hasattr(sysconfig, "get_default_scheme") else []
    user = "nt_user" if os.name == "nt" else ("osx_framework_user" if sys.platform == "darwin" and sys._framework else "posix_user")
    folders = [sysconfig.get_path("scripts")]
    folders += [sysconfig.get_path("scripts", scheme) for scheme in schemes + [user]]
    for folder in folders:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"{name} is not in {', '.join(dict.fromkeys(folders))}")
