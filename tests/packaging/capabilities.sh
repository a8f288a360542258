#!/usr/bin/env bash
# Which capabilities portwatch-watch.service needs: runs `portwatch-cli who` as an unprivileged uid
# (as the service's DynamicUser does) with each set of capabilities, against a listener this test
# started as root on its own ephemeral port, and checks that the owner is visible exactly when both
# CAP_SYS_PTRACE (read another user's /proc/PID/fd links and exe: a ptrace-mode check) and
# CAP_DAC_READ_SEARCH (enter that 0500 directory at all) are held, and that those two are what the
# unit grants. Usage: capabilities.sh PORTWATCH_CLI TEST_LISTENER UNIT_FILE
set -u
cli=$1 listener=$2 unit=$3

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
    echo "SKIP: needs root and setpriv (util-linux) to run as another uid with chosen capabilities"
    exit 77
fi

# The CLI is run by uid 65534 from the build tree: it must be able to reach the binary.
work=$(mktemp -d)
trap 'kill "$listener_pid" 2>/dev/null; rm -rf "$work"' EXIT
cp "$cli" "$work/portwatch-cli"
chmod 755 "$work" "$work/portwatch-cli"

coproc LISTENER { exec "$listener" --listen tcp:127.0.0.1:0; }
listener_pid=$LISTENER_PID
read -r -t 10 ready <&"${LISTENER[0]}" || { echo "FAIL: no READY from the listener"; exit 1; }
port=${ready##*ports=}
port=${port%% *}
echo "listener pid $listener_pid (root) on tcp/$port"

# Prints the pid portwatch-cli sees owning the port ("null" when not visible; nothing when it
# listed no socket at all).
owner_seen_with() {
    local caps=$1
    local args=(--reuid=65534 --regid=65534 --clear-groups --no-new-privs)
    if [ -n "$caps" ]; then
        args+=(--inh-caps="$caps" --ambient-caps="$caps" --bounding-set="-all,$caps")
    else
        args+=(--bounding-set=-all)
    fi
    HOME=$work setpriv "${args[@]}" "$work/portwatch-cli" who "tcp/$port" --json 2>/dev/null |
        grep -m1 -oE '"pid": (null|[0-9]+)' | cut -d' ' -f2
}

failures=0
expect() {
    local caps=$1 want=$2 got
    got=$(owner_seen_with "$caps")
    if [ "$got" = "$want" ]; then
        echo "ok: caps '${caps:-none}' -> owner $got"
    else
        echo "FAIL: caps '${caps:-none}' -> owner '$got', expected '$want'"
        failures=$((failures + 1))
    fi
}
expect "" null
expect "+sys_ptrace" null
expect "+dac_read_search" null
expect "+sys_ptrace,+dac_read_search" "$listener_pid"

# The unit grants exactly these two, as ambient capabilities and as the whole bounding set.
for key in CapabilityBoundingSet AmbientCapabilities; do
    line=$(grep "^$key=" "$unit")
    if [ "$line" != "$key=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH" ]; then
        echo "FAIL: $unit has '$line'"
        failures=$((failures + 1))
    fi
done
[ "$failures" -eq 0 ]
