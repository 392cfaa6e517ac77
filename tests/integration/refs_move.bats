#!/usr/bin/env bats
# A move keeps a live application working: its references to the ring follow it.
# ctxkeeper checks every copy of its context and every I/O; fio checks its data.

load helpers

canon() { printf '0x%x' "$(($1))"; }

ref_addr() {
	awk -v k="$2" '$1 == "ref" && $2 == k { print $3; exit }' "$BATS_TEST_TMPDIR/$1.out"
}

# maps_of PID: PID's maps as one snapshot (cat reads it sequentially; the shell's read
# builtin seeks back after each line, which re-generates /proc text that may have moved).
maps_of() {
	cat "/proc/$1/maps" 2>/dev/null || true
}

# rings_of PID: the start address of each AIO ring of PID.
rings_of() {
	maps_of "$1" | awk '$6 == "/[aio]" && $7 == "(deleted)" { split($1, r, "-"); print "0x" r[1] }'
}

# low_gap PID: an address 4 GiB above PID's highest mapping below 0x700000000000 (the
# program and its heap): the gap up to the libraries is terabytes wide, and mmap fills
# address space from the top, so destinations there stay free for a test's lifetime.
# One awk over the maps (addresses below 2^53 are exact in awk's doubles).
low_gap() {
	maps_of "$1" | awk '
		function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		{ split($1, r, "-"); e = hex(r[2]); if (e < 123145302310912 && e > best) best = e }
		END { printf "%.0f\n", best + 4294967296 - (best % 4096) }'
}

# descendants PID: PID and every process below it.
descendants() {
	local p c
	echo "$1"
	for p in /proc/"$1"/task/*/children; do
		for c in $(cat "$p" 2>/dev/null); do descendants "$c"; done
	done
}

NEXT_SLOT=1
# move_ring PID RING [OPTS...]: moves RING to a fresh address in PID's low gap (aioctl
# reserves it with MAP_FIXED_NOREPLACE, and refuses an occupied one: then the next slot
# is tried); sets MOVED_TO.  Fails with aioctl's output when the move fails.
move_ring() {
	local pid=$1 ring=$2 dest base
	shift 2
	base=$(low_gap "$pid")
	for _ in 1 2 3 4 5; do
		dest=$(canon $((base + NEXT_SLOT * 0x100000)))
		NEXT_SLOT=$((NEXT_SLOT + 1))
		run "$AIOCTL" move "$@" --ring "$ring" "$pid" "$dest"
		[ "$status" -eq 5 ] && [[ "$output" == *occupied* ]] || break
	done
	if [ "$status" -ne 0 ]; then
		echo "move of ring $ring of pid $pid to $dest failed ($status): $output"
		[ -f "$BATS_TEST_TMPDIR/fio.out" ] && tail -20 "$BATS_TEST_TMPDIR/fio.out"
		return 1
	fi
	MOVED_TO=$dest
}

# keeper_done: stops ctxkeeper (unless it already ended, e.g. crashed on a stale
# context as --no-fix-refs warns), waits for it and keeps its status and summary line.
keeper_done() {
	kill -TERM "$TARGET_PID" 2>/dev/null || true
	local rc=0
	wait "$TARGET_PID" || rc=$?
	KEEPER_RC=$rc
	SUMMARY=$(grep '^summary ' "$BATS_TEST_TMPDIR/keeper.out" || true)
}

start_keeper() {
	local threads=$1
	shift
	need_aio $((threads * 8 * 2 + 16))
	start_target keeper ctxkeeper -d "$BATS_TEST_TMPDIR" -t "$threads" "$@"
	RING=$(canon "$(awk '/^ring /{print $2; exit}' "$BATS_TEST_TMPDIR/keeper.out")")
}

keeper_moves() {
	local n=$1 ring=$RING i
	for i in $(seq 1 "$n"); do
		move_ring "$TARGET_PID" "$ring" || return 1
		ring=$MOVED_TO
	done
	RING=$ring
	# let the r12 holder come out of its blocking calls and use what it holds
	sleep 1.2
}

@test "ctxkeeper with 1 thread keeps working across 100 moves in a row" {
	start_keeper 1
	keeper_moves 100
	[ "$(rings_of "$TARGET_PID")" = "$RING" ]
	keeper_done
	echo "$SUMMARY"; cat "$BATS_TEST_TMPDIR/keeper.err"
	[ "$KEEPER_RC" -eq 0 ]
	[[ "$SUMMARY" == *" failed=0 lost=0 stale=0 "* ]]
	ios=$(sed 's/.*ios=\([0-9]*\).*/\1/' <<<"$SUMMARY")
	[ "$ios" -gt 0 ]
}

