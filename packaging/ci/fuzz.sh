#!/usr/bin/env bash
# CI stage: the libFuzzer targets of tests/fuzz (clang, ASan + UBSan), each run on its seed corpus.
#   packaging/ci/fuzz.sh             build, then run every target for FUZZ_SECONDS (default 60) seconds
#   packaging/ci/fuzz.sh long N      build, then run every target for N executions (-runs=N)
#   packaging/ci/fuzz.sh build       build only
# Environment: FUZZ_BUILD_DIR (default: build-fuzz), JOBS (default: number of cores), FUZZ_TARGETS
# (default: all: portspec config history procnet netlink procfs), FUZZ_SECONDS.
# Any crash, sanitizer report, leak, timeout or broken property fails the stage; the input that did
# it is left in $FUZZ_BUILD_DIR/artifacts/. What a run finds beyond the seeds goes to
# $FUZZ_BUILD_DIR/corpus/<target>/, never into the committed corpus. See docs/fuzzing.md.
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
TARGETS=(${FUZZ_TARGETS:-portspec config history procnet netlink procfs})
mode=${1:-ci}
case "$mode" in
    ci) limit=(-max_total_time="${FUZZ_SECONDS:-60}") ;;
    long) [ -n "${2:-}" ] || { echo "usage: $0 long RUNS" >&2; exit 2; }; limit=(-runs="$2") ;;
    build) ;;
    *) echo "usage: $0 [build | long RUNS]" >&2; exit 2 ;;
esac

# clang and libFuzzer (libclang-rt-14-dev), llvm-symbolizer for readable stacks; all from Debian 12.
PACKAGES=(clang libclang-rt-14-dev llvm)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "fuzz: installing ${missing[*]}"
    as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

started=$(date +%s)
launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake --preset fuzz -B "$BUILD_DIR" "${launcher[@]}"
cmake --build "$BUILD_DIR" --parallel "$JOBS" --target fuzzers
echo "fuzz: built in $(($(date +%s) - started)) s"
[ "$mode" = build ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || true)}
# The history target writes its input to a file for the real loader: keep that off the disk.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
fi

dictionary() {
    case "$1" in
        portspec) echo tests/fuzz/dict/portspec.dict ;;
        config | history) echo tests/fuzz/dict/json.dict ;;
    esac
}

mkdir -p "$BUILD_DIR/artifacts"
summary=()
status=0
for target in "${TARGETS[@]}"; do
    binary="$BUILD_DIR/tests/fuzz/portwatch-fuzz-$target"
    corpus="$BUILD_DIR/corpus/$target"
    log="$BUILD_DIR/fuzz-$target.log"
    mkdir -p "$corpus"
    options=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$BUILD_DIR/artifacts/$target-")
    dict=$(dictionary "$target")
    [ -n "$dict" ] && options+=(-dict="$dict")
    echo "fuzz: $target: ${limit[*]}"
    target_status=0
    "$binary" "${options[@]}" "${limit[@]}" "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1 || target_status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$target_status" -ne 0 ]; then
        status=1
        summary+=("$target: FAILED (exit $target_status), log $log")
        tail -n 60 "$log"
    else
        summary+=("$target: ${runs:-?} executions, ${speed:-?} exec/s, no crash")
    fi
done
echo "fuzz: summary ($(($(date +%s) - started)) s in all):"
printf '  %s\n' "${summary[@]}"
exit "$status"
