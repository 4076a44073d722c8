#!/usr/bin/env bash
# libFuzzer runs of the exporter's parsers (Sources/suno-fuzz): builds the fuzz binary in .build-fuzz with
# --sanitize=fuzzer,address, then fuzzes each target for SECONDS, seeded from Tests/fuzz/corpus/<target>.
#
#   Tests/fuzz/run.sh SECONDS [TARGET...]      (default: every target)
#
# New inputs go to .build-fuzz/corpus/<target> (kept between runs, never into the checked-in seeds).
# A crash, a broken property or a hang stops that target: its input is saved under
# .build-fuzz/artifacts/<target>/, printed in base64, and the script fails at the end.
# FUZZ_SKIP_BUILD=1 reuses the last build. Targets run one after another (one core each is plenty).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${1:?usage: Tests/fuzz/run.sh SECONDS [TARGET...]}"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gateway-decoder api-bodies content-negotiation flags exposition)
scratch=.build-fuzz

mkdir -p "$scratch"
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    started=$(date +%s)
    # -DSUNO_FUZZING swaps the replay main for libFuzzer's entry points (Sources/suno-fuzz/FuzzEntry.swift).
    # With address beside fuzzer, swiftc (6.3) drops the coverage instrumentation libFuzzer is guided by
    # ("no interesting inputs were found"), so the coverage kinds are named explicitly.
    swift build --scratch-path "$scratch" --sanitize=fuzzer --sanitize=address \
        -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table -Xswiftc -DSUNO_FUZZING \
        --product suno-fuzz >"$scratch/build.log" 2>&1 || { cat "$scratch/build.log"; exit 1; }
    echo "fuzz build: $(($(date +%s) - started)) s"
fi
binary="$(swift build --scratch-path "$scratch" --show-bin-path)/suno-fuzz"

failed=()
for target in "${targets[@]}"; do
    [ -d "Tests/fuzz/corpus/$target" ] || { echo "no seed corpus Tests/fuzz/corpus/$target" >&2; exit 2; }
    work="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target/"
    mkdir -p "$work" "$artifacts"
    dict=()
    [ -f "Tests/fuzz/dict/$target.dict" ] && dict=("-dict=Tests/fuzz/dict/$target.dict")
    log="$scratch/fuzz-$target.log"
    # Swift's backtracer would take the trap before libFuzzer can save the input; ASan's leak check
    # stays on (libFuzzer reports an input that leaks).
    status=0
    SUNO_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no \
        "$binary" "$work" "Tests/fuzz/corpus/$target" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus=$(ls "$work" | wc -l)
    if [ "$status" -eq 0 ]; then
        echo "fuzz $target: ${runs:-?} executions in ${seconds} s, corpus $corpus inputs, no failure"
    else
        echo "fuzz $target: FAILED (exit $status) after ${runs:-?} executions; last lines of $log:"
        grep -E "fuzz property broken|Fatal error|ERROR: |SUMMARY|Test unit written|Base64" "$log" | tail -8 | sed 's/^/    /'
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found failures in: ${failed[*]} (replay an input: SUNO_FUZZ_TARGET=<target> $(swift build --show-bin-path)/suno-fuzz <file>)"
    exit 1
fi
