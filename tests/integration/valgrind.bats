#!/usr/bin/env bats
# valgrind memcheck over the commands that read and change targets (issue 6): no invalid
# reads or writes, no leaks.  Not under the sanitizer build (the two do not mix).
load helpers

setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	[[ "$AIOCTL" != */sanitize/* ]] || skip "the sanitizer build runs under ASan instead"
}

vg() {
	run valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$AIOCTL" "$@"
}

@test "list, list -J and list -s of a process are memcheck clean" {
	start_target t ringholder -r 3 -n 64 -p 4
	vg list "$TARGET_PID"
	[ "$status" -eq 0 ]
	vg list -J --output-all "$TARGET_PID"
	[ "$status" -eq 0 ]
	vg list -s "$TARGET_PID"
	[ "$status" -eq 0 ]
}

@test "list of the whole machine is memcheck clean" {
	start_target t ringholder -r 1 -p 1
	vg list
	[ "$status" -eq 0 ]
	# 256 processes or more: the threaded scan, its cgroup reads and libproc2's pass
	need_aio $((300 * 128))
	start_target s ../bench/spawner -n 300 -r 300
	vg list -J
	[ "$status" -eq 0 ]
	# (output holds stderr too: count the rows rather than parse it)
	[ "$(grep -oE '"comm": ?"spawner"' <<<"$output" | wc -l)" -ge 300 ]
}

@test "dump and dump -J are memcheck clean" {
	start_target t ringholder -r 2 -n 64 -p 10 -w
	vg dump "$TARGET_PID"
	[ "$status" -eq 0 ]
	vg dump -J -a "$TARGET_PID"
	[ "$status" -eq 0 ]
}

@test "usage errors and missing processes are memcheck clean" {
	vg list -o NOSUCHCOLUMN
	[ "$status" -eq 2 ]
	vg dump 999999999
	[ "$status" -ne 99 ]
}

@test "move (with its reference scan and rewrite) and refs are memcheck clean" {
	start_target t ringholder -r 1 -p 3
	local addr
	addr=$(ring_field t 1 addr)
	vg refs "$TARGET_PID"
	[ "$status" -eq 0 ]
	vg move -J "$TARGET_PID" 0x500000000000
	[ "$status" -eq 0 ]
	# and it really moved, with its completions
	run "$AIOCTL" list -n -r -o ADDR,PENDING "$TARGET_PID"
	[ "$output" = "0x500000000000 3" ]
	vg move --dry-run "$TARGET_PID" "$addr"
	[ "$status" -eq 0 ]
}
