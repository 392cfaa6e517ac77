#!/usr/bin/env bats
# aioctl list: real processes holding real rings (tests/targets), compared with what the
# targets themselves report.

load helpers

# need_budget N: N events, and room to spare for the rings of the other tests.
need_budget() { need_aio $(($1 + 64)); }

# The raw row (-r -n) of the ring at ADDR, with the columns given.
row_of() {
	local pid=$1 addr=$2 cols=$3
	"$AIOCTL" list -r -n -o "ADDR,$cols" "$pid" | awk -v a="$addr" '$1 == a { $1 = ""; sub(/^ /, ""); print }'
}

@test "one ring: every header field as the target reports it" {
	need_budget 1
	start_target t ringholder -n 1 -p 3
	addr=$(ring_field t 1 addr)
	run row_of "$TARGET_PID" "$addr" "PID,SIZE,SLOTS,HEAD,TAIL,PENDING,ID,REQ,STATE"
	[ "$status" -eq 0 ]
	read -r pid size slots head tail pending id req state <<<"$output"
	[ "$pid" = "$TARGET_PID" ]
	[ "$slots" = "$(ring_field t 1 nr)" ]
	[ "$head" = "$(ring_field t 1 head)" ]
	[ "$tail" = "$(ring_field t 1 tail)" ]
	[ "$pending" = "$(ring_field t 1 pending)" ]
	[ "$pending" = 3 ]
	[ "$id" = "$(ring_field t 1 id)" ]
	[ "$state" = ok ]
	# the requested nr_events lies in the REQ range
	lo=${req%-*} hi=${req#*-}
	[ "$lo" -le 1 ] && [ "$hi" -ge 1 ]
	run "$AIOCTL" list "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^\ *PID\ +COMMAND\ +ADDR\ +SIZE\ +SLOTS\ +HEAD\ +TAIL\ +PENDING\ +REQ\ +STATE$ ]]
}

@test "many rings: one row each, addresses as reported" {
	need_budget 5
	start_target t ringholder -r 5
	run "$AIOCTL" list -r -n -o ADDR "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	want=$(awk '/^ring /{print $2}' "$BATS_TEST_TMPDIR/t.out" | sort)
	got=$(printf '%s\n' "${lines[@]}" | sort)
	[ "$want" = "$got" ]
}

@test "a 1-page ring (io_setup 1) and a 17-page ring (io_setup 1024)" {
	need_budget 1025
	start_target small ringholder -n 1
	small=$TARGET_PID
	start_target big ringholder -n 1024
	big=$TARGET_PID
	for t in small big; do
		pid=${!t}
		want_nr=$(ring_field $t 1 nr)
		req=$(ring_field $t 1 req)
		run "$AIOCTL" list -J "$pid"
		[ "$status" -eq 0 ]
		# SIZE is (nr + 1) * 32 bytes, whole pages, and REQ brackets what was asked
		[ "$(jq '.rings[0].nr' <<<"$output")" = "$want_nr" ]
		[ "$(jq '.rings[0].size' <<<"$output")" = $(((want_nr + 1) * 32)) ]
		[ "$(jq ".rings[0].req_min <= $req and $req <= .rings[0].req_max" <<<"$output")" = true ]
		[ "$(jq -r '.rings[0].req' <<<"$output")" = "$(jq -r '"\(.rings[0].req_min)-\(.rings[0].req_max)"' <<<"$output")" ]
	done
	[ "$(ring_field small 1 nr)" -lt "$(ring_field big 1 nr)" ]
	[ "$("$AIOCTL" list -r -n -o SIZE "$small")" = 4K ]
	[ "$("$AIOCTL" list -r -n -o SIZE -b "$small")" = 4096 ]
	[ "$("$AIOCTL" list -r -n -o SIZE -b "$big")" = $(((17 * 4096))) ] ||
		[ "$(nproc --all)" -gt 2 ]      # the 17 pages of FACTS hold for 2 CPUs
	[ "$(ring_field big 1 nr)" = 2175 ] || [ "$(nproc --all)" -gt 2 ]
}

@test "a wrapped ring: head and tail past the end of the slots" {
	need_budget 1
	start_target t ringholder -n 1 -w -p 5
	addr=$(ring_field t 1 addr)
	read -r head tail pending state <<<"$(row_of "$TARGET_PID" "$addr" HEAD,TAIL,PENDING,STATE)"
	[ "$head" = "$(ring_field t 1 head)" ]
	[ "$tail" = "$(ring_field t 1 tail)" ]
	[ "$pending" = "$(ring_field t 1 pending)" ]
	[ "$pending" = 5 ]
	[ "$head" -gt 0 ]
	[ "$state" = ok ]
}

@test "a full ring: pending as the target counts it" {
	need_budget 1
	start_target t ringholder -n 1 -f
	addr=$(ring_field t 1 addr)
	read -r slots pending <<<"$(row_of "$TARGET_PID" "$addr" SLOTS,PENDING)"
	# The kernel keeps some slots back per CPU, so "full" may be below nr - 1: the
	# target's own count is the truth.
	[ "$pending" = "$(ring_field t 1 pending)" ]
	[ "$pending" -gt $((slots / 2)) ]
	[ "$pending" -le $((slots - 1)) ]
}

@test "a ring inherited by a forked child: shared, the parent is the owner" {
	need_budget 1
	start_target t ringholder -n 1 -k
	parent=$TARGET_PID
	child=$(awk '/^child /{print $2}' "$BATS_TEST_TMPDIR/t.out")
	addr=$(ring_field t 1 addr)
	[ -n "$child" ]
	run "$AIOCTL" list -J -o PID,ADDR,INODE,STATE,OWNER,SHARED "$parent" "$child"
	[ "$status" -eq 0 ]
	[ "$(jq '.rings | length' <<<"$output")" = 2 ]
	[ "$(jq -r "[.rings[] | select(.addr == \"$addr\")] | length" <<<"$output")" = 2 ]
	[ "$(jq -r '[.rings[].inode] | unique | length' <<<"$output")" = 1 ]
	[ "$(jq -r '[.rings[].state] | unique | join(",")' <<<"$output")" = shared ]
	[ "$(jq -r '[.rings[].owner] | unique | join(",")' <<<"$output")" = "$parent" ]
	[ "$(jq -c ".rings[] | select(.pid == $parent) | .shared" <<<"$output")" = "[$child]" ]
	[ "$(jq -c ".rings[] | select(.pid == $child) | .shared" <<<"$output")" = "[$parent]" ]
	# Asked about the child alone, aioctl still finds the parent that maps the ring.
	read -r state owner shared <<<"$("$AIOCTL" list -r -n -o STATE,OWNER,SHARED "$child")"
	[ "$state" = shared ]
	[ "$owner" = "$parent" ]
	[ "$shared" = "$parent" ]
	# The probe finds the context live in the parent, and names it the owner.
	run "$AIOCTL" list --probe -r -n -o PID,STATE,OWNER "$parent" "$child"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$parent live $parent"* ]]
	[[ "$output" == *"$child inherited $parent"* ]]
	# The summary counts the ring once, toward the owner.
	run "$AIOCTL" list -s -J -o PID,RINGS,OWNED,REQ-MIN "$parent" "$child"
	[ "$status" -eq 0 ]
	[ "$(jq ".processes[] | select(.pid == $parent) | .owned" <<<"$output")" = 1 ]
	[ "$(jq ".processes[] | select(.pid == $child) | .owned" <<<"$output")" = 0 ]
	[ "$(jq ".processes[] | select(.pid == $child) | .rings" <<<"$output")" = 1 ]
	[ "$(jq ".processes[] | select(.pid == $child) | .req_min" <<<"$output")" = 0 ]
}

@test "a thread ID maps its process's rings without sharing them" {
	need_budget 1
	start_target t ringholder -T
	tid=$(awk '/^thread /{print $2}' "$BATS_TEST_TMPDIR/t.out")
	[ -n "$tid" ] && [ "$tid" != "$TARGET_PID" ]
	run "$AIOCTL" list -r -n -o ADDR,STATE,SHARED "$tid"
	[ "$status" -eq 0 ]
	[ "$output" = "$(ring_field t 1 addr) ok -" ]
	# and the whole machine lists processes, not threads: the ring once
	run "$AIOCTL" list -r -n -o PID,ADDR
	[[ "$output" == *"$TARGET_PID $(ring_field t 1 addr)"* ]]
	[[ "$output" != *"$tid $(ring_field t 1 addr)"* ]]
}

@test "a deleted tmpfs file named /[aio] mapped shared is not a ring" {
	need_budget 1
	start_target t fakering
	real=$(ring_field t 1 addr)
	fake=$(awk '/^fake /{print $2}' "$BATS_TEST_TMPDIR/t.out")
	# The impostor looks like a ring in maps: same name, flags and a major-0 device.
	grep -q "^${fake#0x}-.* rw-s 00000000 00:.* /\[aio\] (deleted)$" "/proc/$TARGET_PID/maps"
	run "$AIOCTL" list -r -n -o ADDR "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$real" ]
	run "$AIOCTL" list -r -n -o PID,ADDR
	[[ "$output" == *"$TARGET_PID $real"* ]]
	[[ "$output" != *"$fake"* ]]
}

@test "a PID without rings: exit 1" {
	start_target t ringholder -r 0
	run "$AIOCTL" list "$TARGET_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pid $TARGET_PID: no AIO rings"* ]]
}

