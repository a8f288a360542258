#!/usr/bin/env bash
# Portwatch for Windows, cross-built on Debian 12 with mingw-w64 and tested under Wine:
#   packaging/windows/cross.sh build   configure and build the engine, the core, portwatch-cli.exe
#                                      and the Windows tests into build-win/ (warnings are errors)
#   packaging/windows/cross.sh test    build, then run the tests through CTest under Wine, with an
#                                      Xvfb display on :93 for the window tests
#   packaging/windows/cross.sh ci      `test` where Qt for Windows (prefix or shared tarball) is
#                                      present; otherwise says loudly that the stage is skipped, and why
# Qt for Windows: QT_PREFIX (default /opt/qt6.4.2-mingw64). When it is missing and the shared tarball
# is there (QT_TARBALL, default ../shared/windows/qt6.4.2-mingw64.tar.xz beside this checkout), it is unpacked into
# QT_PREFIX's parent; otherwise build Qt with build-qt-mingw.sh PREFIX (about an hour) and set QT_PREFIX.
# Environment: BUILD_DIR (default build-win), JOBS (default: number of cores).
# Exit status: 0 built (and tests passed); 1 a build or test failed; 2 something needed is missing
# (the message names it).
set -euo pipefail

cd "$(dirname "$0")/../.."
QT_PREFIX=${QT_PREFIX:-/opt/qt6.4.2-mingw64}
SHARED_WINDOWS=$(cd .. && pwd)/shared/windows
QT_TARBALL=${QT_TARBALL:-$SHARED_WINDOWS/qt6.4.2-mingw64.tar.xz}
BUILD_DIR=${BUILD_DIR:-build-win}
JOBS=${JOBS:-$(nproc)}
XVFB_DISPLAY=${XVFB_DISPLAY:-:93}

# Debian packages for the cross build and the Wine test run.
PACKAGES=(cmake ninja-build mingw-w64 g++-mingw-w64-x86-64-posix qt6-base-dev-tools libspdlog-dev libfmt-dev wine wine64 xvfb)

say() { echo "portwatch-windows: $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
    local missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_qt() {
    if [ -x "$QT_PREFIX/bin/qt-cmake" ]; then
        return
    fi
    if [ -r "$QT_TARBALL" ]; then
        say "unpacking $QT_TARBALL into $(dirname "$QT_PREFIX")"
        mkdir -p "$(dirname "$QT_PREFIX")"
        tar -xJf "$QT_TARBALL" -C "$(dirname "$QT_PREFIX")"
        [ -x "$QT_PREFIX/bin/qt-cmake" ] && return
    fi
    say "no Qt for Windows at $QT_PREFIX and no tarball at $QT_TARBALL."
    say "build one with: $SHARED_WINDOWS/build-qt-mingw.sh $QT_PREFIX   (about an hour), then run again"
    say "(or point QT_PREFIX at an existing mingw-w64 Qt 6.4 prefix)."
    exit 2
}

build() {
    install_missing
    ensure_qt
    "$QT_PREFIX/bin/qt-cmake" -S . -B "$BUILD_DIR" -G Ninja \
        -DQT_CHAINLOAD_TOOLCHAIN_FILE="$PWD/packaging/windows/toolchain-mingw64.cmake" \
        -DQT_HOST_PATH=/usr \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPORTWATCH_WERROR=ON -DBUILD_TESTING=ON \
        ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER="$CMAKE_CXX_COMPILER_LAUNCHER"}
    cmake --build "$BUILD_DIR" --parallel "$JOBS"
}

run_tests() {
    build
    export PORTWATCH_QT_PREFIX="$QT_PREFIX"
    export PORTWATCH_WINEPREFIX="${PORTWATCH_WINEPREFIX:-$PWD/$BUILD_DIR/wineprefix}"
    # A fresh prefix is made once (wineboot, about a minute); the tests then share it.
    if [ ! -f "$PORTWATCH_WINEPREFIX/system.reg" ]; then
        say "creating the Wine prefix $PORTWATCH_WINEPREFIX"
        packaging/windows/wine-run.sh wineboot --init >/dev/null 2>&1 || true
    fi
    local xvfb_pid=""
    if command -v Xvfb >/dev/null; then
        Xvfb "$XVFB_DISPLAY" -screen 0 1024x768x24 -nolisten tcp >"$BUILD_DIR/xvfb.log" 2>&1 &
        xvfb_pid=$!
        export DISPLAY="$XVFB_DISPLAY"
        sleep 1 # Xvfb needs a moment before the first window; the tests say so if it did not start
        if ! kill -0 "$xvfb_pid" 2>/dev/null; then
            say "Xvfb did not start on $XVFB_DISPLAY ($(tail -1 "$BUILD_DIR/xvfb.log")): window tests will skip"
            xvfb_pid=""
        fi
    else
        say "no Xvfb: the tests that need a window will say so and skip"
        unset DISPLAY
    fi
    local status=0
    # shellcheck disable=SC2086 # CTEST_ARGS: extra ctest arguments, e.g. "-R tst_wincli"
    ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 ${CTEST_ARGS:-} || status=1
    if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
    WINEPREFIX="$PORTWATCH_WINEPREFIX" wineserver -k >/dev/null 2>&1 || true
    return $status
}

ci() {
    if [ ! -x "$QT_PREFIX/bin/qt-cmake" ] && [ ! -r "$QT_TARBALL" ]; then
        say "=================================================================================="
        say "SKIPPED: the Windows stage (cross build and Wine tests) did not run: no Qt for Windows"
        say "at $QT_PREFIX and no tarball at $QT_TARBALL (see packaging/windows/cross.sh)."
        say "=================================================================================="
        return 0
    fi
    local started=$SECONDS
    run_tests
    say "Windows stage took $((SECONDS - started)) s"
}

case "${1:-}" in
    build) build ;;
    test) run_tests ;;
    ci) ci ;;
    *) echo "usage: $0 build | test | ci" >&2; exit 2 ;;
esac
