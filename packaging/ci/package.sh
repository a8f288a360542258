#!/usr/bin/env bash
# CI stage: the Debian package as a user gets it. Builds it (packaging/dev.sh package), holds it to
# lintian (no errors, no warnings), validates the AppStream metainfo and the desktop entry, verifies
# the systemd unit, installs it with apt, runs the installed programs, then purges it and checks that
# nothing it installed is left. Run as root (or with sudo) on Debian 12; called from dev.sh test.
set -euo pipefail

cd "$(dirname "$0")/../.."
started=$(date +%s)
step() { echo "package.sh: [$(($(date +%s) - started)) s] $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

TOOLS=(lintian appstream desktop-file-utils dpkg-dev fakeroot systemd man-db)
missing=()
for package in "${TOOLS[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

step "building the package"
packaging/dev.sh package
dir=${PACKAGE_BUILD_DIR:-build-package}
deb=$(ls "$PWD/$dir"/portwatch_*.deb)

step "lintian $deb"
# --fail-on warning: an error or a warning fails the stage; info tags are printed, not fatal.
lintian --fail-on error,warning --info --display-info "$deb"

step "validating the metainfo, the desktop entry and the systemd unit"
appstreamcli validate --no-net --explain "$dir/src/app/io.github.portwatch.Portwatch.metainfo.xml"
desktop-file-validate "$dir/src/app/portwatch.desktop"
# systemd-analyze verify (below) runs once the package is installed: it checks that the binaries the unit
# names exist at their absolute paths. systemd need not be PID 1 for it.

step "installing with apt"
if dpkg-query -W -f='${Status}' portwatch 2>/dev/null | grep -q 'install ok installed'; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq portwatch
fi
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb"
installed=$(mktemp)
dpkg -L portwatch >"$installed"

step "running the installed programs"
/usr/bin/portwatch-cli --version
/usr/bin/portwatch-cli who >/dev/null
QT_QPA_PLATFORM=offscreen /usr/bin/portwatch --version
man -w portwatch-cli >/dev/null
man -w portwatch >/dev/null
# A setting systemd cannot parse is only a logged warning there, so any output fails the check.
verify=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no /lib/systemd/system/portwatch-watch.service 2>&1) \
    && [ -z "$verify" ] || { echo "package.sh: systemd-analyze verify: $verify" >&2; exit 1; }

step "purging"
as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq portwatch
left=()
while IFS= read -r path; do
    # Directories shared with other packages (/usr/bin, /usr/share/man/man1, ...) stay, as they should.
    if [ -e "$path" ] && [ ! -d "$path" ]; then left+=("$path"); fi
    if [ -d "$path" ] && [[ $path == */portwatch ]]; then left+=("$path"); fi
done <"$installed"
rm -f "$installed"
if [ ${#left[@]} -gt 0 ]; then
    echo "package.sh: left after purge: ${left[*]}" >&2
    exit 1
fi
step "done: $(basename "$deb") is lintian-clean, installs, runs and purges cleanly"
