#!/usr/bin/env bats
# aioctl move against real multi-threaded targets (tests/targets/movetarget.c): the ring
# moves with its pending completions, blocked threads and registers are undisturbed, and
# every refusal or failure leaves the target exactly as it was.

load helpers
load movetarget
bats_require_minimum_version 1.5.0

DEST=0x500000000000

@test "move: pending completions are reaped intact at the new address" {
	start_mt t -p 5
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	[[ "$output" == *"moved ring $RING -> $DEST"* ]]
	grep -q "^500000000000-500000001000 rw-s .*/\[aio\] (deleted)" /proc/$TARGET_PID/maps
	! grep -q "^${RING#0x}-" /proc/$TARGET_PID/maps
	untouched "$TARGET_PID"
	# The target's own copy of the id followed the ring (aioctl refs); the old id is dead.
	run ask t probe probe
	[ "$output" = "probe 0 ok" ]
	ask t "ctx $RING" ok
	run ask t probe probe
	[[ "$output" == "probe -1 "* ]]
	ask t "ctx $DEST" ok
	run ask t probe probe
	[ "$output" = "probe 0 ok" ]
	run ask t "reap 5" reaped
	[ "$output" = "reaped 5 data=0x1000,0x1001,0x1002,0x1003,0x1004 res=512,512,512,512,512" ]
	# New requests complete on the moved ring.
	ask t "submit 2" submitted
	run ask t "reap 2" reaped
	[ "$output" = "reaped 2 data=0x1005,0x1006 res=512,512" ]
}

@test "move: the ring moves back to its first address" {
	start_mt t -p 2 -n 63
	local old=$RING
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	run "$AIOCTL" move "$TARGET_PID" "$old"
	[ "$status" -eq 0 ]
	run ask t probe probe
	[ "$output" = "probe 0 ok" ]
	run ask t "reap 2" reaped
	[ "$output" = "reaped 2 data=0x1000,0x1001 res=512,512" ]
}

@test "move: a thread blocked in io_getevents is woken at the new address, without EINTR" {
	start_mt t -b
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	ask t "ctx $DEST" ok
	ask t "submit 1" submitted
	wait_line t '^getevents r=1 data=0x1000 res=512'
	ask t "submit 1" submitted
	wait_line t '^getevents r=1 data=0x1001 res=512'
	run ask t status status
	[[ "$output" == *" geterr=0 "* ]]
	! grep -q '^getevents r=-1' "$BATS_TEST_TMPDIR/t.out"
}

@test "move: threads in read(), nanosleep() and user code keep every register" {
	start_mt t -R -G -t 2 -g 2
	local before
	before=$(ask t status status)
	[[ "$before" == *"regerr=0 "* ]]
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	run "$AIOCTL" move "$TARGET_PID" "$RING"
	[ "$status" -eq 0 ]
	ask t poke poked
	# The spinners verify after each round: wait for rounds completed after the moves.
	local r0 r1
	r0=$(sed -n 's/.* rounds=\([0-9]*\).*/\1/p' <<<"$before")
	for _ in $(seq 1 200); do
		run ask t status status
		r1=$(sed -n 's/.* rounds=\([0-9]*\).*/\1/p' <<<"$output")
		[ "$r1" -gt $((r0 + 4)) ] && [[ "$output" == *"gread=1 "* ]] && break
		sleep 0.05
	done
	echo "$output"
	[[ "$output" == *"regerr=0 "* ]]
	[[ "$output" == *"sleeperr=0 "* ]]
	[[ "$output" == *"readerr=0 "* ]]
	[[ "$output" == *"gread=1 greadbad=0"* ]]
	[ "$r1" -gt $((r0 + 4)) ]
}

@test "move: a single-threaded target blocked in read() does not see the interruption" {
	# The only thread is the injector: it leaves a syscall-exit stop, where aioctl applies
	# the restart rule itself; a leaked -ERESTARTSYS would end the target's command loop.
	start_mt t -p 1
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	ask t "ctx $DEST" ok
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
	[ ! -s "$BATS_TEST_TMPDIR/t.err" ]
}