@test "a nonexistent PID: exit 4" {
	pid=4194303
	while [ -e /proc/$pid ]; do pid=$((pid - 1)); done
	run "$AIOCTL" list "$pid"
	[ "$status" -eq 4 ]
	[[ "$output" == *"pid $pid: no such process"* ]]
}

@test "usage errors: exit 2" {
	run "$AIOCTL" list abc
	[ "$status" -eq 2 ]
	run "$AIOCTL" list -o PID,BOGUS
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown column 'BOGUS'"* ]]
	run "$AIOCTL" list --sort NOPE
	[ "$status" -eq 2 ]
	run "$AIOCTL" list -r -J
	[ "$status" -eq 2 ]
	run "$AIOCTL" list -s -o ADDR
	[ "$status" -eq 2 ]
}

@test "the whole machine: finds the test's rings and counts what it cannot read" {
	need_budget 3
	start_target a ringholder -r 2
	a=$TARGET_PID
	start_target b ringholder -n 1024
	b=$TARGET_PID
	run "$AIOCTL" list -r -n -o PID,ADDR
	[ "$status" -eq 0 ]
	for r in 1 2; do [[ "$output" == *"$a $(ring_field a $r addr)"* ]]; done
	[[ "$output" == *"$b $(ring_field b 1 addr)"* ]]
}

