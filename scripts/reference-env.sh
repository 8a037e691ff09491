#!/usr/bin/env bash
# Creates (once) and reuses the PyTorch reference environment that interop tests
# compare against. Prints the environment's python path on stdout.
# Lives outside the repo: ${TSY_REFERENCE_ENV:-$HOME/.cache/tsy/torch-2.5.1}.
set -euo pipefail
env_dir="${TSY_REFERENCE_ENV:-$HOME/.cache/tsy/torch-2.5.1}"
stamp="$env_dir/.tsy-ready"
if [ ! -f "$stamp" ]; then
  echo "reference-env: installing torch==2.5.1 into $env_dir (once; ~3 GB)" >&2
  python3 -m venv "$env_dir"
  "$env_dir/bin/python" -m pip install --quiet --upgrade pip >&2
  "$env_dir/bin/python" -m pip install --quiet torch==2.5.1 numpy safetensors >&2
  "$env_dir/bin/python" -c "import torch; assert torch.__version__.startswith('2.5.1'), torch.__version__" >&2
  touch "$stamp"
fi
echo "$env_dir/bin/python"