@test "move: 33 threads are all frozen and resumed (frozen_us reported)" {
	start_mt t -t 32 -p 1
	run --separate-stderr "$AIOCTL" move -J "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.threads == 33 and .verified == true and .frozen_us > 0' >/dev/null
	echo "# frozen_us with 33 threads: $(echo "$output" | jq .frozen_us)" >&3
	ask t "ctx $DEST" ok
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
	run ask t status status
	[[ "$output" == *"sleeperr=0 "* ]]
}

@test "move: frozen_us for one thread" {
	start_mt t -p 1
	run --separate-stderr "$AIOCTL" move -J "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.threads == 1 and .frozen_us > 0' >/dev/null
	echo "# frozen_us with 1 thread: $(echo "$output" | jq .frozen_us)" >&3
}

@test "move: threads created during the freeze are frozen too" {
	start_mt t -c -p 1
	for d in 0x500000000000 0x500000100000 0x500000200000; do
		run "$AIOCTL" move "$TARGET_PID" "$d"
		[ "$status" -eq 0 ]
	done
	ask t "ctx 0x500000200000" ok
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
	local c1 c2
	c1=$(ask t status status | sed 's/.*created=\([0-9]*\).*/\1/')
	sleep 0.2
	c2=$(ask t status status | sed 's/.*created=\([0-9]*\).*/\1/')
	[ "$c2" -gt "$c1" ]
	untouched "$TARGET_PID"
}

@test "move -J: reports pid, from, to, size, verified and the steps" {
	start_mt t
	run --separate-stderr "$AIOCTL" move -J "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg from "$RING" --argjson pid "$TARGET_PID" '
		.pid == $pid and .from == $from and .to == "0x500000000000" and .size == 4096 and
		.verified == true and .moved == true and
		([.steps[].name] == ["revalidate","probe","scan-refs","reserve","mremap","retarget-threads","verify","rewrite-refs","tombstone"]) and
		all(.steps[]; .result == "done")' >/dev/null
}

@test "move --dry-run changes nothing" {
	start_mt t -p 2
	local before
	before=$(maps_of "$TARGET_PID")
	run "$AIOCTL" move -n "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	[[ "$output" == *"can move to $DEST (dry run"* ]]
	[ "$(maps_of "$TARGET_PID")" = "$before" ]
	untouched "$TARGET_PID"
	run --separate-stderr "$AIOCTL" move -n -J "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.moved == false and .dry_run == true and
		([.steps[] | {(.name): .result}] | add |
		 .probe == "done" and .reserve == "undone" and .mremap == "skipped")' >/dev/null
	[ "$(maps_of "$TARGET_PID")" = "$before" ]
	run ask t "reap 2" reaped
	[ "$output" = "reaped 2 data=0x1000,0x1001 res=512,512" ]
}

@test "move has no --force: the application's references are rewritten by default" {
	start_mt t
	local before
	before=$(maps_of "$TARGET_PID")
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 2 ]
	[ "$(maps_of "$TARGET_PID")" = "$before" ]
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	[[ "$output" == *"moved ring $RING -> $DEST"*"rewritten"* ]]
}

# refused NAME CMD-ARGS...: runs aioctl move and checks exit 5, maps and behaviour unchanged.
refused() {
	local before
	before=$(maps_of "$TARGET_PID")
	run "$AIOCTL" move "$@"
	echo "$output"
	[ "$status" -eq 5 ]
	[ "$(maps_of "$TARGET_PID")" = "$before" ]
	untouched "$TARGET_PID"
}

@test "move refuses an unaligned, a non-canonical and an overlapping destination" {
	start_mt t -n 63 -p 1
	refused "$TARGET_PID" 0x500000000100
	[[ "$output" == *"not page-aligned"* ]]
	refused "$TARGET_PID" 0x800000000000
	[[ "$output" == *"canonical"* ]]
	refused "$TARGET_PID" 0x7ffffffff000
	[[ "$output" == *"canonical"* ]]
	refused "$TARGET_PID" 0xffff800000000000
	refused "$TARGET_PID" "$(printf '0x%x' $((RING + 4096)))"
	[[ "$output" == *"overlaps"* ]]
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
}

@test "move refuses an occupied destination" {
	start_mt t -p 1
	local heap
	heap=0x$(awk '/\[stack\]/{split($1,a,"-"); print a[1]}' /proc/$TARGET_PID/maps)
	refused "$TARGET_PID" "$heap"
	[[ "$output" == *"occupied"* ]]
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
}

