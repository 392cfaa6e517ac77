#!/usr/bin/env bats
# The manual page, the README and the shell completions against the program itself:
# every option each command's --help shows must be documented and completed, every
# option the manual documents must exist, every column of `aioctl list -H` must be
# described.  A command that is still a placeholder ("not implemented") is skipped
# until it lands; from then on it is enforced.

load helpers
bats_require_minimum_version 1.5.0

REPO=$(cd "$TESTS_DIR/.." && pwd)
MAN=$REPO/man/aioctl.8
BASH_COMP=$REPO/completions/aioctl.bash
ZSH_COMP=$REPO/completions/_aioctl
FISH_COMP=$REPO/completions/aioctl.fish
COMMANDS=(list dump refs move check)
GLOBAL_OPTS=(help usage version)

# Whether CMD is the real command and not the placeholder of the skeleton.
implemented() {
	! "$AIOCTL" "$1" --help 2>&1 | grep -q 'not implemented'
}

need() {
	implemented "$1" || skip "aioctl $1 is not implemented yet"
}

# Long option names (without --) from argp --help text on stdin: only the option lines
# ("  -o, --output=LIST  ..." or "      --output-all  ..."), never prose.
help_long_opts() {
	sed -nE 's/^ {1,8}(-[^- ], )?--([a-z0-9][a-z0-9-]*).*/\2/p' | sort -u
}

# "X long" pairs for options that have both a short and a long form.
help_short_long() {
	sed -nE 's/^ {1,8}-([^- ]), --([a-z0-9][a-z0-9-]*).*/\1 \2/p' | sort -u
}

