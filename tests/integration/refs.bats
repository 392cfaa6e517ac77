#!/usr/bin/env bats
# aioctl refs: the references to a ring that a move rewrites, compared with the addresses
# the target (ctxkeeper) reports for the copies it planted.

load helpers

# ref_addr NAME KIND: the address the target reported for a planted copy.
ref_addr() {
	awk -v k="$2" '$1 == "ref" && $2 == k { print $3; exit }' "$BATS_TEST_TMPDIR/$1.out"
}

# canon HEX: 0x-prefixed lower-case hex without leading zeroes, as aioctl prints it.
canon() {
	printf '0x%x' "$(($1))"
}

start_keeper() {
	need_aio $((${2:-1} * 8 * 2 + 16))
	start_target keeper ctxkeeper -d "$BATS_TEST_TMPDIR" -t "${2:-1}" $1
	RING=$(awk '/^ring /{print $2; exit}' "$BATS_TEST_TMPDIR/keeper.out")
	RING=$(canon "$RING")
}

@test "refs --no-freeze finds the global, heap, stack and TLS copies, and says registers were not read" {
	start_keeper "" 2
	run "$AIOCTL" refs --no-freeze -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.registers == false' >/dev/null
	echo "$output" | jq -e '.refs_scanned_bytes > 0 and (.refs_scan_us | type) == "number"' >/dev/null
	for kind in global heap stack; do
		addr=$(canon "$(ref_addr keeper "$kind")")
		echo "$output" | jq -e --arg a "$addr" --arg r "$RING" \
			'[.refs[] | select(.address == $a and .value == $r and .ring == $r and .action == "rewrite" and .kind == "memory")] | length == 1' >/dev/null ||
			{ echo "$kind copy at $addr not found"; echo "$output"; false; }
	done
	# one TLS copy per worker, in that worker's stack mapping (named after the thread
	# when its stack pointer could be read: only while it sits in a system call)
	while read -r _ _ addr _ tid; do
		echo "$output" | jq -e --arg a "$(canon "$addr")" --arg t "[stack tid $tid]" \
			'[.refs[] | select(.address == $a and (.location == $t or .location == "[anon]"))] | length == 1' >/dev/null ||
			{ echo "TLS copy at $addr of tid $tid not found"; echo "$output"; false; }
	done < <(grep '^ref tls ' "$BATS_TEST_TMPDIR/keeper.out")
	[ "$(grep -c '^ref tls ' "$BATS_TEST_TMPDIR/keeper.out")" -eq 2 ]
	# the global lives in the program's .bss, the heap copy in [heap]
	echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper global)")" \
		'.refs[] | select(.address == $a) | .location | test("ctxkeeper")' >/dev/null
	echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper heap)")" \
		'.refs[] | select(.address == $a) | .location == "[heap]"' >/dev/null
	# no register entries without a freeze
	echo "$output" | jq -e '[.refs[] | select(.kind == "register")] | length == 0' >/dev/null
}

@test "refs table output names each location and ends with the scan figures" {
	start_keeper "" 1
	run "$AIOCTL" refs --no-freeze "$TARGET_PID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == RING*ADDRESS*WHERE*VALUE*NEW*ACTION* ]]
	[[ "$output" == *"[heap]"* ]]
	[[ "${lines[-1]}" == "pid $TARGET_PID: "*"references (0 unsafe) to 1 ring; scanned "*"registers not read (--no-freeze)" ]]
	grep -q "$(canon "$(ref_addr keeper stack)") .*\[stack\] .*$RING .*rewrite" <<<"$output"
}