@test "the whole machine with hundreds of processes: the parallel scan lists what listing each PID does" {
	# Above 256 processes list reads maps on one thread per CPU and libproc2's details
	# beside them: rows, order and details must be those of the one-by-one path.
	need_budget $((300 * 128))
	start_target s ../bench/spawner -n 300 -r 300
	mapfile -t kids < <(pgrep -P "$TARGET_PID" | sort -n)
	[ "${#kids[@]}" -eq 300 ]
	[ "$(ls /proc | grep -c '^[0-9]')" -ge 300 ]
	cols=PID,COMMAND,USER,UNIT,CGROUP,ADDR,SIZE,SLOTS,HEAD,TAIL,PENDING,STATE
	# (stderr apart: the count of unreadable processes would interleave with the rows)
	"$AIOCTL" list -r -n -o "$cols" >"$BATS_TEST_TMPDIR/whole" 2>/dev/null
	whole=$(awk -v p="$TARGET_PID" 'BEGIN { while (("pgrep -P " p) | getline k) kid[k] = 1 } ($1 in kid)' \
		"$BATS_TEST_TMPDIR/whole")
	run "$AIOCTL" list -r -n -o "$cols" "${kids[@]}"
	[ "$status" -eq 0 ]
	[ "$whole" = "$output" ]
	[ "$(wc -l <<<"$whole")" -eq 300 ]
	# every row has its command, from libproc2's pass beside the scan
	[ "$(awk '$2 == "spawner"' <<<"$whole" | wc -l)" -eq 300 ]
	"$AIOCTL" list -J >"$BATS_TEST_TMPDIR/json" 2>/dev/null
	[ "$(jq --argjson p "$TARGET_PID" '[.rings[] | select(.comm == "spawner" and .pid != $p)] | length' \
		"$BATS_TEST_TMPDIR/json")" -eq 300 ]
}