# The roff line after each .TP in section SECTION (and subsection SUB, if given; "-"
# for the part before any subsection), with \- turned into -.
man_tags() {
	awk -v want_sec="$1" -v want_sub="${2-}" '
		/^\.SH/ { sec = $0; sub(/^\.SH +/, "", sec); gsub(/"/, "", sec); ss = ""; next }
		/^\.SS/ { ss = $0; sub(/^\.SS +/, "", ss); gsub(/"/, "", ss); next }
		/^\.TP/ { tp = 1; next }
		tp { tp = 0; if (sec == want_sec && (want_sub == "" || ss == want_sub || (want_sub == "-" && ss == ""))) { gsub(/\\-/, "-"); print } }
	' "$MAN"
}

# Long options the manual documents for command CMD (its subsection of COMMANDS).
man_cmd_opts() {
	man_tags COMMANDS "$1" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sed 's/^--//' | sort -u
}

man_global_opts() {
	man_tags OPTIONS | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sed 's/^--//' | sort -u
}

# Columns the manual describes: those of the ring table (COLUMNS itself), or with
# "Summary columns" those of list --summary.
man_columns() {
	man_tags COLUMNS "${1:--}" | sed -nE 's/^\.B +"?([A-Z][A-Z0-9-]*)"?$/\1/p' | sort -u
}

# Column names as `aioctl list -H` prints them (the first word of each line that is a
# column name; headings such as "Available columns:" are not).
list_columns() {
	"$AIOCTL" list "$@" -H | awk '{ print $1 }' | grep -E '^[A-Z][A-Z0-9-]*$' | sort -u
}

# complete_bash WORD...: the candidates bash offers for the last word (give '' to
# complete an empty word), with bash-completion loaded like in an interactive shell.
complete_bash() {
	bash --norc --noprofile -c '
		source /usr/share/bash-completion/bash_completion || exit 1
		source "$1" || exit 1
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_aioctl aioctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMP" "$@"
}

# complete_fish LINE: the candidates fish offers at the end of LINE (without descriptions).
complete_fish() {
	fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$FISH_COMP" "$1" | cut -f1
}

# complete_zsh WORD...: the candidates zsh offers at the end of the line, from a real
# interactive zsh on a pseudo-terminal (zsh/zpty) with compinit and our completion in
# fpath; compadd is wrapped to print every match it is given.
complete_zsh() {
	local script=$BATS_TEST_TMPDIR/complete.zsh
	cat >"$script" <<'ZSH'
zmodload zsh/zpty || exit 3
compdir=$1; shift
zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT=''; fpath=($compdir \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; print -rl -- "<c>"${^__h}; builtin compadd "$@" }'
# zle drops what was typed ahead of its start: wait for the shell to be ready
zpty -w z "bindkey '^I' complete-word; print -r -- '<re''ady>'"
zpty -r z out '*<ready>*'
zpty -wn z "$*"$'\t'
zpty -w z $'\C-u'"print -r -- '<e''nd>'"
zpty -r z out '*<end>*'
zpty -d z
print -r -- "$out" | tr -d '\r' | grep -ao '<c>[^ ]*' | sed 's/^<c>//' | sort -u
ZSH
	timeout 60 zsh -f "$script" "$REPO/completions" "$@"
}

# The options the zsh completion lists for command CMD (its branch of the case), plus
# the help options every command shares.
zsh_cmd_opts() {
	awk -v c="$1" '$1 == c ")" { f = 1 } f { print } f && /;;/ { exit }
		/^  help_opts=\(/ { h = 1 } h { print } h && /^  \)/ { h = 0 }' "$ZSH_COMP" |
		grep -oE -- '--[a-z0-9][a-z0-9-]*' | sed 's/^--//' | sort -u
}

# missing A B: the lines of A that are not in B (both sorted, one per line).
missing() {
	comm -23 <(printf '%s\n' "$1" | sed '/^$/d' | sort -u) <(printf '%s\n' "$2" | sed '/^$/d' | sort -u)
}

assert_none_missing() {
	local what=$1 list=$2
	if [ -n "$list" ]; then
		echo "$what: $(echo $list)" >&2
		return 1
	fi
}

have_bash_completion() {
	[ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
}

@test "the manual page renders without warnings" {
	command -v man >/dev/null || skip "man-db is not installed"
	run env MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN"
	[ "$status" -eq 0 ]
	warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN" 2>&1 >/dev/null)
	[ -z "$warnings" ] || { echo "$warnings" >&2; return 1; }
	# and it has the sections an administrator looks for
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS COLUMNS OUTPUT "EXIT STATUS" \
		ENVIRONMENT NOTES SECURITY EXAMPLES "SEE ALSO"; do
		grep -qE "^\.SH \"?$s\"?$" "$MAN" || { echo "no section $s" >&2; return 1; }
	done
}

@test "the global options of aioctl --help are in the manual and in every completion" {
	have_bash_completion
	help=$("$AIOCTL" --help)
	opts=$(help_long_opts <<<"$help")
	[ -n "$opts" ]
	assert_none_missing "in --help, not in the manual's OPTIONS" "$(missing "$opts" "$(man_global_opts)")"
	assert_none_missing "in the manual's OPTIONS, not in --help" "$(missing "$(man_global_opts)" "$opts")"
	assert_none_missing "not completed by bash" \
		"$(missing "$(sed 's/^/--/' <<<"$opts")" "$(complete_bash aioctl --)")"
	assert_none_missing "not in the zsh completion" "$(missing "$opts" "$(zsh_cmd_opts none)")"
	if command -v fish >/dev/null; then
		assert_none_missing "not completed by fish" \
			"$(missing "$(sed 's/^/--/' <<<"$opts")" "$(complete_fish 'aioctl --')")"
	fi
	# every command the help lists is documented and completed
	cmds=$(sed -nE 's/^  ([a-z]+) .*/\1/p' <<<"$help" | sort -u)
	[ "$(echo $cmds)" = "$(printf '%s\n' "${COMMANDS[@]}" | sort | xargs)" ]
	for c in $cmds; do
		grep -qE "^\.SS \"?$c\"?$" "$MAN" || { echo "no manual subsection for $c" >&2; return 1; }
		complete_bash aioctl "${c:0:2}" | grep -qx "$c" || { echo "bash does not complete $c" >&2; return 1; }
		grep -q "'$c:" "$ZSH_COMP" || { echo "zsh does not complete $c" >&2; return 1; }
	done
}

# One test per command, each way round.
check_command_documented() {
	local cmd=$1 help opts
	help=$("$AIOCTL" "$cmd" --help)
	opts=$(help_long_opts <<<"$help")
	[ -n "$opts" ]
	local own
	own=$(missing "$opts" "$(printf '%s\n' "${GLOBAL_OPTS[@]}")")
	assert_none_missing "aioctl $cmd --help options not in the manual's '$cmd' subsection" \
		"$(missing "$own" "$(man_cmd_opts "$cmd")")"
	assert_none_missing "aioctl $cmd --help options not completed by bash" \
		"$(missing "$(sed 's/^/--/' <<<"$opts")" "$(complete_bash aioctl "$cmd" --)")"
	assert_none_missing "aioctl $cmd --help options not in the zsh completion" \
		"$(missing "$opts" "$(zsh_cmd_opts "$cmd")")"
	if command -v fish >/dev/null; then
		assert_none_missing "aioctl $cmd --help options not completed by fish" \
			"$(missing "$(sed 's/^/--/' <<<"$opts")" "$(complete_fish "aioctl $cmd --")")"
	fi
	# the short form the manual gives is the one the program takes
	local s l tag
	while read -r s l; do
		[ -n "$l" ] || continue
		case " ${GLOBAL_OPTS[*]} " in *" $l "*) continue ;; esac
		tag=$(man_tags COMMANDS "$cmd" | grep -E -- "--$l([^a-z0-9-]|$)" | head -1)
		grep -qE -- "(^|[ \"])-$s([ \",]|\$)" <<<"$tag" || { echo "manual: --$l of $cmd should show -$s: $tag" >&2; return 1; }
	done < <(help_short_long <<<"$help")
}

check_command_no_extra() {
	local cmd=$1 opts
	opts=$(help_long_opts < <("$AIOCTL" "$cmd" --help))
	assert_none_missing "the manual documents options aioctl $cmd does not have" \
		"$(missing "$(man_cmd_opts "$cmd")" "$opts")"
	assert_none_missing "bash completes options aioctl $cmd does not have" \
		"$(missing "$(complete_bash aioctl "$cmd" -- | sed 's/^--//')" "$opts")"
	assert_none_missing "zsh completes options aioctl $cmd does not have" \
		"$(missing "$(zsh_cmd_opts "$cmd")" "$opts")"
	if command -v fish >/dev/null; then
		assert_none_missing "fish completes options aioctl $cmd does not have" \
			"$(missing "$(complete_fish "aioctl $cmd --" | sed 's/^--//')" "$opts")"
	fi
}

@test "list: every option of --help is in the manual and the completions" {
	have_bash_completion; need list; check_command_documented list
}
@test "dump: every option of --help is in the manual and the completions" {
	have_bash_completion; need dump; check_command_documented dump
}
@test "refs: every option of --help is in the manual and the completions" {
	have_bash_completion; need refs; check_command_documented refs
}
@test "move: every option of --help is in the manual and the completions" {
	have_bash_completion; need move; check_command_documented move
}
@test "check: every option of --help is in the manual and the completions" {
	have_bash_completion; need check; check_command_documented check
}

@test "list: the manual and the completions offer no option that --help lacks" {
	have_bash_completion; need list; check_command_no_extra list
}
@test "dump: the manual and the completions offer no option that --help lacks" {
	have_bash_completion; need dump; check_command_no_extra dump
}
@test "refs: the manual and the completions offer no option that --help lacks" {
	have_bash_completion; need refs; check_command_no_extra refs
}
@test "move: the manual and the completions offer no option that --help lacks" {
	have_bash_completion; need move; check_command_no_extra move
}
@test "check: the manual and the completions offer no option that --help lacks" {
	have_bash_completion; need check; check_command_no_extra check
}

@test "every column of aioctl list -H is described under COLUMNS, and no other" {
	need list
	cols=$(list_columns)
	[ "$(wc -l <<<"$cols")" -ge 10 ]
	assert_none_missing "columns not described in the manual" "$(missing "$cols" "$(man_columns)")"
	assert_none_missing "the manual describes columns list -H does not have" "$(missing "$(man_columns)" "$cols")"
}

@test "every column of aioctl list --summary -H is described under Summary columns, and no other" {
	need list
	"$AIOCTL" list --help | grep -q -- '--summary' || skip "aioctl list has no --summary"
	cols=$(list_columns --summary)
	[ "$(wc -l <<<"$cols")" -ge 3 ]
	[ "$cols" != "$(list_columns)" ]
	doc=$(man_columns "Summary columns")
	assert_none_missing "summary columns not described in the manual" "$(missing "$cols" "$doc")"
	assert_none_missing "the manual describes summary columns list -s -H does not have" "$(missing "$doc" "$cols")"
}

@test "aioctl list -H -r prints NAME<TAB>description for the same columns (completions read it)" {
	need list
	raw=$("$AIOCTL" list -H -r)
	bad=$(grep -vP '^[A-Z][A-Z0-9-]*\t\S' <<<"$raw" || true)
	[ -z "$bad" ] || { echo "lines not NAME<TAB>description: $bad" >&2; return 1; }
	[ "$(cut -f1 <<<"$raw" | sort -u)" = "$(list_columns)" ]
	# the completions take --summary's columns from here too
	[ "$("$AIOCTL" list --summary -H -r | cut -f1 | sort -u)" = "$(list_columns --summary)" ]
}

@test "every exit status 0..6 is documented in the manual, the README and aioctl --help" {
	documented=$(man_tags "EXIT STATUS" | sed -nE 's/^\.B +([0-9]+)$/\1/p' | xargs)
	[ "$documented" = "0 1 2 3 4 5 6" ] || { echo "manual: $documented" >&2; return 1; }
	readme=$(sed -nE 's/^\| ([0-9]) \| .*/\1/p' "$REPO/README.md" | xargs)
	[ "$readme" = "0 1 2 3 4 5 6" ] || { echo "README: $readme" >&2; return 1; }
	help=$("$AIOCTL" --help | tr '\n' ' ')
	for n in 0 1 2 3 4 5 6; do
		grep -qE "(^|[ :,])$n [a-z]" <<<"$help" || { echo "--help lacks exit status $n" >&2; return 1; }
	done
}

@test "the README opens with make demo and make check" {
	first=$(grep -m2 -E '^make ' "$REPO/README.md" | awk '{ print $1, $2 }' | xargs)
	[ "$first" = "make demo make check" ]
	# and nothing but a title and one sentence comes before them
	[ "$(grep -n -m1 '^make demo' "$REPO/README.md" | cut -d: -f1)" -le 6 ]
}

# The aioctl command lines shown as examples ("# aioctl ..." or "$ aioctl ...") in the
# README and in the manual (roff escapes removed), one per line, without the prompt.
example_lines() {
	{
		sed -nE 's/^[#$] (aioctl .*)/\1/p' "$REPO/README.md"
		sed -nE 's/\\-/-/g; s/^[#$] (aioctl .*)/\1/p' "$MAN"
	} | sed -E 's/[|].*//; s/ +$//' | sort -u
}

@test "every option used in the examples of the README and the manual exists" {
	have_bash_completion
	local line bad=
	while read -r line; do
		set -- $line
		local cmd=$2 opts shorts w name
		case " ${COMMANDS[*]} " in *" $cmd "*) ;; *) continue ;; esac
		implemented "$cmd" || continue
		help=$("$AIOCTL" "$cmd" --help)
		opts=$(help_long_opts <<<"$help")
		shorts=$(sed -nE 's/^ {1,8}-([^- ]), .*/\1/p' <<<"$help" | tr -d '\n')
		shift 2
		for w in "$@"; do
			case $w in
				--*)
					name=${w#--}
					grep -qx -- "${name%%=*}" <<<"$opts" || bad+=" [$line: $w]" ;;
				-?*) [[ ${w:1} =~ ^[$shorts]+$ ]] || bad+=" [$line: $w]" ;;
			esac
		done
	done < <(example_lines)
	[ -z "$bad" ] || { echo "example options that do not exist:$bad" >&2; return 1; }
	# and there are examples of every command that has landed
	for c in "${COMMANDS[@]}"; do
		implemented "$c" || continue
		example_lines | grep -q "^aioctl $c" || { echo "no example of aioctl $c" >&2; return 1; }
	done
}

@test "bash completes commands and options" {
	have_bash_completion
	run complete_bash aioctl li
	[ "$status" -eq 0 ]
	[ "$output" = list ]
	run complete_bash aioctl list --ou
	[[ "$output" == *--output* ]]
	run complete_bash aioctl move --dr
	[ "$output" = --dry-run ]
	run complete_bash aioctl dump --a
	[ "$output" = --all-slots ]
	# a word after the command that is not an option is a PID, never a command
	run complete_bash aioctl list ch
	[[ "$output" != *check* ]]
}

@test "bash completes column names for -o, --output=, +LIST, lists and --sort from aioctl list -H -r" {
	have_bash_completion
	need list
	cols=$("$AIOCTL" list -H -r | cut -f1 | sort)
	run complete_bash "$AIOCTL" list -o ''
	[ "$(sort <<<"$output")" = "$cols" ]
	run complete_bash "$AIOCTL" list --output=''
	[ "$(sort <<<"$output")" = "$cols" ]
	run complete_bash "$AIOCTL" list --sort ''
	[ "$(sort <<<"$output")" = "$cols" ]
	# after a comma, the list so far is kept
	run complete_bash "$AIOCTL" list -o PID,COMM
	[ "$output" = PID,COMMAND ]
	run complete_bash "$AIOCTL" list -o +INO
	[ "$output" = +INODE ]
}

# Normalises ring addresses ("0x7F00..." or "7f00...") for comparison.
norm_addrs() {
	tr 'A-F' 'a-f' | sed -E 's/^0x//; s/^0+//' | sort -u
}

@test "bash completes PIDs of ring holders and their ring addresses for --ring" {
	have_bash_completion
	need list
	need_aio 2
	start_target holder ringholder -r 2 -n 1
	run complete_bash "$AIOCTL" dump ''
	grep -qx "$TARGET_PID" <<<"$output" || { echo "PID $TARGET_PID not offered: $output" >&2; return 1; }
	run complete_bash "$AIOCTL" move "$TARGET_PID" -r ''
	want=$(printf '%s\n' "$(ring_field holder 1 addr)" "$(ring_field holder 2 addr)" | norm_addrs)
	[ "$(norm_addrs <<<"$output")" = "$want" ]
	run complete_bash "$AIOCTL" dump --ring ''
	# without a PID on the line, every ring is offered, the target's included
	for a in $want; do
		norm_addrs <<<"$output" | grep -qx "$a" || { echo "ring $a not offered: $output" >&2; return 1; }
	done
}

@test "the zsh completion is valid zsh" {
	command -v zsh >/dev/null || skip "zsh is not installed (make deps installs it)"
	run zsh -n "$ZSH_COMP"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	run zsh -fc "autoload -U compinit; compinit -u -d $BATS_TEST_TMPDIR/zcd; fpath=($REPO/completions \$fpath); autoload -U _aioctl; whence -w _aioctl"
	[ "$status" -eq 0 ]
}

@test "zsh completes commands, options and columns" {
	command -v zsh >/dev/null || skip "zsh is not installed (make deps installs it)"
	run complete_zsh aioctl li
	[ "$output" = list ]
	run complete_zsh aioctl list --ou
	[ "$(echo $output)" = "--output --output-all" ]
	run complete_zsh aioctl move --dr
	[ "$output" = --dry-run ]
	implemented list || return 0
	run --separate-stderr complete_zsh "$AIOCTL" list -o PID,
	want=$("$AIOCTL" list -H -r | cut -f1 | sort -u)
	[ "$output" = "$want" ] || { diff <(echo "$want") <(echo "$output") >&2; echo "$stderr" >&2; return 1; }
	run --separate-stderr complete_zsh "$AIOCTL" list -s --sort ''
	want=$("$AIOCTL" list -s -H -r | cut -f1 | sort -u)
	[ "$output" = "$want" ] || { diff <(echo "$want") <(echo "$output") >&2; echo "$stderr" >&2; return 1; }
}

@test "make demo's script shows the demo process's rings with list and dump, and stops it" {
	need list
	need dump
	need_aio 64
	run env BUILD="${BUILD:-build}" "$REPO/tests/demo.sh"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	pid=$(awk '/^  ready /{ print $2; exit }' <<<"$output")
	[ -n "$pid" ]
	# both rings the holder reported appear in list's and in dump's output
	for a in $(awk '/^  ring /{ print $2 }' <<<"$output"); do
		[ "$(grep -c -- "$a" <<<"$output")" -ge 3 ] || { echo "ring $a not shown" >&2; return 1; }
	done
	grep -q '^\$ aioctl list ' <<<"$output"
	grep -q '^\$ aioctl dump ' <<<"$output"
	grep -q '5 pending' <<<"$output"
	# the holder is gone
	! kill -0 "$pid" 2>/dev/null
}

@test "the fish completion is valid fish and completes commands, options and columns" {
	command -v fish >/dev/null || skip "fish is not installed (make deps installs it)"
	run fish -n "$FISH_COMP"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	run complete_fish 'aioctl li'
	[ "$output" = list ]
	run complete_fish 'aioctl list --ou'
	[[ "$output" == *--output* ]]
	implemented list || return 0
	run complete_fish "$AIOCTL list -o PID,"
	want=$("$AIOCTL" list -H -r | cut -f1 | sed 's/^/PID,/' | sort)
	[ "$(sort <<<"$output")" = "$want" ]
}
