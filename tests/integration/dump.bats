#!/usr/bin/env bats
# aioctl dump against real processes holding real rings (issue 2).
load helpers
bats_require_minimum_version 1.5.0

# The requests iocbholder reported, one line each: data obj op fd file buf nbytes offset res
reported_reqs() {
	awk '/^req /{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["data"], v["obj"], v["op"], v["fd"], v["file"], v["buf"], v["nbytes"], v["offset"], v["res"] }' \
		"$BATS_TEST_TMPDIR/$1.out" | sed 's/ (nil) / 0x0 /g' | sort
}

# The same fields from dump -J (the file of a pipe shows as "pipe").
dumped_reqs() {
	jq -r '.rings[].events[] | [.data, .obj, .iocb.opcode, .iocb.fd,
		(.iocb.file | if startswith("pipe:") then "pipe" else . end),
		.iocb.buf, .iocb.nbytes, .iocb.offset, .res] | map(tostring) | join(" ")' "$1" | sort
}

budget_headroom() {
	echo $(( $(cat /proc/sys/fs/aio-max-nr) - $(cat /proc/sys/fs/aio-nr) ))
}

@test "dump: pending events and their iocbs match what the target submitted" {
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR"
	run "$AIOCTL" dump -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/dump.json"
	[ "$(jq '.rings | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 1 ]
	[ "$(jq -r '.rings[0].addr' "$BATS_TEST_TMPDIR/dump.json")" = "$(ring_field ih 1 addr)" ]
	[ "$(jq '.rings[0].pending' "$BATS_TEST_TMPDIR/dump.json")" -eq 9 ]
	[ "$(jq '.rings[0].events | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 9 ]
	reported_reqs ih >"$BATS_TEST_TMPDIR/want"
	dumped_reqs "$BATS_TEST_TMPDIR/dump.json" >"$BATS_TEST_TMPDIR/got"
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# Every kind of request is there, and the failed read shows its errno by name.
	for op in PREAD PWRITE FSYNC FDSYNC PREADV PWRITEV POLL; do
		grep -q " $op " "$BATS_TEST_TMPDIR/got"
	done
	[ "$(jq -r '.rings[0].events[] | select(.res == -14) | .res_errno' "$BATS_TEST_TMPDIR/dump.json")" = EFAULT ]
	[ "$(jq '[.rings[0].events[] | select(.iocb.reused)] | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 0 ]
	[ "$(jq '[.rings[0].events[] | select(.iocb.read_now)] | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 9 ]
	[ "$(jq '.rings[0].problems | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 0 ]
	[ "$(jq -r '.rings[0].state' "$BATS_TEST_TMPDIR/dump.json")" = ok ]
}

@test "dump: text shows the header, the check and one line per pending event" {
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR"
	run "$AIOCTL" dump "$TARGET_PID"
	[ "$status" -eq 0 ]
	addr=$(ring_field ih 1 addr)
	[[ "$output" == *"pid $TARGET_PID ring $addr: 4096 bytes"* ]]
	[[ "$output" == *"nr $(ring_field ih 1 nr), head $(ring_field ih 1 head), tail $(ring_field ih 1 tail), magic 0xa10a10a1, compat_features 1, incompat_features 0, header_length 32"* ]]
	[[ "$output" == *"check: ok"* ]]
	[[ "$output" == *"9 pending completions"* ]]
	[[ "$output" == *"-14(EFAULT)"* ]]
	fa=$(awk '/^req 0 /{ sub(".*fd=", ""); print $1 }' "$BATS_TEST_TMPDIR/ih.out")
	fb=$(awk '/^req 1 /{ sub(".*fd=", ""); print $1 }' "$BATS_TEST_TMPDIR/ih.out")
	[[ "$output" == *"PREAD fd $fa $BATS_TEST_TMPDIR/data-a buf "* ]]
	[[ "$output" == *"PWRITE fd $fb $BATS_TEST_TMPDIR/data-b buf "* ]]
	[ "$(grep -c ' 0xd00[0-8] ' <<<"$output")" -eq 9 ]
}

@test "dump: a wrapped ring is walked from head to the end and on from slot 0" {
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR" -w -c 12
	head=$(ring_field ih 1 head) tail=$(ring_field ih 1 tail) nr=$(ring_field ih 1 nr)
	[ "$head" -gt "$tail" ]      # the target really wrapped
	"$AIOCTL" dump -J "$TARGET_PID" >"$BATS_TEST_TMPDIR/dump.json"
	[ "$(jq '.rings[0].pending' "$BATS_TEST_TMPDIR/dump.json")" -eq 12 ]
	slots=$(jq -r '[.rings[0].events[].slot] | map(tostring) | join(" ")' "$BATS_TEST_TMPDIR/dump.json")
	want=$(for ((s = head; s != tail; s = (s + 1) % nr)); do printf '%s ' "$s"; done)
	[ "$slots" = "${want% }" ]
	reported_reqs ih >"$BATS_TEST_TMPDIR/want"
	dumped_reqs "$BATS_TEST_TMPDIR/dump.json" >"$BATS_TEST_TMPDIR/got"
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "dump: a full ring shows nr - 1 events, every iocb decoded" {
	[ "$(budget_headroom)" -ge 1100 ] || skip "aio-nr budget too short for io_setup(1024)"
	start_target full ringholder -n 1024 -f
	pending=$(ring_field full 1 pending) nr=$(ring_field full 1 nr)
	[ "$pending" -eq $((nr - 1)) ] || [ "$pending" -gt $((nr - 20)) ]
	"$AIOCTL" dump -J "$TARGET_PID" >"$BATS_TEST_TMPDIR/dump.json"
	[ "$(jq '.rings[0].pending' "$BATS_TEST_TMPDIR/dump.json")" -eq "$pending" ]
	[ "$(jq '.rings[0].events | length' "$BATS_TEST_TMPDIR/dump.json")" -eq "$pending" ]
	# ringholder's i-th read has aio_data 0x1000 + i and offset 4096 * i.
	jq -r '.rings[0].events[] | "\(.data) \(.iocb.offset) \(.iocb.opcode) \(.iocb.reused)"' \
		"$BATS_TEST_TMPDIR/dump.json" >"$BATS_TEST_TMPDIR/got"
	for ((i = 0; i < pending; i++)); do printf '0x%x %d PREAD false\n' $((0x1000 + i)) $((4096 * i)); done \
		>"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "dump --all-slots: every slot, the pending ones marked" {
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR" -c 5
	nr=$(ring_field ih 1 nr)
	"$AIOCTL" dump -J --all-slots "$TARGET_PID" >"$BATS_TEST_TMPDIR/dump.json"
	[ "$(jq '.rings[0].events | length' "$BATS_TEST_TMPDIR/dump.json")" -eq "$nr" ]
	[ "$(jq '[.rings[0].events[] | select(.pending)] | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 5 ]
	[ "$(jq -r '[.rings[0].events[] | select(.pending) | .data] | sort | join(" ")' "$BATS_TEST_TMPDIR/dump.json")" = \
		"0xd000 0xd001 0xd002 0xd003 0xd004" ]
	run "$AIOCTL" dump -a "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^\* ' <<<"$output")" -eq 5 ]
	[[ "$output" == *"all $nr slots shown"* ]]
}

@test "dump --raw: the ring's exact bytes, as /proc/PID/mem has them" {
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR" -c 7
	addr=$(ring_field ih 1 addr)
	"$AIOCTL" dump --raw "$BATS_TEST_TMPDIR/ring.bin" "$TARGET_PID" >"$BATS_TEST_TMPDIR/text"
	grep -q 'check: ok' "$BATS_TEST_TMPDIR/text"
	dd if=/proc/$TARGET_PID/mem of="$BATS_TEST_TMPDIR/mem.bin" bs=4096 count=1 skip=$((addr)) \
		iflag=skip_bytes status=none
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/ring.bin")" -eq 4096 ]
	cmp "$BATS_TEST_TMPDIR/ring.bin" "$BATS_TEST_TMPDIR/mem.bin"
	# "-": the bytes alone on standard output
	"$AIOCTL" dump --raw - --ring "$addr" "$TARGET_PID" >"$BATS_TEST_TMPDIR/stdout.bin"
	cmp "$BATS_TEST_TMPDIR/stdout.bin" "$BATS_TEST_TMPDIR/mem.bin"
}

@test "dump --raw with several rings: their bytes one after the other, in the order shown" {
	start_target rh ringholder -r 3 -p 2
	"$AIOCTL" dump -J --raw "$BATS_TEST_TMPDIR/rings.bin" "$TARGET_PID" >"$BATS_TEST_TMPDIR/dump.json"
	: >"$BATS_TEST_TMPDIR/want.bin"
	for addr in $(jq -r '.rings[].addr' "$BATS_TEST_TMPDIR/dump.json"); do
		dd if=/proc/$TARGET_PID/mem bs=4096 count=1 skip=$((addr)) iflag=skip_bytes status=none \
			>>"$BATS_TEST_TMPDIR/want.bin"
	done
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/rings.bin")" -eq $((3 * 4096)) ]
	cmp "$BATS_TEST_TMPDIR/rings.bin" "$BATS_TEST_TMPDIR/want.bin"
	run "$AIOCTL" dump --raw - -J "$TARGET_PID"
	[ "$status" -eq 2 ]
	run "$AIOCTL" dump --raw /nonexistent-dir/x "$TARGET_PID"
	[ "$status" -eq 5 ]
	[[ "$output" == *"cannot write /nonexistent-dir/x"* ]]
}

@test "dump --ring: only the chosen rings" {
	start_target rh ringholder -r 3 -p 2
	a2=$(ring_field rh 2 addr) a3=$(ring_field rh 3 addr)
	"$AIOCTL" dump -J --ring "$a2" "$TARGET_PID" >"$BATS_TEST_TMPDIR/one.json"
	[ "$(jq -r '[.rings[].addr] | join(" ")' "$BATS_TEST_TMPDIR/one.json")" = "$a2" ]
	[ "$(jq '.rings[0].events | length' "$BATS_TEST_TMPDIR/one.json")" -eq 2 ]
	# without 0x, twice, and the same ring twice
	"$AIOCTL" dump -J -r "${a3#0x}" -r "$a2" -r "$a2" "$TARGET_PID" >"$BATS_TEST_TMPDIR/two.json"
	[ "$(jq -r '[.rings[].addr] | sort | join(" ")' "$BATS_TEST_TMPDIR/two.json")" = \
		"$(printf '%s\n' "$a2" "$a3" | sort | paste -sd' ')" ]
	"$AIOCTL" dump -J "$TARGET_PID" >"$BATS_TEST_TMPDIR/all.json"
	[ "$(jq '.rings | length' "$BATS_TEST_TMPDIR/all.json")" -eq 3 ]
}

@test "dump --ring with an address that is no ring of PID: exit 1, clear message" {
	start_target rh ringholder -r 1 -p 1
	addr=$(ring_field rh 1 addr)
	run "$AIOCTL" dump --ring 0x1000 "$TARGET_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pid $TARGET_PID: 0x1000 is not an AIO ring of this process"* ]]
	run "$AIOCTL" dump --ring "$(printf '0x%x' $((addr + 64)))" "$TARGET_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"inside ring $addr"* ]]
	run "$AIOCTL" dump --ring nothex "$TARGET_PID"
	[ "$status" -eq 2 ]
	run "$AIOCTL" dump
	[ "$status" -eq 2 ]
	run "$AIOCTL" dump 1 2
	[ "$status" -eq 2 ]
}

@test "dump: no such process exits 4, a process without rings exits 1" {
	sh -c 'exit 0' &
	dead=$!
	wait "$dead" || true
	! kill -0 "$dead" 2>/dev/null || skip "pid $dead was reused"
	run "$AIOCTL" dump "$dead"
	[ "$status" -eq 4 ]
	[[ "$output" == *"pid $dead: no such process"* ]]
	sleep 100 &
	TARGET_PIDS+=("$!")
	run "$AIOCTL" dump "$!"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no AIO rings"* ]]
	run --separate-stderr "$AIOCTL" dump -J "$!"
	[ "$status" -eq 1 ]
	[ "$(jq '.rings | length' <<<"$output")" -eq 0 ]
}

@test "dump as an unprivileged user on root's process: exit 3" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to own the target"
	command -v setpriv >/dev/null || skip "setpriv missing"
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR" -c 2
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$AIOCTL" dump "$TARGET_PID"
	[ "$status" -eq 3 ]
	[[ "$output" == *"pid $TARGET_PID"* ]]
	[[ "$output" == *"run as root or the process's owner"* ]]
}

@test "dump: reused and freed iocbs are told apart from live ones" {
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR" -c 9 -u 2 -r 4
	"$AIOCTL" dump -J "$TARGET_PID" >"$BATS_TEST_TMPDIR/dump.json"
	# 0xd000, 0xd001: their iocbs were unmapped
	for d in 0xd000 0xd001; do
		[ "$(jq -r --arg d $d '.rings[0].events[] | select(.data == $d) | .iocb' "$BATS_TEST_TMPDIR/dump.json")" = null ]
		[ "$(jq -r --arg d $d '.rings[0].events[] | select(.data == $d) | .iocb_error' "$BATS_TEST_TMPDIR/dump.json")" = "Bad address" ]
	done
	# 0xd002, 0xd003: prepared again with a new aio_data
	for i in 2 3; do
		d=$(printf '0x%x' $((0xd000 + i)))
		[ "$(jq -r --arg d $d '.rings[0].events[] | select(.data == $d) | .iocb.reused' "$BATS_TEST_TMPDIR/dump.json")" = true ]
		[ "$(jq -r --arg d $d '.rings[0].events[] | select(.data == $d) | .iocb.data' "$BATS_TEST_TMPDIR/dump.json")" = \
			"$(printf '0x%x' $((0xbeef0000 + i)))" ]
	done
	[ "$(jq '[.rings[0].events[] | select(.iocb.reused == false)] | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 5 ]
	run "$AIOCTL" dump "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'REUSED' <<<"$output")" -eq 2 ]
	[ "$(grep -c 'unreadable: Bad address' <<<"$output")" -eq 2 ]
}

@test "dump survives a target that rewrites its ring header with garbage" {
	start_target h hostile garbage
	saw_bad=0
	for i in $(seq 1 40); do
		run --separate-stderr "$AIOCTL" dump -J "$TARGET_PID"
		[ "$status" -eq 0 ]
		jq -e '.rings | length == 1' <<<"$output" >/dev/null
		# never more events than the 4096-byte mapping holds
		[ "$(jq '.rings[0].events | length' <<<"$output")" -le 127 ]
		if [ "$(jq '.rings[0].problems | length' <<<"$output")" -gt 0 ]; then saw_bad=1; fi
		run "$AIOCTL" dump -a "$TARGET_PID"
		[ "$status" -eq 0 ]
	done
	[ "$saw_bad" -eq 1 ]
}

@test "dump survives a target that unmaps and remaps its ring meanwhile" {
	start_target h hostile remap
	for i in $(seq 1 40); do
		run --separate-stderr "$AIOCTL" dump -J "$TARGET_PID"
		# a ring shown, or none at that instant; never a crash
		[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
		jq -e '.pid' <<<"$output" >/dev/null
		run "$AIOCTL" dump "$TARGET_PID"
		[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	done
	kill -0 "$TARGET_PID"
}

@test "dump as an unprivileged user on that user's own process works" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch users"
	command -v setpriv >/dev/null || skip "setpriv missing"
	[ "$(budget_headroom)" -ge 40 ] || skip "aio-nr budget exhausted"
	dir=$(mktemp -d /tmp/aioctl-dump.XXXXXX)
	chmod 777 "$dir"
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${as_nobody[@]}" "$TARGETS/iocbholder" -d "$dir" -c 4 >"$BATS_TEST_TMPDIR/nobody.out" 2>&1 </dev/null &
	TARGET_PIDS+=("$!")
	for _ in $(seq 1 1000); do grep -q '^ready ' "$BATS_TEST_TMPDIR/nobody.out" && break; sleep 0.01; done
	pid=$(awk '/^ready /{print $2}' "$BATS_TEST_TMPDIR/nobody.out")
	[ -n "$pid" ] || { cat "$BATS_TEST_TMPDIR/nobody.out" >&2; rm -rf "$dir"; false; }
	run --separate-stderr "${as_nobody[@]}" "$AIOCTL" dump -J "$pid"
	rm -rf "$dir"
	[ "$status" -eq 0 ]
	[ "$(jq '.rings[0].events | length' <<<"$output")" -eq 4 ]
	[ "$(jq -r '.rings[0].events[0].iocb.file' <<<"$output")" = "$dir/data-a" ]
}

@test "dump: the file of an iocb's fd is what that fd is now" {
	start_target ih iocbholder -d "$BATS_TEST_TMPDIR" -c 3 -x
	fa=$(awk '/^req 0 /{ sub(".*fd=", ""); print $1 }' "$BATS_TEST_TMPDIR/ih.out")
	"$AIOCTL" dump -J "$TARGET_PID" >"$BATS_TEST_TMPDIR/dump.json"
	# req 0 read file A through fd $fa; the target has since made $fa point at file B
	[ "$(jq -r '.rings[0].events[] | select(.data == "0xd000") | .iocb.fd' "$BATS_TEST_TMPDIR/dump.json")" -eq "$fa" ]
	[ "$(jq -r '.rings[0].events[] | select(.data == "0xd000") | .iocb.file' "$BATS_TEST_TMPDIR/dump.json")" = \
		"$BATS_TEST_TMPDIR/data-b" ]
}

@test "dump of a process that exits meanwhile: a ring shown, none, or no such process" {
	for i in $(seq 1 15); do
		start_target "x$i" ringholder -x -p 3
		run --separate-stderr "$AIOCTL" dump -J "$TARGET_PID"
		[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || [ "$status" -eq 4 ]
		if [ "$status" -ne 4 ]; then jq -e '.pid' <<<"$output" >/dev/null; fi
	done
}

@test "dump of a process with 200 rings shows all of them" {
	[ "$(budget_headroom)" -ge 220 ] || skip "aio-nr budget too short for 200 rings"
	start_target h hostile many 200
	"$AIOCTL" dump -J "$TARGET_PID" >"$BATS_TEST_TMPDIR/dump.json"
	[ "$(jq '.rings | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 200 ]
	[ "$(jq '[.rings[] | select(.state == "ok" and .nr == 127 and .pending == 0)] | length' "$BATS_TEST_TMPDIR/dump.json")" -eq 200 ]
	# every ring the target reported is among them
	for n in 1 2 3; do
		jq -e --arg a "$(ring_field h $n addr)" '[.rings[].addr] | index($a) != null' "$BATS_TEST_TMPDIR/dump.json" >/dev/null
	done
}
