#!/usr/bin/env bash
# Sources portwatch-cli's bash completion and checks what it offers (COMPREPLY) for a few command
# lines, as bash would after a Tab. Usage: completion.sh PATH/TO/portwatch-cli.bash
set -u
source "$1" || { echo "cannot source $1"; exit 1; }
failures=0

# expect "WORDS TYPED (last word is the one being completed)" "EXPECTED COMPLETIONS (sorted)"
expect() {
    local line=$1 want=$2
    read -r -a COMP_WORDS <<<"$line"
    [[ $line == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMPREPLY=()
    _portwatch_cli portwatch-cli "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' ')
    if [[ $got != "$want" ]]; then
        echo "FAIL: '$line' completed to '$got', expected '$want'"
        failures=$((failures + 1))
    else
        echo "ok: '$line' -> '$got'"
    fi
}

expect 'portwatch-cli ' 'check kill watch who why'
expect 'portwatch-cli w' 'watch who why'
expect 'portwatch-cli --backend ' 'auto netlink procfs'
expect 'portwatch-cli --backend n' 'netlink'
expect 'portwatch-cli --backend procfs ' 'check kill watch who why'
expect 'portwatch-cli who --backend p' 'procfs'
expect 'portwatch-cli --log-level w' 'warn'
expect 'portwatch-cli --' '--backend --config --help --help-all --log-level --version'
expect 'portwatch-cli who --' '--backend --config --help --help-all --json --log-level --thorough'
expect 'portwatch-cli kill 8080 --d' '--dry-run'
expect 'portwatch-cli kill --g' '--grace'
expect 'portwatch-cli kill --grace ' ''
expect 'portwatch-cli watch --j' '--journal --json'
expect 'portwatch-cli check --t' ''
expect 'portwatch-cli --config /nonexistent/x who --j' '--json'

if [[ $# -ge 2 ]]; then
    for command in '' who kill why check watch; do
        want=$("$2" $command --help | grep -oE '^ +(-[a-zA-Z?], )*--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u | paste -sd' ')
        # --version is offered before a command only: after one it prints the same as without it.
        [[ -n $command ]] && want=$(tr ' ' '\n' <<<"$want" | grep -vx -- --version | paste -sd' ')
        expect "portwatch-cli ${command:+$command }--" "$want"
    done
fi

[[ $failures -eq 0 ]] || { echo "$failures completion(s) wrong"; exit 1; }
