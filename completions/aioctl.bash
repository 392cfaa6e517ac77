# bash completion for aioctl(8)                                  -*- shell-script -*-
#
# Options are listed here per command (tests/integration/docs.bats checks them against
# every command's --help).  Column names come from the program itself
# (`aioctl list -H -r`: NAME<TAB>description), so the column table in the source is the
# only list of columns; PIDs and ring addresses come from `aioctl list`.

# The aioctl being completed (it may be ./build/aioctl), or the one in PATH.
_aioctl_prog()
{
    local p=${COMP_WORDS[0]}
    p=${p/#\~/$HOME}
    if [[ $p == */* && -x $p ]]; then
        printf '%s\n' "$p"
    else
        printf 'aioctl\n'
    fi
}

# PIDs of processes that hold rings; every PID when aioctl finds none (not root,
# an aioctl without list, ...).
_aioctl_pids()
{
    local prog pids
    prog=$(_aioctl_prog)
    pids=$("$prog" list -n -r -o PID 2>/dev/null | sort -un)
    if [[ -z $pids ]]; then
        pids=$(cd /proc 2>/dev/null && compgen -G '[0-9]*')
    fi
    COMPREPLY=($(compgen -W "$pids" -- "$cur"))
}

# Column names for -o/--output (a comma-separated list, optionally starting with +)
# and --sort (one name); --summary has columns of its own.
_aioctl_columns()
{
    local prog cols prefix= word=$cur summary= w
    prog=$(_aioctl_prog)
    for w in "${words[@]:cmd_index+1}"; do
        case $w in
            --summary) summary=--summary ;;
            --*) ;;
            -*s*) summary=--summary ;;
        esac
    done
    cols=$("$prog" list $summary -H -r 2>/dev/null | cut -f1)
    if [[ $1 == list ]]; then
        if [[ $word == *,* ]]; then
            prefix=${word%,*},
            word=${word##*,}
        elif [[ $word == +* ]]; then
            prefix=+
            word=${word#+}
        fi
        compopt -o nospace 2>/dev/null
    fi
    COMPREPLY=($(compgen -P "$prefix" -W "$cols" -- "$word"))
}

# Ring addresses of the process named on the command line (all rings when none yet).
_aioctl_rings()
{
    local prog pid= i w
    prog=$(_aioctl_prog)
    for ((i = cmd_index + 1; i < ${#words[@]}; i++)); do
        ((i == cword)) && continue
        w=${words[i]}
        if [[ $w =~ ^[0-9]+$ ]] && [[ ${words[i-1]} != @(-r|--ring) ]]; then
            pid=$w
            break
        fi
    done
    COMPREPLY=($(compgen -W "$("$prog" list -n -r -o ADDR $pid 2>/dev/null)" -- "$cur"))
}

_aioctl()
{
    local cur prev words cword split
    _init_completion -s || return

    local global_opts='-? --help --usage -V --version'
    local commands='list dump refs move check'

    # The command is the first word that is not an option (global options take no value).
    local cmd= cmd_index=0 i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} != -* ]]; then
            cmd=${words[i]}
            cmd_index=$i
            break
        fi
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local opts=
    case $cmd in
        list)
            case $prev in
                -o | --output) _aioctl_columns list; return ;;
                --sort) _aioctl_columns sort; return ;;
            esac
            opts='-J --json -o --output --output-all -H --list-columns -n --noheadings
                  -r --raw -b --bytes --sort -s --summary --probe'
            ;;
        dump)
            case $prev in
                -r | --ring) _aioctl_rings; return ;;
                --raw) _filedir; return ;;
            esac
            opts='-r --ring -a --all-slots --raw -J --json'
            ;;
        refs)
            case $prev in
                -r | --ring) _aioctl_rings; return ;;
            esac
            opts='-r --ring -J --json --no-freeze'
            ;;
        move)
            case $prev in
                -r | --ring) _aioctl_rings; return ;;
            esac
            opts='-r --ring -n --dry-run -J --json --no-fix-refs --tombstone'
            ;;
        check)
            opts='-J --json'
            ;;
        *)
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi

    # Positional arguments: PIDs for list (any number), dump and refs (one), move (one PID,
    # then a destination address that nothing can suggest).
    local npos=0 skip=
    for ((i = cmd_index + 1; i < cword; i++)); do
        if [[ -n $skip ]]; then
            skip=
            continue
        fi
        case ${words[i]} in
            --*=*) ;;
            -o | --output | --sort | --ring)
                skip=1 ;;
            --raw)
                [[ $cmd == dump ]] && skip=1 ;;
            -r)
                [[ $cmd == list ]] || skip=1 ;;
            -*) ;;
            *) ((npos++)) ;;
        esac
    done
    case $cmd in
        list) _aioctl_pids ;;
        dump | refs | move) ((npos == 0)) && _aioctl_pids ;;
    esac
} &&
    complete -F _aioctl aioctl

# ex: filetype=sh
