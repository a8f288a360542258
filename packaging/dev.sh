#!/usr/bin/env bash
# Portwatch from a source checkout, on Debian 12:
#   packaging/dev.sh run  [ARGS...]  install what is missing, build, start Portwatch
#                                     (tray app on a desktop; `portwatch-cli watch` without one)
#   packaging/dev.sh test            install what is missing, build, run the whole test suite
#   packaging/dev.sh build           install what is missing and build
#   packaging/dev.sh package         install what is missing, build a release and the Debian package
#                                     (prints its path: install it with apt install ./portwatch_*.deb)
# Environment: BUILD_DIR (default: build), PACKAGE_BUILD_DIR (default: build-package),
# JOBS (default: number of cores).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

# Build and run-time dependencies, all from Debian 12.
PACKAGES=(
    cmake ninja-build g++
    qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqt6svg6 qt6-qpa-plugins
    libspdlog-dev
    dbus util-linux procps iproute2
    # tst_zshcompletion runs the zsh completion in zsh itself
    zsh
    # the Debian package: dependencies from the binaries (dpkg-shlibdeps), file ownership (fakeroot);
    # ccache, so the package build reuses the objects of the normal build
    dpkg-dev fakeroot ccache
)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
    local missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "portwatch: all build dependencies are installed"
        return
    fi
    echo "portwatch: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Both builds compile through ccache: the package build then costs links, not a second compile.
# Paths relative to the checkout and no working directory in the hash let the two build
# directories share objects.
LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER="${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}")
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

build() {
    install_missing
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPORTWATCH_WERROR=ON "${LAUNCHER[@]}"
    cmake --build "$BUILD_DIR" --parallel "$JOBS"
}

# A release build under /usr, packaged by CPack (packaging/CMakeLists.txt). It compiles with the
# same flags as `build`, so with ccache its objects are the ones `build` already made; Debian's
# hardening link flags (relro, bind now) are added and PIE is GCC's default; the compile-time ones
# (_FORTIFY_SOURCE, stack protector) would mean a second full compile on a busy CI machine.
package() {
    install_missing
    local dir=${PACKAGE_BUILD_DIR:-build-package}
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPORTWATCH_WERROR=ON \
        -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF \
        -DCMAKE_EXE_LINKER_FLAGS="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)" \
        "${LAUNCHER[@]}"
    cmake --build "$dir" --parallel "$JOBS"
    rm -f "$dir"/portwatch_*.deb
    (cd "$dir" && cpack -G DEB)
    local deb
    deb=$(ls "$dir"/portwatch_*.deb)
    echo "portwatch: built $deb"
    echo "portwatch: install it with: sudo apt install ./$deb"
}

run() {
    build
    if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
        echo "portwatch: starting the tray app (it lives in your panel's tray; quit from its menu)"
        exec "$BUILD_DIR/src/app/portwatch" "$@"
    fi
    echo "portwatch: no desktop here (neither DISPLAY nor WAYLAND_DISPLAY is set), so no tray icon;"
    echo "portwatch: starting the headless monitor instead: portwatch-cli watch (Ctrl-C stops it)."
    echo "portwatch: one-shot answers: $BUILD_DIR/src/cli/portwatch-cli who 80   |   ... kill 8080"
    exec "$BUILD_DIR/src/cli/portwatch-cli" watch "$@"
}

run_tests() {
    build
    # Tests bring their own headless platform (offscreen) and private D-Bus; no display is needed.
    ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$JOBS" --timeout 300
    # The Debian package: built, linted, installed, run from /usr/bin and purged.
    packaging/ci/package.sh
    # Windows: the cross build and its tests under Wine (skipped, loudly, without Qt for Windows).
    packaging/windows/cross.sh ci
    # The suite again under ASan + UBSan with leak checking, then every parser fuzzed for a minute.
    JOBS="$JOBS" packaging/ci/sanitize.sh
    JOBS="$JOBS" packaging/ci/fuzz.sh
}

case "${1:-}" in
    run) shift; run "$@" ;;
    test) run_tests ;;
    build) build ;;
    package) package ;;
    *) echo "usage: $0 run [ARGS...] | test | build | package" >&2; exit 2 ;;
esac
