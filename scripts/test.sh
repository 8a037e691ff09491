#!/usr/bin/env bash
# The one command that runs every test, on a fresh machine too: it sets up the
# PyTorch reference environment (once, outside the repo), checks formatting and
# lints, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

TSY_REFERENCE_PYTHON="$(scripts/reference-env.sh)"
export TSY_REFERENCE_PYTHON

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
