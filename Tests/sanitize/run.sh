#!/usr/bin/env bash
# The whole Swift test suite under one sanitizer (make test-sanitize runs address, then thread):
#
#   Tests/sanitize/run.sh address|thread
#
# Builds in its own scratch path (.build-asan, .build-tsan: instrumented objects never mix with the normal
# build), then runs every test; the integration tests start the instrumented suno-exporter next to the
# test bundle, so child processes are checked too. Any report fails the run. Suppressions, each with the
# reason it is no bug of the exporter, are in Tests/sanitize/{address,leak,thread}.supp.
set -euo pipefail
cd "$(dirname "$0")/../.."

sanitizer="${1:?usage: Tests/sanitize/run.sh address|thread}"
case "$sanitizer" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) echo "unknown sanitizer $sanitizer" >&2; exit 2 ;;
esac
reports="$PWD/$scratch/sanitizer-reports"
started=$(date +%s)
swift build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer"
built=$(date +%s)

# Reports go to files, one per process (log_path), so those of the suno-exporter children the integration
# tests start count too; halt_on_error=0 lets a run print every report instead of stopping at the first.
rm -rf "$reports"
mkdir -p "$reports"
supp="$PWD/Tests/sanitize"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=0:log_path=$reports/asan:suppressions=$supp/address.supp"
export LSAN_OPTIONS="suppressions=$supp/leak.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=0:log_path=$reports/tsan:suppressions=$supp/thread.supp:print_suppressions=0"
# Tests left out under the sanitizers, none for a sanitizer report (the last full runs had none): they
# measure what a sanitizer changes by design.
# - theExporterPeakMemoryStaysNearTheLimit: peak RSS of a gzip bomb; ASan's quarantine keeps freed memory.
# - theKeyAppearsNowhereWhateverHappens: crashes the binary on purpose and reads Swift's crash report;
#   the sanitizer runtime owns SIGSEGV and prints its own report instead (and its polls miss their bounds).
# - aFullDiskAtStartUp: runs the binary under a 16 KiB file size limit, in which TSan's runtime itself
#   dies ("DEADLYSIGNAL ... nested bug") before the exporter starts.
# - aSlowGatewayTimesOutAndIsRetried, theAnswerReachesTheClientByteForByte,
#   scrapesAreAnsweredWhileSubmitsWaitForASlowGateway: time bounds that a 5-20x slowdown with every test
#   at once exceeds (measured 54-72 s).
skip="theExporterPeakMemoryStaysNearTheLimit|theKeyAppearsNowhereWhateverHappens|aFullDiskAtStartUp"
skip="$skip|aSlowGatewayTimesOutAndIsRetried|theAnswerReachesTheClientByteForByte"
skip="$skip|scrapesAreAnsweredWhileSubmitsWaitForASlowGateway"
# Every test server is on loopback: a proxy from the environment must never see those requests.
status=0
no_proxy=localhost,127.0.0.1,::1 NO_PROXY=localhost,127.0.0.1,::1 \
    swift test --skip-build --scratch-path "$scratch" --sanitize="$sanitizer" --disable-xctest \
    --skip "$skip" || status=$?
finished=$(date +%s)
found=$(grep -lE "ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer" "$reports"/* 2>/dev/null || true)
for file in $found; do
    echo "---- $file"
    head -60 "$file"
done
count=$(cat $found /dev/null | grep -cE "ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer" || true)
echo "sanitize $sanitizer: build $((built - started)) s, tests $((finished - built)) s, test exit $status," \
    "$count report(s) in $(echo $found | wc -w) process(es)"
[ "$status" -eq 0 ] && [ "$count" -eq 0 ]