@test "move refuses a traced target" {
	start_mt t -P
	wait_line t '^tracer '
	refused "$TARGET_PID" "$DEST" || true
	[ "$status" -eq 5 ]
	[[ "$output" == *"already traced"* ]]
}

@test "move refuses a zombie" {
	local zfile="$BATS_TEST_TMPDIR/z"
	( sleep 0.01 & echo $! >"$zfile"; exec sleep 30 ) &
	TARGET_PIDS+=("$!")
	for _ in $(seq 1 500); do
		[ -s "$zfile" ] && grep -q '^State:.*Z' "/proc/$(cat "$zfile")/status" 2>/dev/null && break
		sleep 0.01
	done
	run "$AIOCTL" move "$(cat "$zfile")" "$DEST"
	[ "$status" -eq 5 ]
	[[ "$output" == *"zombie"* ]]
}

@test "move refuses a 32-bit process" {
	# A libc-free i386 program (as + ld are enough, no multilib) that holds a ring.
	command -v as >/dev/null && command -v ld >/dev/null || skip "no binutils"
	cat >"$BATS_TEST_TMPDIR/t32.s" <<'ASM'
	.bss
ctx:	.space 8
	.text
	.globl _start
_start:	movl $245, %eax		# io_setup(1, &ctx)
	movl $1, %ebx
	movl $ctx, %ecx
	int $0x80
1:	movl $29, %eax		# pause()
	int $0x80
	jmp 1b
ASM
	as --32 -o "$BATS_TEST_TMPDIR/t32.o" "$BATS_TEST_TMPDIR/t32.s" &&
		ld -m elf_i386 -o "$BATS_TEST_TMPDIR/t32" "$BATS_TEST_TMPDIR/t32.o" ||
		skip "cannot build a 32-bit program here"
	local rc=0
	timeout 0.2 "$BATS_TEST_TMPDIR/t32" 2>/dev/null || rc=$?
	[ "$rc" -eq 124 ] || skip "this kernel cannot run 32-bit programs (exec format error)"
	"$BATS_TEST_TMPDIR/t32" &
	TARGET_PIDS+=("$!")
	TARGET_PID=$!
	for _ in $(seq 1 500); do
		grep -q '/\[aio\]' /proc/$TARGET_PID/maps 2>/dev/null && break
		sleep 0.01
	done
	grep -q '/\[aio\]' /proc/$TARGET_PID/maps || skip "this kernel has no 32-bit io_setup"
	refused "$TARGET_PID" "$DEST"
	[[ "$output" == *"32-bit"* ]]
}

@test "move: a process stopped by SIGSTOP is moved and stays stopped" {
	start_mt t -p 1 -t 2
	kill -STOP "$TARGET_PID"
	for _ in $(seq 1 500); do
		grep -q '^State:.*T (stopped)' /proc/$TARGET_PID/status && break
		sleep 0.01
	done
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	sleep 0.2
	for t in /proc/$TARGET_PID/task/*; do
		grep -q '^State:.*T (stopped)' "$t/status"
	done
	[ "$(awk '/^TracerPid:/{print $2}' /proc/$TARGET_PID/status)" = 0 ]
	kill -CONT "$TARGET_PID"
	ask t "ctx $DEST" ok
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
	run ask t status status
	[[ "$output" == *"sleeperr=0 "* ]]
}

@test "move refuses the inherited ring of a forked child" {
	start_mt t -k -p 1
	wait_line t '^child '
	local child
	child=$(awk '/^child /{print $2; exit}' "$BATS_TEST_TMPDIR/t.out")
	grep -q "^${RING#0x}-.*/\[aio\]" /proc/$child/maps || skip "this kernel does not copy rings on fork"
	local before
	before=$(maps_of "$child")
	run "$AIOCTL" move "$child" "$DEST"
	[ "$status" -eq 5 ]
	[[ "$output" == *"not live"* ]]
	[ "$(maps_of "$child")" = "$before" ]
	untouched "$child"
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
}

