# Shared by the bats files that drive tests/targets/movetarget.c through its command pipe
# (move.bats, faults.bats, probe.bats).  Load after helpers.bash.

# start_mt NAME ARGS...: movetarget with a command pipe on stdin; sets TARGET_PID, RING.
start_mt() {
	local name=$1
	shift
	local fifo="$BATS_TEST_TMPDIR/$name.in" out="$BATS_TEST_TMPDIR/$name.out"
	# a name used before in this test: start afresh
	rm -f "$fifo" "$out"
	mkfifo "$fifo"
	"$TARGETS/movetarget" "$@" <"$fifo" >"$out" 2>"$BATS_TEST_TMPDIR/$name.err" &
	TARGET_PIDS+=("$!")
	local fd
	exec {fd}>"$fifo"
	eval "FD_$name=$fd"
	for _ in $(seq 1 1000); do
		if grep -q '^ready ' "$out" 2>/dev/null; then
			TARGET_PID=$(awk '/^ready /{print $2; exit}' "$out")
			RING=$(awk '/^ring /{r=$2} END{print r}' "$out")
			return 0
		fi
		sleep 0.01
	done
	echo "movetarget did not become ready" >&2
	cat "$BATS_TEST_TMPDIR/$name.err" >&2
	return 1
}

# ask NAME COMMAND REPLY-PREFIX: sends a command and prints the first new line starting
# with the prefix (waits up to 20 s).
ask() {
	local name=$1 cmd=$2 prefix=$3 out="$BATS_TEST_TMPDIR/$1.out" fdvar="FD_$1"
	local before
	before=$(wc -l <"$out")
	echo "$cmd" >&"${!fdvar}"
	for _ in $(seq 1 2000); do
		local line
		line=$(tail -n +"$((before + 1))" "$out" | grep -m1 "^$prefix" || true)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		sleep 0.01
	done
	echo "no reply '$prefix' to '$cmd'" >&2
	return 1
}

# wait_line NAME PATTERN: waits up to 20 s for a line in the target's output.
wait_line() {
	for _ in $(seq 1 2000); do
		grep -q "$2" "$BATS_TEST_TMPDIR/$1.out" && return 0
		sleep 0.01
	done
	return 1
}

maps_of() { cat "/proc/$1/maps"; }

# The target is running, untraced and not stopped.
untouched() {
	local pid=$1
	[ "$(awk '/^TracerPid:/{print $2}' /proc/$pid/status)" = 0 ]
	! grep -q '^State:.*[tT] (' /proc/$pid/status
}

teardown() {
	stop_targets
	local v
	for v in ${!FD_*}; do
		eval "exec ${!v}>&-" 2>/dev/null || true
		unset "$v"
	done
}
