# fish completion for aioctl(8).
#
# Options are listed here per command (tests/integration/docs.bats checks them against
# every command's --help).  Column names come from the program itself
# (`aioctl list -H -r`: NAME<TAB>description); PIDs and ring addresses from
# `aioctl list`.

# The aioctl being completed (it may be ./build/aioctl), or the one in PATH.
function __aioctl_prog
    set -l words (commandline -opc)
    set -l p $words[1]
    if string match -q -- '*/*' $p; and test -x "$p"
        echo $p
    else
        echo aioctl
    end
end

# PIDs of processes that hold rings, with their command; every process when aioctl
# finds none.
function __aioctl_pids
    set -l prog (__aioctl_prog)
    set -l pids
    if command -q -- $prog
        set pids ($prog list -n -r -o PID 2>/dev/null | sort -un)
    end
    if test (count $pids) -eq 0
        __fish_complete_pids
        return
    end
    for p in $pids
        printf '%s\t%s\n' $p (cat /proc/$p/comm 2>/dev/null; or echo process)
    end
end

# --summary when the command line asks for it: the summary has columns of its own.
function __aioctl_summary
    for w in (commandline -opc)
        if test "$w" = --summary; or string match -qr -- '^-[^-]*s' $w
            echo --summary
            return
        end
    end
end

# Column names with their descriptions; for -o/--output the token is a comma-separated
# list that may start with + (extends the defaults), so the part before the last comma
# (or the +) is kept.
function __aioctl_columns
    set -l tok (commandline -ct)
    set -l prefix (string match -r -- '^.*[,+]' $tok)
    set -l prog (__aioctl_prog)
    command -q -- $prog; or return
    $prog list (__aioctl_summary) -H -r 2>/dev/null | while read -l line
        set -l f (string split -m 1 \t -- $line)
        printf '%s%s\t%s\n' "$prefix" $f[1] "$f[2]"
    end
end

function __aioctl_sort_columns
    set -l prog (__aioctl_prog)
    command -q -- $prog; or return
    $prog list (__aioctl_summary) -H -r 2>/dev/null
end

# Ring addresses of the process named on the command line (all rings when none yet).
function __aioctl_rings
    set -l words (commandline -opc)
    set -l pid
    set -l prev
    for w in $words[3..-1]
        if string match -qr '^[0-9]+$' -- $w; and not contains -- "$prev" -r --ring
            set pid $w
            break
        end
        set prev $w
    end
    set -l prog (__aioctl_prog)
    command -q -- $prog; or return
    $prog list -n -r -o ADDR $pid 2>/dev/null
end

# Whether the command line has a command and (for dump/refs/move) no PID yet.
function __aioctl_needs_pid
    set -l words (commandline -opc)
    set -l prev
    for w in $words[3..-1]
        if string match -qr '^[0-9]+$' -- $w; and not contains -- "$prev" -r --ring
            return 1
        end
        set prev $w
    end
    return 0
end

set -l commands list dump refs move check

complete -c aioctl -f

# Commands and global options.
complete -c aioctl -n "not __fish_seen_subcommand_from $commands" -a list -d 'list the AIO rings of processes and the aio-nr budget'
complete -c aioctl -n "not __fish_seen_subcommand_from $commands" -a dump -d 'decode ring headers and pending completions'
complete -c aioctl -n "not __fish_seen_subcommand_from $commands" -a refs -d 'show the references a move would rewrite'
complete -c aioctl -n "not __fish_seen_subcommand_from $commands" -a move -d "move a live process's ring to another address"
complete -c aioctl -n "not __fish_seen_subcommand_from $commands" -a check -d 'test what this kernel and user allow'
complete -c aioctl -s '?' -l help -d 'give this help list'
complete -c aioctl -l usage -d 'give a short usage message'
complete -c aioctl -s V -l version -d 'print program version'

# list [PID...]
set -l c '__fish_seen_subcommand_from list'
complete -c aioctl -n $c -a '(__aioctl_pids)'
complete -c aioctl -n $c -s J -l json -d 'print JSON'
complete -c aioctl -n $c -s o -l output -x -a '(__aioctl_columns)' -d 'columns to show (+LIST extends the defaults)'
complete -c aioctl -n $c -l output-all -d 'show every column'
complete -c aioctl -n $c -s H -l list-columns -d 'list the available columns'
complete -c aioctl -n $c -s n -l noheadings -d 'do not print the heading line'
complete -c aioctl -n $c -s r -l raw -d 'unaligned output for scripts'
complete -c aioctl -n $c -s b -l bytes -d 'sizes in bytes'
complete -c aioctl -n $c -l sort -x -a '(__aioctl_sort_columns)' -d 'sort by column'
complete -c aioctl -n $c -s s -l summary -d 'one row per process, ranked by its share of aio-max-nr'
complete -c aioctl -n $c -l probe -d 'stop each process briefly to tell live, inherited and dead rings apart'

# dump PID
set -l c '__fish_seen_subcommand_from dump'
complete -c aioctl -n "$c; and __aioctl_needs_pid" -a '(__aioctl_pids)'
complete -c aioctl -n $c -s r -l ring -x -a '(__aioctl_rings)' -d 'dump only the ring at this address'
complete -c aioctl -n $c -s a -l all-slots -d 'decode every slot, not only pending ones'
complete -c aioctl -n $c -l raw -r -F -d "also write the rings' exact bytes to a file (- for standard output)"
complete -c aioctl -n $c -s J -l json -d 'print JSON'

# refs PID
set -l c '__fish_seen_subcommand_from refs'
complete -c aioctl -n "$c; and __aioctl_needs_pid" -a '(__aioctl_pids)'
complete -c aioctl -n $c -s r -l ring -x -a '(__aioctl_rings)' -d 'only references to this ring'
complete -c aioctl -n $c -s J -l json -d 'print JSON'
complete -c aioctl -n $c -l no-freeze -d 'do not stop the process: memory only, no registers'

# move PID ADDR
set -l c '__fish_seen_subcommand_from move'
complete -c aioctl -n "$c; and __aioctl_needs_pid" -a '(__aioctl_pids)'
complete -c aioctl -n $c -s r -l ring -x -a '(__aioctl_rings)' -d 'the ring to move'
complete -c aioctl -n $c -s n -l dry-run -d 'check and rehearse, move nothing'
complete -c aioctl -n $c -s J -l json -d 'report as JSON'
complete -c aioctl -n $c -l no-fix-refs -d "move the ring alone: leave the application's references stale"
complete -c aioctl -n $c -l tombstone -d 'after the move, map a read-only zero page at the old address'

# check
set -l c '__fish_seen_subcommand_from check'
complete -c aioctl -n $c -s J -l json -d 'report as JSON'
