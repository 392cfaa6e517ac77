#!/usr/bin/env bats
# Hostile targets (issue 6): processes that abuse their own rings or look odd.  aioctl must
# never crash, never loop, never allocate without bound, and must say what it found.
load helpers

# Runs aioctl with a time limit; sets status/output like bats' run.  A crash (signal) shows
# as status >= 128, a hang as 124.
run_limited() {
	run timeout 20 "$AIOCTL" "$@"
}

assert_survived() {
	[ "$status" -lt 124 ] || { echo "aioctl died or hung: status $status: $output"; return 1; }
}

headroom() {
	echo $(( $(cat /proc/sys/fs/aio-max-nr) - $(cat /proc/sys/fs/aio-nr) ))
}

@test "a ring header rewritten with garbage while being listed and dumped" {
	start_target g hostile garbage
	for _ in $(seq 1 40); do
		run_limited list "$TARGET_PID"
		assert_survived
		run_limited dump "$TARGET_PID"
		assert_survived
		run_limited dump -J "$TARGET_PID"
		assert_survived
		if [ "$status" -eq 0 ]; then
			echo "$output" | jq -e '.rings | length == 1' >/dev/null
		fi
	done
	# The ring is still there and aioctl still reports it, whatever its header says.
	run_limited list -n -r -o ADDR "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "a garbage header is reported as such, never as ok" {
	start_target g hostile garbage
	bad=0
	for _ in $(seq 1 20); do
		run_limited list -n -r -o STATE "$TARGET_PID"
		assert_survived
		[ "$output" != ok ] && bad=$((bad + 1))
	done
	# The writer keeps the header wrong most of the time (the magic is right only every
	# other write and the other fields are random), so most snapshots must be flagged.
	[ "$bad" -gt 0 ]
}

@test "a ring destroyed, re-created and moved in a loop during list and dump" {
	start_target r hostile remap
	for _ in $(seq 1 40); do
		run_limited list "$TARGET_PID"
		assert_survived
		run_limited dump "$TARGET_PID"
		assert_survived
		run_limited dump -J -a "$TARGET_PID"
		assert_survived
		if [ "$status" -eq 0 ]; then echo "$output" | jq -e . >/dev/null; fi
	done
}

@test "command names with control characters, quotes and invalid UTF-8" {
	local name
	for name in 'a\x0ab\x09c' 'q"uo\x27te\x5c' 'bad\xff\xfe\xc3' 'esc\x1b[31m'; do
		start_target n hostile name "$name"
		run_limited list -n "$TARGET_PID"
		[ "$status" -eq 0 ]
		# one line per ring, whatever the name holds
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" != *$'\x1b'* ]]
		run_limited list -J "$TARGET_PID"
		[ "$status" -eq 0 ]
		echo "$output" | jq -e '.rings | length == 1' >/dev/null
		echo "$output" | jq -e '.rings[0].comm | type == "string"' >/dev/null
		run_limited dump -J "$TARGET_PID"
		[ "$status" -eq 0 ]
		echo "$output" | jq -e . >/dev/null
		stop_targets
	done
}

@test "10 000 rings in one process" {
	[ "$(headroom)" -gt 10100 ] || skip "aio-max-nr headroom $(headroom) < 10100"
	start_target m hostile many 10000
	local limit=()
	# Bounded memory: 10 000 rings fit in a small address space (not under ASan, which
	# reserves terabytes of shadow).
	[[ "$AIOCTL" == */sanitize/* ]] || limit=(prlimit --as=$((512 << 20)))
	run "${limit[@]}" timeout 60 "$AIOCTL" list -n -r -o ADDR "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10000 ]
	run "${limit[@]}" timeout 60 "$AIOCTL" list -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.rings | length')" -eq 10000 ]
	run "${limit[@]}" timeout 60 "$AIOCTL" dump "$TARGET_PID"
	[ "$status" -eq 0 ]
}

@test "a process with 60 000 mappings" {
	[ "$(cat /proc/sys/vm/max_map_count)" -gt 60100 ] || skip "vm.max_map_count too small"
	start_target m hostile maps 60000
	[ "$(wc -l < /proc/"$TARGET_PID"/maps)" -gt 60000 ]
	run timeout 60 "$AIOCTL" list -n -r -o ADDR "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$output" = "$(ring_field m 1 addr)" ]
	run timeout 60 "$AIOCTL" dump "$TARGET_PID"
	[ "$status" -eq 0 ]
}
