#!/usr/bin/env bats
# Permissions (issue 6): an unprivileged user sees and touches only what the ptrace rules
# allow, is told about the rest, and aioctl never needs or uses setuid.
load helpers

DEST=0x500000000000

setup() {
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	nobody "$AIOCTL" --version >/dev/null 2>&1 || skip "user nobody cannot run $AIOCTL here"
}

not_stopped_or_traced() {
	local st
	for st in /proc/"$1"/task/*/status; do
		grep -q '^TracerPid:[[:space:]]*0$' "$st"
		! grep -q '^State:.*[tT] (' "$st"
	done
}

@test "move on another user's process: exit 3, the process untouched" {
	start_target t ringholder -p 2
	local addr before
	addr=$(ring_field t 1 addr)
	before=$(cat /proc/"$TARGET_PID"/maps)
	run nobody "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 3 ]
	[[ "$output" == *"pid $TARGET_PID"* ]]
	[[ "$output" == *"ermission"* || "$output" == *"not permitted"* ]]
	[ "$(cat /proc/"$TARGET_PID"/maps)" = "$before" ]
	not_stopped_or_traced "$TARGET_PID"
	# its ring still answers where it was, with its completions
	run "$AIOCTL" list -n -r -o ADDR,PENDING "$TARGET_PID"
	[ "$output" = "$addr 2" ]
	run nobody "$AIOCTL" move --dry-run "$TARGET_PID" "$DEST"
	[ "$status" -eq 3 ]
}

@test "refs and list --probe on another user's process: refused and reported, nothing stopped" {
	start_target t ringholder -p 1
	run nobody "$AIOCTL" refs "$TARGET_PID"
	[ "$status" -eq 3 ]
	run nobody "$AIOCTL" list --probe "$TARGET_PID"
	[ "$status" -eq 3 ]
	not_stopped_or_traced "$TARGET_PID"
}

@test "an unprivileged user moves a ring of its own process" {
	start_as_nobody t ringholder -p 2
	local addr
	addr=$(ring_field t 1 addr)
	run nobody "$AIOCTL" move "$TARGET_PID" "$DEST"
	[ "$status" -eq 0 ]
	run nobody "$AIOCTL" list -n -r -o ADDR,PENDING,STATE --probe "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$DEST 2 live" ]
	not_stopped_or_traced "$TARGET_PID"
}

@test "aioctl is not setuid or setgid, and make install keeps it that way" {
	[ ! -u "$AIOCTL" ] && [ ! -g "$AIOCTL" ]
	local d=$BATS_TEST_TMPDIR/inst
	make -s -C "$TESTS_DIR/.." install DESTDIR="$d" PREFIX=/usr >/dev/null
	[ "$(stat -c %a "$d/usr/sbin/aioctl")" = 755 ]
}