@test "refs stops the process briefly and finds the register copies too" {
	start_keeper "" 1
	run "$AIOCTL" refs -J "$TARGET_PID"
	if [[ "$output" == *"cannot stop a process"* ]]; then
		skip "this aioctl has no injection engine yet"
	fi
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.registers == true and .frozen_us > 0' >/dev/null
	tid=$(awk '$1 == "ref" && $2 == "reg" { print $5 }' "$BATS_TEST_TMPDIR/keeper.out")
	echo "$output" | jq -e --argjson t "$tid" --arg r "$RING" \
		'[.refs[] | select(.kind == "register" and .tid == $t and .register == "r12" and .value == $r and .address == null)] | length == 1' >/dev/null ||
		{ echo "r12 of tid $tid not found"; echo "$output"; false; }
	for kind in global heap stack; do
		echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper "$kind")")" '[.refs[] | select(.address == $a)] | length == 1' >/dev/null
	done
	# with the threads stopped, every thread stack is named after its thread
	while read -r _ _ addr _ tid; do
		echo "$output" | jq -e --arg a "$(canon "$addr")" --arg t "[stack tid $tid]" \
			'[.refs[] | select(.address == $a and .location == $t)] | length == 1' >/dev/null
	done < <(grep '^ref tls ' "$BATS_TEST_TMPDIR/keeper.out")
	# the process still works through every copy afterwards
	sleep 1.5
	kill -TERM "$TARGET_PID"
	wait "$TARGET_PID" || { cat "$BATS_TEST_TMPDIR/keeper.err"; false; }
	grep -q '^summary .* failed=0 lost=0 stale=0' "$BATS_TEST_TMPDIR/keeper.out"
}

@test "refs shows copies in shared and read-only memory as unsafe" {
	start_keeper -u 1
	run "$AIOCTL" refs --no-freeze -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	for kind in shared readonly; do
		echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper "$kind")")" --arg r "$RING" \
			'[.refs[] | select(.address == $a and .value == $r and .action == "unsafe")] | length == 1' >/dev/null ||
			{ echo "$kind copy not reported unsafe"; echo "$output"; false; }
	done
	echo "$output" | jq -e --arg a "$(canon "$(ref_addr keeper shared)")" \
		'.refs[] | select(.address == $a) | .location | endswith("shared")' >/dev/null
	run "$AIOCTL" refs --no-freeze "$TARGET_PID"
	[[ "${lines[-1]}" == *"(2 unsafe)"* ]]
}

@test "refs --ring selects one ring; an unknown ring or a process without rings finds nothing" {
	need_aio 64
	start_target holder ringholder -r 2
	r1=$(ring_field holder 1 addr) r2=$(ring_field holder 2 addr)
	run "$AIOCTL" refs --no-freeze -J --ring "$r2" "$TARGET_PID"
	[ "$status" -eq 0 ]
	# ringholder keeps its contexts in a heap array: each ring is referred to at least once
	echo "$output" | jq -e --arg r "$(canon "$r2")" '(.refs | length) >= 1 and all(.refs[]; .ring == $r)' >/dev/null
	run "$AIOCTL" refs --no-freeze -J "$TARGET_PID"
	echo "$output" | jq -e --arg a "$(canon "$r1")" --arg b "$(canon "$r2")" \
		'any(.refs[]; .ring == $a) and any(.refs[]; .ring == $b)' >/dev/null
	run "$AIOCTL" refs --no-freeze --ring 0x1000 "$TARGET_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pid $TARGET_PID: no AIO ring at 0x1000"* ]]
	sleep 100 &
	spid=$!
	TARGET_PIDS+=("$spid")
	run "$AIOCTL" refs --no-freeze "$spid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pid $spid: no AIO rings"* ]]
}

@test "refs: usage errors and a process that does not exist" {
	run "$AIOCTL" refs
	[ "$status" -eq 2 ]
	run "$AIOCTL" refs --ring zz 1
	[ "$status" -eq 2 ]
	run "$AIOCTL" refs 1 2
	[ "$status" -eq 2 ]
	run "$AIOCTL" refs --no-freeze 999999999
	[ "$status" -eq 2 ]
	run "$AIOCTL" refs --no-freeze 4194303
	[ "$status" -eq 4 ]
	[[ "$output" == *"pid 4194303"* ]]
}
