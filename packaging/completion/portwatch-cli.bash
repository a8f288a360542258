# bash completion for portwatch-cli: commands, each command's options, and option values.
# Installed as /usr/share/bash-completion/completions/portwatch-cli (loaded on demand).

_portwatch_cli()
{
    local cur prev command word i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}

    # Option values first: what follows --backend, --config, ... is a value, not a command.
    case $prev in
        --backend)
            mapfile -t COMPREPLY < <(compgen -W 'auto netlink procfs' -- "$cur")
            return 0 ;;
        --log-level)
            mapfile -t COMPREPLY < <(compgen -W 'trace debug info warn error critical off' -- "$cur")
            return 0 ;;
        --config|--textfile)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0 ;;
        --grace)
            return 0 ;;
    esac

    # The command is the first word that is neither an option nor an option's value.
    command=
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
            --backend|--log-level|--config|--textfile|--grace) ((i++)) ;;
            -*) ;;
            *) command=$word; break ;;
        esac
    done

    local common='--config --log-level --backend --help --help-all'
    local options
    case $command in
        who) options="--json --thorough $common" ;;
        kill) options="--yes --dry-run --grace --thorough $common" ;;
        check) options="--json $common" ;;
        watch) options="--json --utc --journal --textfile $common" ;;
        why) options="--json $common" ;;
        '')
            if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$common --version" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W 'who kill why check watch' -- "$cur")
            fi
            return 0 ;;
        *) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    fi
    return 0
}
complete -F _portwatch_cli portwatch-cli
