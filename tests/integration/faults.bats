#!/usr/bin/env bats
# Faults at every step of a move (issue 6), through the test-only hooks of build/aioctl-test
# (src/testhook.h).  After each: the ring is at its old place or at the new one, no thread
# stays stopped or traced, the registers of every thread are as they were (spinner threads
# check theirs), nothing else in the target's maps changed, the target still does I/O, and
# aioctl's exit status and message say which way it went.
load helpers
load movetarget
bats_require_minimum_version 1.5.0

DEST=0x500000000000

setup() {
	[ -x "$AIOCTL_TEST" ] || skip "no build/aioctl-test (make tests-build)"
}

# The step names of a move, in order, from a real one's JSON report.
move_steps() {
	start_mt s -p 1
	"$AIOCTL" move -J "$TARGET_PID" "$DEST" | jq -r '.steps[].name'
	stop_targets
}

# No thread of pid is stopped or traced.
all_threads_running() {
	local st
	for st in /proc/"$1"/task/*/status; do
		[ "$(awk '/^TracerPid:/{print $2}' "$st")" = 0 ] || { echo "traced: $st"; return 1; }
		! grep -q '^State:.*[tT] (' "$st" || { echo "stopped: $st"; return 1; }
	done
}

# The maps without the ring's line and without the destination's lines.
other_maps() {
	grep -v '/\[aio\] (deleted)' /proc/"$1"/maps | grep -v "^${DEST#0x}-" || true
}

# After a fault: where is the ring?  Prints "old", "new" or "lost".
ring_place() {
	if grep -q "^${RING#0x}-.*/\[aio\] (deleted)" /proc/"$1"/maps; then echo old
	elif grep -q "^${DEST#0x}-.*/\[aio\] (deleted)" /proc/"$1"/maps; then echo new
	else echo lost; fi
}

# The target still works with its ring wherever it is now: pending events reaped intact,
# new I/O completes, no register or sleeper error seen by its threads.
target_works() {
	local place=$1 addr=$RING
	[ "$place" = new ] && addr=$DEST
	ask f "ctx $addr" ok >/dev/null
	run ask f probe probe
	[ "$output" = "probe 0 ok" ] || { echo "probe at $addr: $output"; return 1; }
	run ask f "reap 2" reaped
	[ "$output" = "reaped 2 data=0x1000,0x1001 res=512,512" ] || { echo "reap: $output"; return 1; }
	ask f "submit 1" submitted >/dev/null
	run ask f "reap 1" reaped
	[ "$output" = "reaped 1 data=0x1002 res=512" ] || { echo "new I/O: $output"; return 1; }
	run ask f status status
	[[ "$output" == *"regerr=0 "* ]] || { echo "registers changed: $output"; return 1; }
	[[ "$output" == *"sleeperr=0 "* ]] || { echo "a sleeper saw an error: $output"; return 1; }
}

# fault STEP ACTION: runs aioctl-test move with that fault on a fresh target and checks
# what the target was left with.  Sets ST and ERR (aioctl's status and stderr) and
# FAULT_PLACE (old or new: where the ring is now).
fault() {
	local step=$1 action=$2 before place
	start_mt f -p 2 -g 1 -t 1
	before=$(other_maps "$TARGET_PID")
	AIOCTL_TEST_FAULT="$step:$action" run --separate-stderr timeout 60 \
		"$AIOCTL_TEST" move "$TARGET_PID" "$DEST"
	# target_works runs more commands: keep aioctl's own status and message.
	ST=$status ERR=$stderr
	[ "$status" -ne 124 ] || { echo "aioctl hung at $step:$action"; return 1; }
	if [[ "$action" == kill-target* ]]; then
		# It died: aioctl must say so and must not hang; nothing is left to check.
		[ "$status" -eq 5 ] || [ "$status" -eq 4 ] || { echo "status $status: $stderr"; return 1; }
		[[ "$stderr" == *"died"* || "$stderr" == *"No such process"* || "$stderr" == *"gone"* ]] ||
			{ echo "no word of the target's death: $stderr"; return 1; }
		return 0
	fi
	sleep 0.1
	all_threads_running "$TARGET_PID"
	place=$(ring_place "$TARGET_PID")
	[ "$place" != lost ] || { echo "ring lost after $step:$action"; return 1; }
	if [ "$place" = old ]; then
		# Back where it was: nothing at all may have changed.
		[ "$(other_maps "$TARGET_PID")" = "$before" ] || { echo "maps changed"; return 1; }
		! grep -q "^${DEST#0x}-" /proc/"$TARGET_PID"/maps ||
			[ "$action" = sigkill-self ] || [ "$action" = take-dest ] ||
			{ echo "destination left mapped"; return 1; }
	fi
	target_works "$place"
	FAULT_PLACE=$place
}

