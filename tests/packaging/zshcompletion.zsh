#!/usr/bin/env zsh
# Loads portwatch-cli's zsh completion into zsh's real completion system (compinit, _arguments)
# and checks what it offers for a few command lines, as zsh would after a Tab.
# Usage: zshcompletion.zsh PATH/TO/_portwatch-cli [PATH/TO/portwatch-cli]
#
# Completion widgets run only inside the line editor, which needs a terminal: an interactive
# `zsh -f` is started on a pseudo-terminal (zsh/zpty). Its zle-line-init hook completes every
# command line in turn through a completion widget (zle -C), with `compadd` wrapped so that the
# matches zsh would offer (after its own prefix matching) are recorded, writes them to a file
# and exits. This script waits, with a deadline, for that shell to finish and compares.
emulate -R zsh
setopt no_unset pipe_fail
export LC_ALL=C

(( $# >= 1 )) || { print -u2 "usage: $0 _portwatch-cli [portwatch-cli]"; exit 2 }
completion=${1:A}
[[ -r $completion ]] || { print "cannot read $completion"; exit 1 }
zmodload zsh/zpty zsh/zselect zsh/datetime zsh/system

tmp=$(mktemp -d)
# Only this process cleans up, never the fork of it in which zpty starts the shell.
pid=$sysparams[pid]
trap '[[ $sysparams[pid] == $pid ]] && { zpty -d pw 2>/dev/null; rm -rf -- $tmp }' EXIT
mkdir $tmp/fpath && cp -- $completion $tmp/fpath/_portwatch-cli || exit 1

# expect "WORDS TYPED (the cursor is at the end)" "EXPECTED COMPLETIONS (sorted)"
typeset -a lines wants
expect() { lines+=("$1"); wants+=("$2") }

expect 'portwatch-cli ' 'check kill watch who why'
expect 'portwatch-cli w' 'watch who why'
expect 'portwatch-cli --backend ' 'auto netlink procfs'
expect 'portwatch-cli --backend n' 'netlink'
expect 'portwatch-cli --backend procfs ' 'check kill watch who why'
expect 'portwatch-cli who --backend p' 'procfs'
expect 'portwatch-cli --log-level ' 'critical debug error info off trace warn'
expect 'portwatch-cli --log-level w' 'warn'
expect 'portwatch-cli --' '--backend --config --help --help-all --log-level --version'
expect 'portwatch-cli who --' '--backend --config --help --help-all --json --log-level --thorough'
expect 'portwatch-cli kill 8080 --d' '--dry-run'
expect 'portwatch-cli kill --g' '--grace'
expect 'portwatch-cli kill --grace ' ''
expect 'portwatch-cli watch --j' '--journal --json'
expect 'portwatch-cli check --t' ''
expect 'portwatch-cli --config /nonexistent/x who --j' '--json'

if (( $# >= 2 )); then
    for command in '' who kill why check watch; do
        want=$("$2" ${=command} --help | grep -oE '^ +(-[a-zA-Z?], )*--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u | paste -sd' ')
        # --version is offered before a command only: after one it prints the same as without it.
        [[ -n $command ]] && want=$(tr ' ' '\n' <<<"$want" | grep -vx -- --version | paste -sd' ')
        expect "portwatch-cli ${command:+$command }--" "$want"
    done
fi

# The shell on the terminal: it sources this, and its next prompt runs the lines and exits.
{
    print -r -- "typeset -ga pw_lines=(${(j: :)${(qq)lines[@]}})"
    print -r -- "pw_result=${(qq)tmp}/result"
    print -r -- "fpath=(${(qq)tmp}/fpath \$fpath)"
    cat <<'EOF'
autoload -Uz compinit && compinit -u -D
# Nothing to do with the terminal: no listing, no insertion, no menu.
zstyle ':completion:*' menu no
unsetopt auto_menu auto_list list_ambiguous beep
typeset -ga pw_matches
compadd() {
    # Calls with -O, -A or -D only ask which words match: they add nothing.
    if (( ${${@[1,(i)(-|--)]}[(I)-[a-zA-Z]#[OAD]*]} )); then
        builtin compadd "$@"
        return
    fi
    local -a pw_hits
    builtin compadd -O pw_hits "$@"
    pw_matches+=("${pw_hits[@]}")
    builtin compadd "$@"
}
pw-quiet() { compstate[insert]=''; compstate[list]='' }
zle -C pw-complete complete-word _main_complete
pw-run() {
    local line
    for line in "${pw_lines[@]}"; do
        pw_matches=()
        BUFFER=$line CURSOR=${#line}
        comppostfuncs=(pw-quiet)
        zle pw-complete
        print -r -- "${(j: :)${(ou)pw_matches[@]}}" >> $pw_result.tmp
    done
    mv $pw_result.tmp $pw_result
    BUFFER=exit
    zle .accept-line
}
zle -N zle-line-init pw-run
EOF
} > $tmp/setup.zsh

zpty pw exec zsh -f -i
zpty -w pw "source ${(q)tmp}/setup.zsh"
# Wait for the result, reading what the shell writes so that it never blocks on a full terminal.
deadline=$(( EPOCHREALTIME + 20 ))
output=
while [[ ! -e $tmp/result ]] && (( EPOCHREALTIME < deadline )); do
    chunk=
    if zpty -rt pw chunk 2>/dev/null; then output+=$chunk
    elif zpty -t pw; then zselect -t 5 || true
    else break  # the shell is gone
    fi
done
if [[ ! -e $tmp/result ]]; then
    print -r -- "FAIL: no completions from zsh (it failed or took over 20 s); its terminal showed:"
    print -r -- "${output//$'\r'/}"
    exit 1
fi

typeset -a gots
while IFS= read -r got; do gots+=("$got"); done < $tmp/result
failures=0
for i in {1..${#lines}}; do
    if [[ $gots[i] != $wants[i] ]]; then
        print -r -- "FAIL: '$lines[i]' completed to '$gots[i]', expected '$wants[i]'"
        (( ++failures ))
    else
        print -r -- "ok: '$lines[i]' -> '$gots[i]'"
    fi
done
(( failures == 0 )) || { print "$failures completion(s) wrong"; exit 1 }
