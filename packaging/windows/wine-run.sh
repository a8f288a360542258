#!/bin/sh
# Runs a cross-built Portwatch program under Wine, as CTest's emulator and for trying it by hand:
#   packaging/windows/wine-run.sh build-win/bin/portwatch-cli.exe who 80
# Wine's prefix is PORTWATCH_WINEPREFIX (default: a prefix of its own under build-win/, so no test ever
# touches a real Wine setup); Qt's and mingw's DLLs come from PORTWATCH_QT_PREFIX/bin through WINEPATH.
# Windows programs get a display only where DISPLAY is set (cross.sh test starts Xvfb on :93).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${PORTWATCH_QT_PREFIX:=/opt/qt6.4.2-mingw64}"
if [ -z "${PORTWATCH_WINEPREFIX:-}" ]; then
    PORTWATCH_WINEPREFIX=$(cd "$here/../.." && pwd)/build-win/wineprefix
fi
mkdir -p "$PORTWATCH_WINEPREFIX"
export WINEPREFIX="$PORTWATCH_WINEPREFIX"
export WINEPATH="Z:$(printf '%s' "$PORTWATCH_QT_PREFIX/bin" | tr / '\\')"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
exec wine "$@"
