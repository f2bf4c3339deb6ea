# bash completion for numamigctl(8). Installed as
# $(completionsdir)/numamigctl, where bash-completion loads it on demand.

_numamigctl_pids()
{
    # Tracked processes come from the daemon; fall back to every pid.
    local pids
    pids=$(numamigctl ${1:+--socket "$1"} --json status 2>/dev/null |
        grep -o '"pid":[0-9]*' | sed '1d; s/"pid"://')
    [ -n "$pids" ] || pids=$(command ls /proc 2>/dev/null | grep -E '^[0-9]+$')
    printf '%s\n' $pids
}

_numamigctl()
{
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    local commands="status explain trigger pause resume reload policy migrate move jobs cancel watch"
    local options="--socket --json --help --version"

    case $prev in
    --socket|-s)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    esac

    # The command is the first word that is neither an option nor the
    # socket path.
    local i cmd="" socket=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --socket|-s) socket=${words[i+1]}; ((i++)) ;;
        --socket=*) socket=${words[i]#--socket=} ;;
        -*) ;;
        *) cmd=${words[i]}; break ;;
        esac
    done

    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$options" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi
    # Which argument of the command the word is (1 for the first):
    # options, and the values of those that take one, do not count.
    local j arg=1
    for ((j = i + 1; j < cword; j++)); do
        case ${words[j]} in
        --socket|-s|--to|--from|--cgroup|--interval|--iterations) ((j++)) ;;
        -*) ;;
        *) ((arg++)) ;;
        esac
    done
    _numamigctl_nodes()
    {
        command ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null |
            sed 's|.*/node||'
    }
    case $cmd in
    migrate)
        case $prev in
        --to|--from)
            COMPREPLY=($(compgen -W "$(_numamigctl_nodes)" -- "$cur"))
            ;;
        --cgroup)
            COMPREPLY=($(cd /sys/fs/cgroup 2>/dev/null &&
                compgen -d -- "${cur#/}" | sed 's|^|/|'))
            compopt -o nospace 2>/dev/null
            ;;
        *)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--to --from --cgroup --direct --lazy --dry-run --no-wait $options" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$(_numamigctl_pids "$socket")" -- "$cur"))
            fi
            ;;
        esac
        return
        ;;
    move)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--dry-run --shared --no-wait $options" -- "$cur"))
        elif [ $arg -eq 1 ]; then
            COMPREPLY=($(compgen -W "$(_numamigctl_pids "$socket")" -- "$cur"))
        elif [ $arg -eq 4 ]; then
            COMPREPLY=($(compgen -W "$(_numamigctl_nodes)" -- "$cur"))
        fi
        return
        ;;
    esac
    # Options go anywhere, after the command too.
    if [[ $cur == -* ]]; then
        [ "$cmd" = watch ] && options="$options --interval --iterations"
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        return
    fi
    # Only the first argument of the other commands is completed.
    [ $arg -eq 1 ] || return
    case $cmd in
    explain|trigger)
        COMPREPLY=($(compgen -W "$(_numamigctl_pids "$socket")" -- "$cur"))
        ;;
    cancel)
        COMPREPLY=($(compgen -W "$(numamigctl ${socket:+--socket "$socket"} --json jobs 2>/dev/null |
            grep -o '"id":[0-9]*,[^}]*"state":"\(queued\|running\)"' | sed 's/"id":\([0-9]*\).*/\1/')" -- "$cur"))
        ;;
    policy)
        local root=/sys/fs/cgroup
        COMPREPLY=($(cd "$root" 2>/dev/null &&
            compgen -d -- "${cur#/}" | sed 's|^|/|'))
        compopt -o nospace 2>/dev/null
        ;;
    esac
}
complete -F _numamigctl numamigctl
