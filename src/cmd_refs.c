/* aioctl refs PID [--ring ADDR] [--no-freeze] [-J]: the references to a process's rings
 * that a move would rewrite (and those it cannot: unsafe ones refuse the move). */
#include "aioctl.h"
#include "commands.h"
#include "refsout.h"
#include "target.h"

#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct refs_args {
	pid_t pid;
	bool have_pid, json, no_freeze, have_ring;
	uint64_t ring;
};

enum { OPT_RING = 'r', OPT_NO_FREEZE = 0x100 };

static const struct argp_option options[] = {
	{ "ring", OPT_RING, "ADDR", 0, "only the ring at ADDR (hex, as list shows it)", 0 },
	{ "no-freeze", OPT_NO_FREEZE, NULL, 0,
	  "do not stop the process: memory only, registers are not read", 0 },
	{ "json", 'J', NULL, 0, "JSON output", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct refs_args *a = state->input;

	switch (key) {
	case OPT_RING:
		if (!parse_addr(arg, &a->ring))
			argp_error(state, "invalid ring address '%s'", arg);
		a->have_ring = true;
		return 0;
	case OPT_NO_FREEZE:
		a->no_freeze = true;
		return 0;
	case 'J':
		a->json = true;
		return 0;
	case ARGP_KEY_ARG:
		if (a->have_pid)
			argp_error(state, "unexpected argument '%s'", arg);
		if (!parse_pid(arg, &a->pid))
			argp_error(state, "invalid PID '%s'", arg);
		a->have_pid = true;
		return 0;
	case ARGP_KEY_END:
		if (!a->have_pid)
			argp_error(state, "no PID given");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const char doc[] =
	"Show the references to a process's AIO rings that a move would rewrite: every aligned "
	"word in its writable private memory (heap, stacks, TLS, .data/.bss, anonymous "
	"mappings) and every thread register holding a ring's address or a pointer into it.  "
	"References in read-only or shared memory are shown as unsafe: a move refuses them."
	"\vRegisters can only be read from a stopped process, so by default every thread is "
	"stopped for the scan (a fraction of a second for a large heap; a thread blocked in "
	"io_getevents is resumed into the same call).  --no-freeze reads memory only.";

/* Stops the process for the scan; EXIT_OK or the status freeze_process reported. */
static int freeze(pid_t pid, struct frozen *f)
{
	return freeze_process(pid, FREEZE_DEFAULT, f);
}

/* Resumes it; a signal that asked aioctl to stop meanwhile is honoured now. */
static int thaw(struct frozen *f)
{
	int err = thaw_process(f), sig = inject_release_signals(f);

	if (sig)
		inject_honour_signal(sig);
	return err;
}

static bool interrupted(void)
{
	return false;
}

struct ring_refs {
	struct ring_map ring;
	struct ref_list refs;
};

static void report_table(const struct refs_args *a, struct ring_refs *rr, size_t n,
			 const struct refscan_stats *st, bool registers)
{
	size_t total = 0, unsafe = 0;

	refsout_header(stdout);
	for (size_t i = 0; i < n; i++) {
		refsout_rows(stdout, &rr[i].refs, rr[i].ring.start, 0);
		total += rr[i].refs.n;
		unsafe += rr[i].refs.n_unsafe;
	}
	printf("pid %d: %zu reference%s (%zu unsafe) to %zu ring%s; scanned %.1f MiB in %.1f ms%s\n",
	       (int)a->pid, total, total == 1 ? "" : "s", unsafe, n, n == 1 ? "" : "s",
	       (double)st->bytes / (1 << 20), (double)st->us / 1000,
	       registers ? "" : "; registers not read (--no-freeze)");
}

static int report_json(const struct refs_args *a, struct ring_refs *rr, size_t n,
		       const struct refscan_stats *st, bool registers, uint64_t frozen)
{
	json_t *o = json_object(), *arr = json_array();
	int rc = 0;

	if (!o || !arr)
		rc = -1;
	for (size_t i = 0; !rc && i < n; i++)
		rc = refsout_json(arr, &rr[i].refs, rr[i].ring.start, 0);
	if (!rc) {
		json_object_set_new(o, "pid", json_integer(a->pid));
		json_object_set_new(o, "refs", arr);
		arr = NULL;
		json_object_set_new(o, "refs_scanned_bytes", json_integer((json_int_t)st->bytes));
		json_object_set_new(o, "refs_scan_us", json_integer((json_int_t)st->us));
		json_object_set_new(o, "registers", json_boolean(registers));
		if (registers)
			json_object_set_new(o, "frozen_us", json_integer((json_int_t)frozen));
		rc = json_dumpf(o, stdout, JSON_INDENT(2)) ? -1 : 0;
		putchar('\n');
	}
	json_decref(arr);
	json_decref(o);
	return rc;
}

int cmd_refs(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "PID", doc, NULL, NULL, NULL };
	struct refs_args a = { 0 };
	struct buf b = { 0 };
	struct ring_map *rings = NULL;
	struct ring_refs *rr = NULL;
	struct refscan_stats st = { 0 };
	struct frozen f;
	bool frozen = false;
	size_t n = 0, nsel = 0;
	uint64_t frozen_time = 0;
	int err, status = EXIT_OK;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a) != 0)
		return EXIT_USAGE;

	err = target_find_rings(a.pid, &b, &rings, &n);
	buf_free(&b);
	if (err) {
		errmsg_errno(-err, "pid %d: cannot read its mappings", (int)a.pid);
		return exit_for_errno(-err);
	}
	rr = calloc(n ? n : 1, sizeof(*rr));
	if (!rr) {
		free(rings);
		errmsg("pid %d: out of memory", (int)a.pid);
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < n; i++)
		if (!a.have_ring || rings[i].start == a.ring)
			rr[nsel++].ring = rings[i];
	free(rings);
	if (nsel == 0) {
		if (a.have_ring)
			errmsg("pid %d: no AIO ring at 0x%" PRIx64, (int)a.pid, a.ring);
		else
			errmsg("pid %d: no AIO rings", (int)a.pid);
		free(rr);
		return EXIT_NOTHING;
	}

	if (!a.no_freeze) {
		status = freeze(a.pid, &f);
		if (status != EXIT_OK)
			goto out;
		frozen = true;
	}
	for (size_t i = 0; i < nsel && !err; i++) {
		err = refscan_memory(a.pid, rr[i].ring.start, rr[i].ring.end, frozen ? &f : NULL,
				     &rr[i].refs, &st);
		if (!err && frozen)
			err = refscan_registers(&f, rr[i].ring.start, rr[i].ring.end, &rr[i].refs);
		if (!err && frozen && interrupted())
			break;
	}
	if (frozen) {
		if (thaw(&f) != 0 && !err)
			err = -ESRCH;
		frozen_time = frozen_us(&f);
	}
	if (err) {
		errmsg_errno(-err, "pid %d: cannot scan its memory", (int)a.pid);
		status = exit_for_errno(-err);
		goto out;
	}
	if (a.json) {
		if (report_json(&a, rr, nsel, &st, frozen, frozen_time) != 0)
			status = EXIT_REFUSED;
	} else {
		report_table(&a, rr, nsel, &st, frozen);
	}
out:
	for (size_t i = 0; i < nsel; i++)
		ref_list_free(&rr[i].refs);
	free(rr);
	return status;
}
