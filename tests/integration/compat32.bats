#!/usr/bin/env bats
# A 32-bit (compat) process with a real ring: list and dump read it like any other,
# move refuses it (exit 5) and leaves it exactly as it was.
load helpers

setup() {
	cat >"$BATS_TEST_TMPDIR/ring32.c" <<'C'
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void)
{
	unsigned long ctx = 0;
	/* i386 io_setup is 245; the ring lies below 4 GiB */
	if (syscall(245, 8, &ctx) != 0) { perror("io_setup"); return 1; }
	printf("ring 0x%lx\nready %d\n", ctx, (int)getpid());
	fflush(stdout);
	for (;;) pause();
}
C
	cc -m32 -o "$BATS_TEST_TMPDIR/ring32" "$BATS_TEST_TMPDIR/ring32.c" 2>/dev/null ||
		skip "no 32-bit toolchain (apt-get install gcc-multilib)"
	printf 'int main(void){return 0;}' | cc -m32 -x c -o "$BATS_TEST_TMPDIR/true32" - &&
		"$BATS_TEST_TMPDIR/true32" 2>/dev/null ||
		skip "this kernel cannot run 32-bit programs (no IA32 emulation)"
}

start_ring32() {
	"$BATS_TEST_TMPDIR/ring32" >"$BATS_TEST_TMPDIR/r.out" </dev/null &
	TARGET_PIDS+=("$!")
	for _ in $(seq 1 500); do grep -q '^ready' "$BATS_TEST_TMPDIR/r.out" && break; sleep 0.01; done
	TARGET_PID=$(awk '/^ready/{print $2}' "$BATS_TEST_TMPDIR/r.out")
	RING=$(awk '/^ring/{print $2}' "$BATS_TEST_TMPDIR/r.out")
	[ -n "$TARGET_PID" ] && [ -n "$RING" ]
}

@test "list and dump read a 32-bit process's ring" {
	start_ring32
	run "$AIOCTL" list -n -r -o ADDR,STATE "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$RING ok" ]
	run "$AIOCTL" dump -J "$TARGET_PID"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.rings[0].addr')" = "$RING" ]
}

@test "move refuses a 32-bit process and leaves it untouched" {
	start_ring32
	local before status_before
	before=$(cat /proc/"$TARGET_PID"/maps)
	run "$AIOCTL" move "$TARGET_PID" 0x10000000
	[ "$status" -eq 5 ]
	[[ "$output" == *"32-bit"* ]]
	[ "$(cat /proc/"$TARGET_PID"/maps)" = "$before" ]
	# not left stopped or traced
	grep -q '^TracerPid:[[:space:]]*0$' /proc/"$TARGET_PID"/status
	! grep -q '^State:[[:space:]]*t' /proc/"$TARGET_PID"/status
}