@test "faults: a failure injected at every step unwinds the move completely (exit 5)" {
	local steps step
	steps=$(move_steps)
	[ -n "$steps" ]
	for step in $steps; do
		fault "$step" fail
		[ "$ST" -eq 5 ] || { echo "$step: status $ST: $ERR"; return 1; }
		[ "$FAULT_PLACE" = old ]
		[[ "$ERR" == *"$step"* ]]
		stop_targets
	done
}

@test "faults: the target SIGKILLed before every step and before thaw: exit 5, no hang" {
	local step
	for step in $(move_steps) thaw; do
		fault "$step" kill-target || { echo "at $step"; return 1; }
		stop_targets
	done
}

# Its death takes the kernel tens of ms (exit_aio waits out an RCU grace period), and
# /proc shows no zombie meanwhile: a thread held in a ptrace-stop that stops answering is
# the proof, not /proc.  (Before: exit 6, "some thread could not be restored".)
@test "faults: the target SIGKILLed and still dying at every step and at thaw: exit 5, said died" {
	local step
	for step in $(move_steps) thaw; do
		fault "$step" kill-target-dying || { echo "at $step"; return 1; }
		[ "$ST" -eq 5 ] || { echo "$step: status $ST: $ERR"; return 1; }
		[[ "$ERR" == *"died"* ]] || { echo "$step: $ERR"; return 1; }
		[[ "$ERR" != *"target unchanged"* ]] || { echo "$step: $ERR"; return 1; }
		stop_targets
	done
}

@test "faults: SIGINT, SIGTERM, SIGHUP and SIGPIPE to aioctl at every step" {
	local step sig num steps last
	steps=$(move_steps)
	last=$(echo "$steps" | tail -1)
	for sig in sigint sigterm sighup sigpipe; do
		num=$(kill -l "${sig#sig}")
		for step in $steps thaw; do
			fault "$step" "$sig" || { echo "at $step $sig"; return 1; }
			# aioctl finishes or unwinds, then dies of the signal.
			[ "$ST" -eq $((128 + num)) ] || { echo "$step $sig: status $ST: $ERR"; return 1; }
			if [ "$step" = thaw ] || [ "$step" = "$last" ]; then
				# The signal came during the last step: the move was complete and
				# verified, so it stands.
				[ "$FAULT_PLACE" = new ]
			else
				[ "$FAULT_PLACE" = old ]
			fi
			stop_targets
		done
	done
}

@test "faults: aioctl SIGKILLed at every step leaves a running target with its registers" {
	local step
	for step in $(move_steps) thaw; do
		fault "$step" sigkill-self || { echo "at $step"; return 1; }
		[ "$ST" -eq 137 ]
		stop_targets
	done
}

@test "faults: the destination taken between the check and the reservation is refused" {
	fault reserve take-dest
	[ "$ST" -eq 5 ]
	[ "$FAULT_PLACE" = old ]
	# what the application mapped there is still there, untouched by any MREMAP_FIXED
	grep -q "^${DEST#0x}-500000001000 r--p " /proc/"$TARGET_PID"/maps
}

@test "faults: the installed aioctl has no test hooks" {
	start_mt f -p 1
	local before
	before=$(cat /proc/"$TARGET_PID"/maps)
	AIOCTL_TEST_FAULT=mremap:fail run "$AIOCTL" move --dry-run "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	! strings "$AIOCTL" | grep -q AIOCTL_TEST
	strings "$AIOCTL_TEST" | grep -q AIOCTL_TEST_FAULT
}
