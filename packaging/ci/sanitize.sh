#!/usr/bin/env bash
# CI stage: every test under AddressSanitizer + UndefinedBehaviorSanitizer (g++), leak checking on.
#   packaging/ci/sanitize.sh          configure (preset "sanitize"), build, run the whole suite
# Environment: SANITIZE_BUILD_DIR (default: build-sanitize), JOBS (default: number of cores),
#              SANITIZE_EXCLUDE (ctest -E regex of tests to skip; default: none).
# Every process a test starts (portwatch-cli, portwatch, the listener helper) is built sanitized too
# and inherits the options below; ASan and LSan reports go to files under the build dir, not to the
# test's stderr, so a report from a child process is not lost in a test that only looks at exit codes.
# The stage fails when any test fails or any report file exists. See docs/sanitizers.md.
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD_DIR=${SANITIZE_BUILD_DIR:-build-sanitize}
JOBS=${JOBS:-$(nproc)}
started=$(date +%s)

launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake --preset sanitize -B "$BUILD_DIR" "${launcher[@]}"
cmake --build "$BUILD_DIR" --parallel "$JOBS"
built=$(date +%s)

reports="$(pwd)/$BUILD_DIR/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
chmod 1777 "$reports" # tests drop privileges to nobody for some children
common="halt_on_error=1:abort_on_error=0:print_stacktrace=1:log_path=$reports"
export ASAN_OPTIONS="$common/asan:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_odr_violation=2"
# g++'s UBSan, linked together with ASan, ignores log_path and reports on the process's stderr; it
# aborts, so a child's undefined behaviour shows in its test as a crash (QProcess::CrashExit), not
# as an exit status a test might expect (portwatch-cli's 1 is "no").
export UBSAN_OPTIONS="$common/ubsan:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$(pwd)/tests/sanitizers/lsan.supp:print_suppressions=0"
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || true)}

exclude=()
if [ -n "${SANITIZE_EXCLUDE:-}" ]; then
    echo "sanitize: skipping tests matching '$SANITIZE_EXCLUDE' (SANITIZE_EXCLUDE)"
    exclude=(-E "$SANITIZE_EXCLUDE")
fi
status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$JOBS" --timeout 600 "${exclude[@]}" || status=$?

found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
    echo "sanitize: sanitizer reports (from tests or the processes they started):"
    for report in $found; do
        echo "==== $report"
        cat "$report"
    done
    status=1
fi
finished=$(date +%s)
echo "sanitize: build $((built - started)) s, tests $((finished - built)) s, stage $((finished - started)) s"
if [ "$status" -ne 0 ]; then
    echo "sanitize: FAILED"
    exit "$status"
fi
echo "sanitize: the whole suite passed under ASan + UBSan with leak checking, and no process reported anything"
