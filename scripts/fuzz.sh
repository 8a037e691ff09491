#!/usr/bin/env bash
# Runs the coverage-guided fuzz targets of fuzz/ (cargo fuzz, nightly) for
# SECONDS each, seeded from the model sources in the repository and the
# binary seeds in fuzz/seeds/, with fuzz/python.dict for the source targets.
#
#   scripts/fuzz.sh SECONDS [TARGET...]      (default: every target)
#   scripts/fuzz.sh minimize [TARGET...]     fuzz/corpus/TARGET, merged down to the
#                                            inputs that add coverage (up to 2 kB each),
#                                            the first 100 kB of them by name (names are
#                                            hashes: a sample), into fuzz/corpus-min/TARGET
#                                            (committed, replayed by tests/fuzz_corpus.rs)
#
# Each target's growing corpus stays in fuzz/corpus/TARGET (not committed);
# a crash is written to fuzz/artifacts/TARGET/ and stops that target. A
# crash's input belongs in fuzz/regressions/TARGET/ with its fix, where
# tests/fuzz_corpus.rs replays it on stable. The last line per target says
# how many inputs ran in how long.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}"
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(parse evaluate check compile torch_save safetensors ptl)
fi

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
# tsc runs on a 256 MiB stack; the depth limits are sized for it. libFuzzer
# calls the target on the main thread, whose stack grows up to this limit.
ulimit -s 262144

if [ "$seconds" = minimize ]; then
    for target in "${targets[@]}"; do
        rm -rf "fuzz/corpus-min/$target"
        mkdir -p "fuzz/corpus-min/$target"
        (cd fuzz && cargo +nightly fuzz run --sanitizer none --debug-assertions "$target" \
            "$PWD/../fuzz/corpus-min/$target" "$PWD/../fuzz/corpus/$target" -- -merge=1 -max_len=2048) \
            >"fuzz/corpus/$target.merge.log" 2>&1
        total=0
        for file in $(ls "fuzz/corpus-min/$target" | sort); do
            size=$(stat -c %s "fuzz/corpus-min/$target/$file")
            if [ $((total + size)) -gt 100000 ]; then
                rm "fuzz/corpus-min/$target/$file"
            else
                total=$((total + size))
            fi
        done
        echo "$target: $(ls "fuzz/corpus-min/$target" | wc -l) inputs, $(cat "fuzz/corpus-min/$target"/* | wc -c) bytes"
    done
    exit 0
fi

for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    case "$target" in
        parse | evaluate | check | compile)
            seeds=(tests/corpus/cases examples tests/fixtures "fuzz/corpus-min/$target")
            dict=("-dict=$PWD/fuzz/python.dict")
            ;;
        torch_save | safetensors | ptl)
            seeds=("fuzz/seeds/$target" "fuzz/corpus-min/$target")
            dict=()
            ;;
        *)
            echo "unknown target $target" >&2
            exit 2
            ;;
    esac
    existing=()
    for dir in "${seeds[@]}" "fuzz/regressions/$target"; do
        [ -d "$dir" ] && existing+=("$PWD/$dir")
    done
    log="fuzz/corpus/$target.log"
    # No sanitizer: the crate forbids unsafe code outside the allocator and
    # the weights mapping, neither of which the targets use; overflow checks
    # and debug assertions are what find bugs here.
    (cd fuzz && cargo +nightly fuzz run --sanitizer none --debug-assertions "$target" \
        "$PWD/../$corpus" "${existing[@]}" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
        -print_final_stats=1 "${dict[@]}") >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    time=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "$seconds")
    echo "$target: $runs executions in ${time} s$( [ "${status:-0}" -ne 0 ] && echo ", CRASHED (see $log)")"
    unset status
done
