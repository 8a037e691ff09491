#!/usr/bin/env bash
# The one command that runs every test, on a fresh machine too: it sets up the
# PyTorch reference environment (once, outside the repo), checks formatting and
# lints, then runs the whole test suite. With TSY_REFERENCE_PYTHON exported, the
# interop tests (tests/interop/) run and fail if the environment is broken; a
# plain `cargo test` skips them when the environment is not ready.
set -euo pipefail
cd "$(dirname "$0")/.."

TSY_REFERENCE_PYTHON="$(scripts/reference-env.sh)"
export TSY_REFERENCE_PYTHON

# tests/nvim.rs drives `tsc lsp` from Neovim's built-in LSP client.
if ! command -v nvim >/dev/null; then
    if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
    $sudo apt-get update -qq && $sudo apt-get install -y --no-install-recommends neovim
fi
export TSY_REQUIRE_NVIM=1

# The fuzz tests draw the same cases on every run here, so a result never
# depends on luck; a plain `cargo test` draws new ones (and has found bugs).
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261126}"

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
# The portable build (the system allocator, as on macOS and Windows) compiles too.
cargo clippy --locked --all-targets --features system-alloc -- -D warnings
# tests/hostile.rs holds hostile sources to the time and memory a user's
# machine gives the release binary, so it runs that binary.
cargo build --locked --release --bin tsc
export TSY_RELEASE_TSC="$PWD/target/release/tsc"
cargo test --locked --all-targets
