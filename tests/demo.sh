#!/usr/bin/env bash
# `make demo`: starts a small process that holds AIO rings with completions nobody has
# reaped yet, shows what aioctl sees in it, and stops it again.  The exit status is that
# of the aioctl commands (the first one that failed), so a broken demo is noticed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
AIOCTL=$PWD/$BUILD/aioctl
HOLDER=$PWD/$BUILD/targets/ringholder

for f in "$AIOCTL" "$HOLDER"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run 'make demo'" >&2; exit 2; }
done

out=$(mktemp /tmp/aioctl-demo.XXXXXX)
pid=
stop() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
	rm -f "$out"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two rings (io_setup(32) each), 5 completed reads left unreaped in each.
"$HOLDER" -r 2 -n 32 -p 5 >"$out" 2>&1 </dev/null &
pid=$!
target=
for _ in $(seq 1 1000); do
	target=$(awk '/^ready /{print $2; exit}' "$out")
	[ -n "$target" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.01
done
if [ -z "$target" ]; then
	echo "demo: the ring-holding process did not start:" >&2
	cat "$out" >&2
	# io_setup fails with EAGAIN once the system-wide budget is used up
	nr=$(cat /proc/sys/fs/aio-nr 2>/dev/null) max=$(cat /proc/sys/fs/aio-max-nr 2>/dev/null)
	if [ -n "$nr" ] && [ -n "$max" ] && [ $((max - nr)) -lt 64 ]; then
		echo "demo: the AIO budget is used up (aio-nr $nr of aio-max-nr $max); 'aioctl list -s' shows who holds it" >&2
	fi
	exit 5
fi

echo "Started ringholder (pid $target); what it says it holds:"
sed 's/^/  /' "$out"
echo

status=0
run() {
	local rc
	echo "\$ aioctl $*"
	"$AIOCTL" "$@"
	rc=$?
	echo "(exit status $rc)"
	echo
	[ "$status" -ne 0 ] || status=$rc
}

run list "$target"
run dump "$target"

echo "Stopping pid $target."
exit "$status"