@test "move wants --ring when there are several rings, and moves the chosen one" {
	start_mt t -r 2 -p 1
	local other
	other=$(awk '/^ring /{print $2; exit}' "$BATS_TEST_TMPDIR/t.out")
	refused "$TARGET_PID" "$DEST"
	[[ "$output" == *"--ring"* ]]
	refused --ring 0x1000 "$TARGET_PID" "$DEST"
	[[ "$output" == *"no ring starts at"* ]]
	run "$AIOCTL" move --ring "$RING" "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	grep -q "^${other#0x}-" /proc/$TARGET_PID/maps
	ask t "ctx $DEST" ok
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
}

@test "move refuses a ring whose header is not sane" {
	start_mt t -B
	refused "$TARGET_PID" "$DEST"
	[[ "$output" == *"not whole and sane"* ]]
}

@test "move: a failing step unwinds everything (injected failure at verify)" {
	start_mt t -p 2 -b
	# -b reaped the two completions; keep one pending for the comparison below
	wait_line t '^getevents r=1 data=0x1001'
	local before
	before=$(maps_of "$TARGET_PID")
	AIOCTL_TEST_FAULT=verify:fail run --separate-stderr "$AIOCTL_TEST" move -J "$TARGET_PID" "$DEST"
	[ "$status" -eq 5 ]
	echo "$output" | jq -e '
		[.steps[] | {(.name): .result}] | add |
		.reserve == "undone" and .mremap == "undone" and .["retarget-threads"] == "undone"
		and .verify == "failed"' >/dev/null
	[ "$(maps_of "$TARGET_PID")" = "$before" ]
	untouched "$TARGET_PID"
	# The blocked thread re-issued its call on the old address, which still works.
	ask t "submit 1" submitted
	wait_line t '^getevents r=1 data=0x1002'
	! grep -q '^getevents r=-1' "$BATS_TEST_TMPDIR/t.out"
}

@test "move: the target SIGKILLed during the operation gives exit 5, no hang" {
	start_mt t -t 2
	AIOCTL_TEST_FAULT=mremap:delay=3000 timeout 30 "$AIOCTL_TEST" move "$TARGET_PID" "$DEST" \
		2>"$BATS_TEST_TMPDIR/err" &
	local ap=$!
	for _ in $(seq 1 1000); do
		[ "$(awk '/^TracerPid:/{print $2}' /proc/$TARGET_PID/status 2>/dev/null)" != 0 ] && break
		sleep 0.01
	done
	sleep 0.2
	kill -KILL "$TARGET_PID"
	local st=0
	wait "$ap" || st=$?
	cat "$BATS_TEST_TMPDIR/err"
	[ "$st" -eq 5 ]
	grep -q "died" "$BATS_TEST_TMPDIR/err"
}

@test "move: SIGTERM to aioctl during the operation unwinds, then aioctl dies of it" {
	start_mt t -p 1 -t 2
	local before
	before=$(maps_of "$TARGET_PID")
	AIOCTL_TEST_FAULT=mremap:delay=2000 "$AIOCTL_TEST" move "$TARGET_PID" "$DEST" \
		2>"$BATS_TEST_TMPDIR/err" &
	local ap=$!
	for _ in $(seq 1 1000); do
		[ "$(awk '/^TracerPid:/{print $2}' /proc/$TARGET_PID/status 2>/dev/null)" = "$ap" ] && break
		sleep 0.01
	done
	sleep 0.2
	kill -TERM "$ap"
	local st=0
	wait "$ap" || st=$?
	cat "$BATS_TEST_TMPDIR/err"
	[ "$st" -eq 143 ]
	grep -q "interrupted" "$BATS_TEST_TMPDIR/err"
	[ "$(maps_of "$TARGET_PID")" = "$before" ]
	untouched "$TARGET_PID"
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
	run ask t status status
	[[ "$output" == *"sleeperr=0 "* ]]
}

@test "move works on a target with a seccomp filter (suspended while frozen)" {
	start_mt t -S -p 1
	grep -q '^Seccomp:.*2' /proc/$TARGET_PID/status
	run "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	ask t "ctx $DEST" ok
	run ask t "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1000 res=512" ]
}

@test "move: usage errors" {
	run "$AIOCTL" move
	[ "$status" -eq 2 ]
	run "$AIOCTL" move 1 zz
	[ "$status" -eq 2 ]
	run "$AIOCTL" move 4194303 "$DEST"
	[ "$status" -eq 4 ]
}