@test "ctxkeeper with 16 threads submitting and reaping keeps working across 100 moves" {
	start_keeper 16
	keeper_moves 100
	keeper_done
	echo "$SUMMARY"; cat "$BATS_TEST_TMPDIR/keeper.err"
	[ "$KEEPER_RC" -eq 0 ]
	[[ "$SUMMARY" == *" failed=0 lost=0 stale=0 "* ]]
}

@test "move rewrites every planted copy and reports them; refs afterwards sees the new address" {
	start_keeper 2
	old=$RING
	move_ring "$TARGET_PID" "$old" -J
	echo "$output" | jq -e '.moved and .refs_fixed and .refs_scanned_bytes > 0 and (.refs_scan_us | type) == "number"' >/dev/null
	new=$MOVED_TO
	for kind in global heap stack; do
		echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper "$kind")")" --arg o "$old" --arg n "$new" \
			'[.refs[] | select(.address == $a and .value == $o and .new == $n)] | length == 1' >/dev/null
	done
	tid=$(awk '$1 == "ref" && $2 == "reg" { print $5 }' "$BATS_TEST_TMPDIR/keeper.out")
	echo "$output" | jq -e --argjson t "$tid" '[.refs[] | select(.tid == $t and .register == "r12")] | length == 1' >/dev/null
	# the old address is gone (no tombstone unless asked); every copy now holds the new one
	run "$AIOCTL" refs -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	for kind in global heap stack; do
		echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper "$kind")")" --arg n "$new" \
			'[.refs[] | select(.address == $a and .value == $n)] | length == 1' >/dev/null
	done
	! grep -q "^${old#0x}-" "/proc/$TARGET_PID/maps"
	keeper_done
	[ "$KEEPER_RC" -eq 0 ]
}

@test "move --dry-run lists the references it would rewrite and changes nothing" {
	start_keeper 1
	dest=$(canon $(($(low_gap "$TARGET_PID") + 0x100000)))
	run "$AIOCTL" move --dry-run --ring "$RING" "$TARGET_PID" "$dest"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == RING*ADDRESS*WHERE*VALUE*NEW*ACTION* ]]
	grep -q "$(canon "$(ref_addr keeper heap)") *\[heap\] *$RING *$dest *rewrite" <<<"$output"
	[[ "${lines[-1]}" == *"dry run, nothing changed"*"references would be rewritten" ]]
	[ "$(rings_of "$TARGET_PID")" = "$RING" ]
	run "$AIOCTL" move --dry-run -J --ring "$RING" "$TARGET_PID" "$dest"
	echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper global)")" '.dry_run and (.moved | not) and any(.refs[]; .address == $a)' >/dev/null
	keeper_done
	[ "$KEEPER_RC" -eq 0 ]
}

@test "move refuses a ring referred to from shared or read-only memory, naming where (exit 5)" {
	start_keeper 1 -u
	dest=$(canon $(($(low_gap "$TARGET_PID") + 0x100000)))
	run "$AIOCTL" move --ring "$RING" "$TARGET_PID" "$dest"
	[ "$status" -eq 5 ]
	[[ "$output" == *"cannot be rewritten"* ]]
	[[ "$output" == *"shared $(canon "$(ref_addr keeper shared)")"* ]]
	[[ "$output" == *"[anon] $(canon "$(ref_addr keeper readonly)")"* ]]
	[[ "$output" == *"target unchanged"* ]]
	[ "$(rings_of "$TARGET_PID")" = "$RING" ]
	keeper_done
	[ "$KEEPER_RC" -eq 0 ]
}