@test "a target that exits while being listed" {
	need_budget 20
	for i in $(seq 1 10); do
		"$TARGETS/ringholder" -r 2 -x >/dev/null &
		p=$!
		run "$AIOCTL" list -r -n "$p"
		# listed, already gone, or caught with its maps half torn down
		[ "$status" -eq 0 ] || [ "$status" -eq 4 ] || [ "$status" -eq 1 ]
		[[ "$output" != *"unreadable"* ]] || [ "$status" -eq 0 ]
		wait "$p" || true
	done
	# the whole-machine scan survives processes coming and going under it
	for i in $(seq 1 5); do "$TARGETS/ringholder" -r 2 -x >/dev/null & done
	run "$AIOCTL" list -r -n
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	wait
}

@test "rings that vanish and headers that lie: never a crash, every row accounted for" {
	need_budget 2
	start_target g hostile garbage
	g=$TARGET_PID
	start_target r hostile remap
	r=$TARGET_PID
	for i in $(seq 1 20); do
		run "$AIOCTL" list -r -n -o PID,STATE "$g" "$r"
		[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
		[[ "$output" != *"Segmentation"* ]]
		run "$AIOCTL" list -J "$g"
		[ "$status" -eq 0 ]
		jq -e '.rings | length == 1' <<<"$output" >/dev/null
	done
}

@test "unprivileged: another user's process is permission denied (exit 3)" {
	need_budget 1
	start_target t ringholder
	run nobody "$AIOCTL" list "$TARGET_PID"
	[ "$status" -eq 3 ]
	[[ "$output" == *"pid $TARGET_PID"*"Permission denied"* ]]
	# the whole machine: rows for nothing unreadable, and one line saying what was missed
	run nobody "$AIOCTL" list -r -n -o PID
	[[ "$output" != *"$TARGET_PID"* ]]
	[[ "$output" =~ [0-9]+\ process(es)?\ could\ not\ be\ read\ \(permission\ denied\)\;\ run\ as\ root ]]
}

@test "unprivileged: its own process works" {
	need_budget 1
	start_as_nobody t ringholder -p 2
	addr=$(ring_field t 1 addr)
	run nobody "$AIOCTL" list -r -n -o PID,ADDR,PENDING,STATE,USER "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$TARGET_PID $addr 2 ok nobody" ]
	run nobody "$AIOCTL" list -r -n -o PID,ADDR
	[[ "$output" == *"$TARGET_PID $addr"* ]]
}

