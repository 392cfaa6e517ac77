# Shared by the bats integration tests.  Targets are started through start_target, which
# waits until the target reported its rings and remembers it for teardown.
# Variables: AIOCTL (the binary), TARGETS (the test programs), BATS_TEST_TMPDIR.

: "${AIOCTL:?run through tests/run or make check}"
: "${TARGETS:?run through tests/run or make check}"

TARGET_PIDS=()

# need_aio N: skips the test unless io_setup can still hand out N more events
# system-wide (other tests and programs share the budget; a test never raises
# aio-max-nr).
need_aio() {
	local nr max
	nr=$(cat /proc/sys/fs/aio-nr) max=$(cat /proc/sys/fs/aio-max-nr)
	if [ $((max - nr)) -lt "$1" ]; then
		skip "AIO budget short: aio-nr $nr of aio-max-nr $max, need $1"
	fi
}

# start_target NAME PROGRAM [ARGS...]: runs the program in the background with its output
# in $BATS_TEST_TMPDIR/NAME.out, waits for its "ready PID" line (10 s at most) and sets
# TARGET_PID.  The report stays in the file for the test to compare with.
start_target() {
	local name=$1 prog=$2
	shift 2
	local out="$BATS_TEST_TMPDIR/$name.out"
	"$TARGETS/$prog" "$@" >"$out" 2>"$BATS_TEST_TMPDIR/$name.err" </dev/null &
	local pid=$!
	TARGET_PIDS+=("$pid")
	for _ in $(seq 1 1000); do
		if grep -q '^ready ' "$out" 2>/dev/null; then
			TARGET_PID=$(awk '/^ready /{print $2; exit}' "$out")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { cat "$BATS_TEST_TMPDIR/$name.err" >&2; return 1; }
		sleep 0.01
	done
	echo "target $prog did not become ready" >&2
	return 1
}

# The value of KEY=VALUE for ring number N (1-based) in a target's report.
ring_field() {
	local name=$1 n=$2 key=$3
	awk -v n="$n" -v k="$key" '/^ring /{ if (++i == n) { if (k == "addr") { print $2; exit }
		for (j = 3; j <= NF; j++) { split($j, kv, "="); if (kv[1] == k) { print kv[2]; exit } } } }' \
		"$BATS_TEST_TMPDIR/$name.out"
}

stop_targets() {
	local p
	for p in "${TARGET_PIDS[@]}"; do
		pkill -TERM -P "$p" 2>/dev/null || true
		kill -TERM "$p" 2>/dev/null || true
	done
	# A target that ignores SIGTERM (or lost it, e.g. while traced by a helper that died)
	# gets SIGKILL after 3 s, so that a test can never hang in teardown.
	for p in "${TARGET_PIDS[@]}"; do
		for _ in $(seq 1 300); do
			[ -e "/proc/$p" ] || break
			[ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" != Z ] || break
			sleep 0.01
		done
		pkill -KILL -P "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	TARGET_PIDS=()
}

teardown() {
	stop_targets
}

# start_as_nobody NAME PROGRAM [ARGS...]: like start_target, run as user 65534.
start_as_nobody() {
	local name=$1 prog=$2
	shift 2
	local out="$BATS_TEST_TMPDIR/$name.out"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TARGETS/$prog" "$@" >"$out" 2>&1 </dev/null &
	TARGET_PIDS+=("$!")
	for _ in $(seq 1 1000); do
		if grep -q '^ready ' "$out"; then
			TARGET_PID=$(awk '/^ready /{print $2; exit}' "$out")
			return 0
		fi
		sleep 0.01
	done
	return 1
}

# nobody COMMAND...: runs it as user 65534.
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