@test "a rewrite that fails half-way restores every rewritten word and moves the ring back" {
	start_keeper 2
	run "$AIOCTL" refs -J "$TARGET_PID"
	before=$(echo "$output" | jq -c '[.refs[] | select(.kind == "memory") | [.address, .value]]')
	[ "$(echo "$before" | jq length)" -ge 5 ]
	dest=$(canon $(($(low_gap "$TARGET_PID") + 0x100000)))
	[ -x "$AIOCTL_TEST" ] || skip "no build/aioctl-test (make tests-build)"
	AIOCTL_TEST_REFS_FAIL_AFTER=3 run "$AIOCTL_TEST" move -J --ring "$RING" "$TARGET_PID" "$dest"
	[ "$status" -eq 5 ]
	[[ "$output" == *"aioctl: pid $TARGET_PID: ring $RING -> $dest: cannot rewrite the reference at 0x"*"; target unchanged"* ]]
	json=$(sed '/^aioctl: /d' <<<"$output")
	echo "$json" | jq -e '.error | test("cannot rewrite the reference")' >/dev/null
	echo "$json" | jq -e '[.steps[] | select(.name == "mremap")][0].result == "undone"' >/dev/null
	echo "$json" | jq -e '[.steps[] | select(.name == "rewrite-refs")][0].result == "failed"' >/dev/null
	[ "$(rings_of "$TARGET_PID")" = "$RING" ]
	run "$AIOCTL" refs -J "$TARGET_PID"
	after=$(echo "$output" | jq -c '[.refs[] | select(.kind == "memory") | [.address, .value]]')
	[ "$before" = "$after" ]
	# and a later step failing unwinds a complete rewrite the same way
	AIOCTL_TEST_FAULT=tombstone:fail run "$AIOCTL_TEST" move --tombstone --ring "$RING" "$TARGET_PID" "$dest"
	[ "$status" -eq 5 ]
	[ "$(rings_of "$TARGET_PID")" = "$RING" ]
	! grep -q "^${dest#0x}-" "/proc/$TARGET_PID/maps"
	run "$AIOCTL" refs -J "$TARGET_PID"
	after=$(echo "$output" | jq -c '[.refs[] | select(.kind == "memory") | [.address, .value]]')
	[ "$before" = "$after" ]
	sleep 1.2
	keeper_done
	echo "$SUMMARY"
	[ "$KEEPER_RC" -eq 0 ]
}

@test "--tombstone leaves a read-only zero page at the old address, and reports it" {
	start_keeper 1
	old=$RING
	move_ring "$TARGET_PID" "$old" --tombstone
	[[ "$output" == *"tombstone: read-only zero page"*" at $old-"* ]]
	grep -q "^${old#0x}-[0-9a-f]* r--p 00000000 00:00 0 *$" "/proc/$TARGET_PID/maps"
	run "$AIOCTL" move -J --ring "$MOVED_TO" "$TARGET_PID" "$(canon $((MOVED_TO + 0x100000)))"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.tombstone == null' >/dev/null
	keeper_done
	[ "$KEEPER_RC" -eq 0 ]
}

@test "--no-fix-refs warns naming each stale reference, and the application then fails" {
	start_keeper 1
	heap=$(canon "$(ref_addr keeper heap)") global=$(canon "$(ref_addr keeper global)")
	move_ring "$TARGET_PID" "$RING" --no-fix-refs
	[[ "$output" == *"warning: pid $TARGET_PID: ring $RING moved without its references (--no-fix-refs)"* ]]
	[[ "$output" == *"[heap] $heap"* ]]
	[[ "$output" == *"ctxkeeper rw $global"* ]]
	[[ "$output" == *"r12"* ]]
	sleep 1.2
	keeper_done
	echo "rc=$KEEPER_RC $SUMMARY"
	# the stale copies fail: EINVAL through the raw system calls, or libaio crashes
	[ "$KEEPER_RC" -ne 0 ]
	if [ "$KEEPER_RC" -eq 1 ]; then [[ "$SUMMARY" != *" stale=0 "* ]]; fi
}

@test "--no-fix-refs --tombstone turns libaio's crash into EINVAL" {
	start_keeper 1
	move_ring "$TARGET_PID" "$RING" --no-fix-refs --tombstone
	sleep 1.2
	keeper_done
	echo "rc=$KEEPER_RC $SUMMARY"; head -5 "$BATS_TEST_TMPDIR/keeper.err"
	# not killed by a signal: it saw EINVAL and reported stale copies
	[ "$KEEPER_RC" -eq 1 ]
	[[ "$SUMMARY" != *" stale=0 "* ]]
	grep -q 'Invalid argument' "$BATS_TEST_TMPDIR/keeper.err"
}

