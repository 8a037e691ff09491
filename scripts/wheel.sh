#!/usr/bin/env bash
# `pip install tsy` end to end, on demand (scripts/test.sh leaves it out: a
# release build of the wheel takes many minutes): builds the wheel with
# maturin (its `bin` bindings put `tsc` in the wheel's scripts), installs
# it into a fresh virtual environment, and runs the installed `tsc` and
# `python -m tsy` on the examples. TSY_WHEEL_PROFILE=dev builds faster.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/build"
"$work/build/bin/pip" install --quiet 'maturin>=1.5,<2.0'
"$work/build/bin/maturin" build --locked --profile "${TSY_WHEEL_PROFILE:-release}" --out "$work/dist"
python3 -m venv "$work/env"
"$work/env/bin/pip" install --quiet "$work"/dist/tsy-*.whl
version="tsc $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
test "$("$work/env/bin/tsc" --version)" = "$version"
test "$("$work/env/bin/python" -m tsy --version)" = "$version"
"$work/env/bin/tsc" check examples/resnet18.tsy
status=0
"$work/env/bin/python" -m tsy check --format short examples/chatbot_unfixed.tsy >/dev/null || status=$?
test "$status" = 1
echo "wheel ok: $(basename "$work"/dist/tsy-*.whl) installs $version; python -m tsy runs it"
