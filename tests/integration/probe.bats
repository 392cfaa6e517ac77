#!/usr/bin/env bats
# aioctl list --probe: STATE from a liveness probe run inside each process (a brief
# freeze), and the processes resume undisturbed.

load helpers
load movetarget
bats_require_minimum_version 1.5.0

state_of() {  # PID -> STATE of its first ring in `list --probe` output
	awk -v p="$1" '$1 == p {print $2; exit}' <<<"$output"
}

@test "list --probe: the parent's ring is live, the forked child's copy inherited" {
	start_target rh ringholder -k -p 2
	local child parent=$TARGET_PID
	child=$(awk '/^child /{print $2; exit}' "$BATS_TEST_TMPDIR/rh.out")
	grep -q "^$(ring_field rh 1 addr | sed 's/^0x//')-" "/proc/$child/maps" ||
		skip "this kernel does not copy rings on fork"
	local pm cm
	pm=$(cat /proc/$parent/maps) cm=$(cat /proc/$child/maps)
	run "$AIOCTL" list -o pid,state -n "$parent" "$child"
	[ "$status" -eq 0 ]
	[ "$(state_of "$parent")" = shared ]
	run "$AIOCTL" list --probe -o pid,state -n "$parent" "$child"
	[ "$status" -eq 0 ]
	[ "$(state_of "$parent")" = live ]
	[ "$(state_of "$child")" = inherited ]
	run --separate-stderr "$AIOCTL" list --probe -J "$parent"
	echo "$output" | jq -e '.rings[0].state == "live"' >/dev/null
	[ "$(cat /proc/$parent/maps)" = "$pm" ]
	[ "$(cat /proc/$child/maps)" = "$cm" ]
	untouched "$parent"
	untouched "$child"
	# The pending completions are still there, unconsumed by the probe.
	run "$AIOCTL" list -o pending -n "$parent"
	[ "$output" -eq 2 ]
}

@test "list --probe does not disturb a thread blocked in io_getevents or registers" {
	start_mt t -b -g 1 -t 1
	run "$AIOCTL" list --probe -o pid,state -n "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$(state_of "$TARGET_PID")" = live ]
	ask t "submit 1" submitted
	wait_line t '^getevents r=1 data=0x1000 res=512'
	! grep -q '^getevents r=-1' "$BATS_TEST_TMPDIR/t.out"
	sleep 0.3
	run ask t status status
	[[ "$output" == *"regerr=0 "* ]]
	[[ "$output" == *"sleeperr=0 "* ]]
	untouched "$TARGET_PID"
}

@test "list --probe leaves a traced process alone and says so" {
	start_mt t -P
	wait_line t '^tracer '
	run --separate-stderr "$AIOCTL" list --probe -o pid,state -n "$TARGET_PID"
	[ "$status" -eq 0 ]
	# (the tracer is a fork of the target and maps a copy of the ring: "shared")
	[ "$(state_of "$TARGET_PID")" = shared ]
	[[ "$stderr" == *"pid $TARGET_PID: not probed"* ]]
}