@test "JSON: valid, numbers as numbers, addresses as strings, the budget at the top" {
	need_budget 2
	start_target t ringholder -r 2 -p 4
	run "$AIOCTL" list -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq '.rings | length' <<<"$output")" = 2 ]
	[ "$(jq '.aio_max_nr' <<<"$output")" = "$(cat /proc/sys/fs/aio-max-nr)" ]
	[ "$(jq '.aio_nr | type' <<<"$output")" = '"number"' ]
	# without -o, JSON has every column, keyed by lower-case names
	for k in pid comm user addr size nr head tail pending id inode dev req req_min req_max \
		state owner shared unit cgroup; do
		[ "$(jq "[.rings[] | has(\"$k\")] | all" <<<"$output")" = true ]
	done
	[ "$(jq -r '[.rings[].addr | type] | unique | join(",")' <<<"$output")" = string ]
	[ "$(jq -r '[.rings[] | (.pid, .size, .nr, .head, .tail, .pending, .id, .inode) | type] | unique | join(",")' <<<"$output")" = number ]
	[ "$(jq -r '[.rings[].shared | type] | unique | join(",")' <<<"$output")" = array ]
	for r in 1 2; do
		addr=$(ring_field t $r addr)
		sel=".rings[] | select(.addr == \"$addr\")"
		[ "$(jq "$sel | .pid" <<<"$output")" = "$TARGET_PID" ]
		for k in nr head tail pending id; do
			[ "$(jq "$sel | .$k" <<<"$output")" = "$(ring_field t $r $k)" ]
		done
		[ "$(jq -r "$sel | .comm" <<<"$output")" = ringholder ]
		[ "$(jq -r "$sel | .user" <<<"$output")" = root ]
	done
	# with -o, just those columns
	run "$AIOCTL" list -J -o pid,ADDR "$TARGET_PID"
	[ "$(jq -c '[.rings[] | keys] | unique' <<<"$output")" = '[["addr","pid"]]' ]
}

@test "-o, +LIST, --output-all, -H, -n, -r" {
	need_budget 1
	start_target t ringholder
	run "$AIOCTL" list -o PID,ADDR "$TARGET_PID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\ *PID\ +ADDR$ ]]
	run "$AIOCTL" list -o +ID,INODE "$TARGET_PID"
	[[ "${lines[0]}" =~ STATE\ +ID\ +INODE$ ]]
	[[ "${lines[0]}" =~ ^\ *PID\ +COMMAND ]]
	# -H -r: NAME<TAB>description, the names --output-all shows, in order
	run "$AIOCTL" list -H -r
	[ "$status" -eq 0 ]
	names=$(printf '%s\n' "${lines[@]}" | cut -f1 | paste -sd' ')
	[[ "$names" == "PID COMMAND USER ADDR SIZE SLOTS HEAD TAIL PENDING ID INODE DEV REQ REQ-MIN REQ-MAX STATE OWNER SHARED UNIT CGROUP" ]]
	for l in "${lines[@]}"; do [[ "$l" =~ ^[A-Z-]+$'\t'[^$'\t']+$ ]]; done
	run "$AIOCTL" list --output-all -r "$TARGET_PID"
	[ "$(tr ' ' '\n' <<<"${lines[0]}" | paste -sd' ')" = "$names" ]
	# raw output shows empty cells as "-": every row has every field
	[ "$(awk '{print NF}' <<<"${lines[1]}")" = 20 ]
	run "$AIOCTL" list -H -J
	[ "$(jq '.columns | length' <<<"$output")" = 20 ]
	[ "$(jq -r '.columns[] | select(.name == "ADDR") | .type' <<<"$output")" = hexstring ]
	run "$AIOCTL" list -s -H -r
	[[ "$output" == *$'SHARE\t'* ]]
	# -n: rows only
	run "$AIOCTL" list -n -o PID "$TARGET_PID"
	[ "$output" = "$TARGET_PID" ]
	# --help lists the columns from the same table
	run "$AIOCTL" list --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"REQ-MAX"* ]]
}

@test "--sort: numbers numerically, text bytewise" {
	need_budget 1200
	start_target a ringholder -n 1024 -c zeta
	start_target b ringholder -n 1 -c alpha
	start_target c ringholder -n 127 -c mid
	pids="$(awk '/^ready/{print $2}' "$BATS_TEST_TMPDIR"/{a,b,c}.out)"
	run "$AIOCTL" list -r -n -o SLOTS --sort SLOTS $pids
	[ "$status" -eq 0 ]
	want=$(printf '%s\n' "$(ring_field a 1 nr)" "$(ring_field b 1 nr)" "$(ring_field c 1 nr)" | sort -n)
	[ "$(printf '%s\n' "${lines[@]}")" = "$want" ]
	# by a column that is not shown
	run "$AIOCTL" list -r -n -o COMMAND --sort SIZE $pids
	[ "$(printf '%s\n' "${lines[@]}" | paste -sd,)" = "$(for t in a b c; do echo "$(ring_field $t 1 nr) $t"; done | sort -n | awk '{print $2}' | sed 's/a/zeta/;s/b/alpha/;s/c/mid/' | paste -sd,)" ]
	run "$AIOCTL" list -r -n -o COMMAND --sort COMMAND $pids
	[ "$(printf '%s\n' "${lines[@]}" | paste -sd,)" = alpha,mid,zeta ]
}

