#!/usr/bin/env bats
# aioctl check: the capability report, tried for real on aioctl's own processes.

load helpers
bats_require_minimum_version 1.5.0

@test "check: moves a ring in a child of its own and says move works (root, this kernel)" {
	need_aio 200
	run "$AIOCTL" check
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^ok    ring_move  *a ring with 2 pending completions moved 0x[0-9a-f]* -> 0x[0-9a-f]* and was reaped there' <<<"$output"
	grep -q '^ok    ptrace ' <<<"$output"
	[[ "${lines[-1]}" == "aioctl move works here" ]]
}

@test "check -J: every check with result and detail; fork behaviour matches a real fork" {
	need_aio 200
	run --separate-stderr "$AIOCTL" check -J
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.move_supported == true and .aio_max_nr > 0 and
		.checks.ring_move.result == "ok" and .checks.ptrace.result == "ok" and
		.checks.io_setup.result == "ok" and
		(.checks | to_entries | all(.value.result and (.value.detail | length > 0)))' >/dev/null
	# What check says about fork must be what a forked ringholder child shows.
	start_target rh ringholder -k
	local child ring copied
	for _ in $(seq 1 500); do
		child=$(awk '/^child /{print $2; exit}' "$BATS_TEST_TMPDIR/rh.out")
		[ -n "$child" ] && break
		sleep 0.01
	done
	ring=$(ring_field rh 1 addr)
	if grep -q "^${ring#0x}-.*/\[aio\]" "/proc/$child/maps"; then copied=yes; else copied=no; fi
	kill "$child"
	[[ "$(echo "$output" | jq -r .checks.rings_copied_on_fork.detail)" == "$copied"* ]]
	echo "$output" | jq -e '.checks.partial_moves_refused.result | IN("ok", "info")' >/dev/null
}

@test "check works for an unprivileged user on its own processes" {
	need_aio 200
	command -v setpriv >/dev/null || skip "setpriv not installed"
	[ -r /proc/sys/kernel/yama/ptrace_scope ] && [ "$(cat /proc/sys/kernel/yama/ptrace_scope)" -ge 2 ] &&
		skip "Yama ptrace_scope forbids it"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$AIOCTL" --version >/dev/null 2>&1 ||
		skip "user nobody cannot run $AIOCTL here"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$AIOCTL" check
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'CAP_SYS_PTRACE no' <<<"$output"
	grep -q '^ok    ring_move ' <<<"$output"
}

@test "check: usage errors" {
	run "$AIOCTL" check extra
	[ "$status" -eq 2 ]
	run "$AIOCTL" check --bogus
	[ "$status" -eq 2 ]
}