# fio_start NAME ARGS...: starts fio in $BATS_TEST_TMPDIR (its state files land there)
# with a small file per job (jobs sharing one file would overwrite each other's blocks and
# fail verification on their own) and data verification; waits for EXPECT rings.
fio_start() {
	local name=$1
	shift
	command -v fio >/dev/null || skip "fio is not installed"
	need_aio 256
	(cd "$BATS_TEST_TMPDIR" && exec fio --name="$name" --directory="$BATS_TEST_TMPDIR" \
		--size=4M --bs=4k --rw=randwrite --ioengine=libaio --direct=1 \
		--verify=crc32c --verify_backlog=16 --time_based --runtime=24 "$@" \
		>"$BATS_TEST_TMPDIR/fio.out" 2>&1) &
	FIO_PID=$!
	TARGET_PIDS+=("$FIO_PID")
	FIO_T0=$SECONDS
	local n
	for _ in $(seq 1 600); do
		n=0
		FIO_PROCS=$(descendants "$FIO_PID")
		for p in $FIO_PROCS; do n=$((n + $(rings_of "$p" | wc -l))); done
		[ "$n" -ge "$EXPECT" ] && return 0
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/fio.out"
	echo "fio never showed $EXPECT rings"
	return 1
}

# fio_moves: moves every ring of every fio process, round after round (5 rounds, or as
# many as fit in the first 14 s of fio's 24 s run on a loaded machine: never fewer than
# one), then waits for fio to finish on its own and checks its verdict.
fio_moves() {
	local rounds=0 p r
	while [ $rounds -lt 5 ] && { [ $rounds -eq 0 ] || [ $((SECONDS - FIO_T0)) -lt 14 ]; }; do
		for p in $FIO_PROCS; do
			for r in $(rings_of "$p"); do
				move_ring "$p" "$r" "$@" || return 1
			done
		done
		rounds=$((rounds + 1))
		echo "round $rounds done at $((SECONDS - FIO_T0)) s"
	done
	local rc=0
	wait "$FIO_PID" || rc=$?
	echo "fio exit $rc after $rounds rounds of moves"
	grep -E 'err=|verify|error' "$BATS_TEST_TMPDIR/fio.out" || true
	[ "$rc" -eq 0 ]
	grep -q 'err= 0' "$BATS_TEST_TMPDIR/fio.out"
	! grep -qE 'err= *[1-9]|verify.*(bad|fail)|crc32c: verify failed' "$BATS_TEST_TMPDIR/fio.out"
}

@test "fio: 2 job processes, iodepth 8, verified data, survives repeated moves of its rings" {
	EXPECT=2 fio_start procs --numjobs=2 --iodepth=8
	fio_moves
}

@test "fio --thread: 4 jobs in one process, iodepth 16, survives repeated moves of all 4 rings" {
	EXPECT=4 fio_start threads --thread --numjobs=4 --iodepth=16
	fio_moves
}

@test "fio --userspace_reap=1: reaping through the ring pointer survives repeated moves" {
	EXPECT=2 fio_start ureap --thread --numjobs=2 --iodepth=4 --userspace_reap=1
	fio_moves
}

@test "fio iodepth 1, one job, blocking reaps, survives repeated moves" {
	EXPECT=1 fio_start qd1 --numjobs=1 --iodepth=1
	fio_moves
}

@test "fio after a --no-fix-refs move fails as warned, and the warning named its reference" {
	EXPECT=1 fio_start stale --thread --numjobs=1 --iodepth=8
	pid=$FIO_PID
	ring=$(rings_of "$pid")
	run "$AIOCTL" refs -J "$pid"
	stale=$(echo "$output" | jq -r '[.refs[] | select(.kind == "memory")][0].address')
	[ -n "$stale" ] && [ "$stale" != null ]
	move_ring "$pid" "$ring" --no-fix-refs
	[[ "$output" == *"moved without its references"*"$stale"* ]]
	rc=0
	wait "$FIO_PID" || rc=$?
	echo "fio exit $rc"; tail -5 "$BATS_TEST_TMPDIR/fio.out"
	[ "$rc" -ne 0 ]
}