@test "--summary: one row per process, ranked by budget share, the budget at the end" {
	need_budget 1200
	start_target big ringholder -n 1024
	big=$TARGET_PID
	start_target small ringholder -r 3 -n 1
	small=$TARGET_PID
	run "$AIOCTL" list -s "$small" "$big"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\ *PID\ +COMMAND\ +USER\ +RINGS\ +SLOTS\ +REQ\ +SHARE$ ]]
	[ "$(awk '{print $1}' <<<"${lines[1]}")" = "$big" ]
	[ "$(awk '{print $1}' <<<"${lines[2]}")" = "$small" ]
	[ "$(awk '{print $4}' <<<"${lines[2]}")" = 3 ]
	[ "$(awk '{print $5}' <<<"${lines[2]}")" = $((3 * $(ring_field small 1 nr))) ]
	[[ "${lines[3]}" =~ ^aio-nr\ [0-9]+,\ aio-max-nr\ $(cat /proc/sys/fs/aio-max-nr),\ headroom\ [0-9]+\;\ 4\ rings\ seen,\ asked\ for\ ([0-9]+)-([0-9]+)\ events\ in\ all$ ]]
	# what the four rings asked for (1024 + 3 x 1) lies in the range given
	[ "${BASH_REMATCH[1]}" -le 1027 ] && [ "${BASH_REMATCH[2]}" -ge 1027 ]
	run "$AIOCTL" list -s -J "$big"
	[ "$status" -eq 0 ]
	[ "$(jq '.processes[0].pid' <<<"$output")" = "$big" ]
	[ "$(jq '.processes[0].req_min <= 1024 and 1024 <= .processes[0].req_max' <<<"$output")" = true ]
	[ "$(jq '.processes[0].share | type' <<<"$output")" = '"number"' ]
	[ "$(jq '.headroom == ([.aio_max_nr - .aio_nr, 0] | max)' <<<"$output")" = true ]
	[ "$(jq '.rings_seen' <<<"$output")" = 1 ]
	[ "$(jq '.req_min <= 1024 and 1024 <= .req_max' <<<"$output")" = true ]
	# the whole machine: the test's processes are there, the biggest of them first
	run "$AIOCTL" list -s -r -n -o PID
	[ "$status" -eq 0 ]
	pos_big=$(grep -nx "$big" <<<"$output" | cut -d: -f1)
	pos_small=$(grep -nx "$small" <<<"$output" | cut -d: -f1)
	[ -n "$pos_big" ] && [ -n "$pos_small" ]
	[ "$pos_big" -lt "$pos_small" ]
}

@test "a command name with control characters, quotes and invalid UTF-8" {
	need_budget 2
	start_target t ringholder -r 2 -c 'a\x01b"c\x1b[1m\xff'
	run "$AIOCTL" list "$TARGET_PID"
	[ "$status" -eq 0 ]
	# one line per ring, nothing a terminal would act on
	[ "${#lines[@]}" -eq 3 ]
	! printf '%s' "$output" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\xff]'
	[[ "${lines[1]}" == *'b"c'* ]]
	run "$AIOCTL" list -r -n -o PID,COMMAND,ADDR "$TARGET_PID"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(awk '{print NF}' <<<"${lines[0]}")" = 3 ]
	run "$AIOCTL" list -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	[[ "$(jq -r '.rings[0].comm' <<<"$output")" == a*'b"c'* ]]
}
