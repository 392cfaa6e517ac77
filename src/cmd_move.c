/* aioctl move PID ADDR [--ring OLD]: relocate a live ring inside a running process.
 * Everything read-only is checked here, before the target is frozen; the transaction
 * itself is move.c. */
#include "aioctl.h"
#include "commands.h"
#include "inject.h"
#include "move.h"
#include "refsout.h"

#include <argp.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct move_args {
	const char *pid_s, *addr_s, *ring_s;
	bool dry_run, json, no_fix_refs, tombstone;
	int nargs;
};

enum { OPT_NO_FIX_REFS = 0x100, OPT_TOMBSTONE };

static const struct argp_option options[] = {
	{ "ring", 'r', "OLD", 0, "the ring to move (its address); required when the process has several", 0 },
	{ "dry-run", 'n', NULL, 0, "check everything, change nothing", 0 },
	{ "json", 'J', NULL, 0, "JSON output", 0 },
	{ "no-fix-refs", OPT_NO_FIX_REFS, NULL, 0, "move the ring alone: leave the application's references "
	  "to it stale (named in a warning)", 0 },
	{ "tombstone", OPT_TOMBSTONE, NULL, 0, "after the move, map a read-only zero page at the old "
	  "address (a missed reference then fails with EINVAL instead of crashing)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct move_args *a = state->input;

	switch (key) {
	case 'r': a->ring_s = arg; return 0;
	case 'n': a->dry_run = true; return 0;
	case 'J': a->json = true; return 0;
	case OPT_NO_FIX_REFS: a->no_fix_refs = true; return 0;
	case OPT_TOMBSTONE: a->tombstone = true; return 0;
	case ARGP_KEY_ARG:
		if (a->nargs == 0)
			a->pid_s = arg;
		else if (a->nargs == 1)
			a->addr_s = arg;
		else
			argp_error(state, "too many arguments");
		a->nargs++;
		return 0;
	case ARGP_KEY_END:
		if (a->nargs < 2)
			argp_error(state, "PID and ADDR are required");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const char doc[] =
	"Move a live process's AIO ring to ADDR (hexadecimal, page-aligned).\v"
	"The target is frozen with ptrace for the short time the move takes; ADDR is reserved "
	"first, the whole ring is moved with mremap(2) inside the target, and the result is "
	"verified (the context answers at ADDR, not at the old address, pending completions "
	"intact).  Any failure moves everything back.  A thread blocked in io_getevents(2) on "
	"the ring re-issues its call at the new address (a relative timeout starts again).\n\n"
	"While frozen, every reference the application holds to the ring (its context id or a "
	"pointer into the ring, in writable private memory or a thread's registers: see "
	"'aioctl refs') is found, and rewritten once the move is verified.  A reference in "
	"read-only or shared memory refuses the move.\n\n"
	"Exit status: 0 moved (or would move, with -n), 2 usage, 3 permission, 4 no such "
	"process, 5 refused or failed with the target unchanged, 6 target not restored.";

static void hex(char *out, size_t n, uint64_t v)
{
	snprintf(out, n, "0x%llx", (unsigned long long)v);
}

static void print_json(const struct move_ctx *c, bool ok)
{
	json_t *o = json_object(), *steps = json_array();
	char s[32];

	json_object_set_new(o, "pid", json_integer(c->pid));
	hex(s, sizeof(s), c->ring.start);
	json_object_set_new(o, "from", json_string(s));
	hex(s, sizeof(s), c->dest);
	json_object_set_new(o, "to", json_string(s));
	json_object_set_new(o, "size", json_integer((json_int_t)c->len));
	json_object_set_new(o, "dry_run", json_boolean(c->flags & MOVE_DRY_RUN));
	json_object_set_new(o, "moved", json_boolean(ok && !(c->flags & MOVE_DRY_RUN)));
	json_object_set_new(o, "verified", json_boolean(c->verified));
	json_object_set_new(o, "frozen_us", json_integer((json_int_t)c->frozen_us));
	json_object_set_new(o, "threads", json_integer((json_int_t)c->threads));
	json_t *refs = json_array();
	refsout_json(refs, &c->refs, c->ring.start,
		     (c->flags & MOVE_NO_FIX_REFS) ? 0 : c->dest);
	json_object_set_new(o, "refs", refs);
	json_object_set_new(o, "refs_scanned_bytes", json_integer((json_int_t)c->refs_stats.bytes));
	json_object_set_new(o, "refs_scan_us", json_integer((json_int_t)c->refs_stats.us));
	json_object_set_new(o, "refs_fixed", json_boolean(c->refs_fixed));
	json_object_set_new(o, "refs_changed", json_integer((json_int_t)c->refs_changed));
	hex(s, sizeof(s), c->ring.start);
	json_object_set_new(o, "tombstone", c->tombstoned ? json_string(s) : json_null());
	for (size_t i = 0; i < c->nreport; i++) {
		json_t *st = json_object();
		json_object_set_new(st, "name", json_string(c->report[i].name));
		json_object_set_new(st, "result", json_string(step_result_str(c->report[i].result)));
		json_object_set_new(st, "us", json_integer((json_int_t)c->report[i].us));
		json_array_append_new(steps, st);
	}
	json_object_set_new(o, "steps", steps);
	if (!ok && c->why[0])
		json_object_set_new(o, "error", json_string(c->why));
	if (c->broken[0])
		json_object_set_new(o, "target_state", json_string(c->broken));
	json_dumpf(o, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(o);
}

int cmd_move(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "PID ADDR", doc, NULL, NULL, NULL };
	struct move_args a = { 0 };
	struct move_ctx c;
	struct ring_map *rings = NULL;
	size_t n = 0;
	uint64_t want_ring = 0;
	const char *bad;
	int r, status;

	memset(&c, 0, sizeof(c));
	if (argp_parse(&argp, argc, argv, 0, NULL, &a) != 0)
		return EXIT_USAGE;
	if (!parse_pid(a.pid_s, &c.pid))
		return usage_error("move", "invalid PID '%s'", a.pid_s);
	if (!parse_addr(a.addr_s, &c.dest))
		return usage_error("move", "invalid address '%s' (hexadecimal expected)", a.addr_s);
	if (a.ring_s && !parse_addr(a.ring_s, &want_ring))
		return usage_error("move", "invalid ring address '%s'", a.ring_s);
	c.flags = (a.dry_run ? MOVE_DRY_RUN : 0) | (a.no_fix_refs ? MOVE_NO_FIX_REFS : 0) |
		  (a.tombstone ? MOVE_TOMBSTONE : 0);

	status = inject_precheck(c.pid, FREEZE_DEFAULT);
	if (status != EXIT_OK)
		return status;

	r = target_find_rings(c.pid, &c.maps, &rings, &n);
	if (r < 0) {
		errmsg_errno(-r, "pid %d: cannot read its mappings", (int)c.pid);
		status = exit_for_errno(-r);
		goto out;
	}
	if (n == 0) {
		errmsg("pid %d: no AIO ring", (int)c.pid);
		status = EXIT_NOTHING;
		goto out;
	}
	if (a.ring_s) {
		size_t i;
		for (i = 0; i < n && rings[i].start != want_ring; i++)
			;
		if (i == n) {
			errmsg("pid %d: refused: no ring starts at 0x%llx", (int)c.pid,
			       (unsigned long long)want_ring);
			status = EXIT_REFUSED;
			goto out;
		}
		c.ring = rings[i];
	} else if (n > 1) {
		errmsg("pid %d: refused: the process has %zu rings; choose one with --ring", (int)c.pid, n);
		status = EXIT_REFUSED;
		goto out;
	} else {
		c.ring = rings[0];
	}
	c.len = c.ring.end - c.ring.start;

	ring_snapshot_read(c.pid, &c.ring, false, &c.before);
	if (c.before.err) {
		errmsg_errno(c.before.err, "pid %d: cannot read ring 0x%llx", (int)c.pid,
			     (unsigned long long)c.ring.start);
		status = exit_for_errno(c.before.err);
		goto out;
	}
	if (c.before.problems) {
		errmsg("pid %d: refused: ring 0x%llx is not whole and sane (%s)", (int)c.pid,
		       (unsigned long long)c.ring.start, ring_problem_str(c.before.problems));
		status = EXIT_REFUSED;
		goto out;
	}
	bad = move_check_dest(c.ring.start, c.len, c.dest);
	if (bad) {
		errmsg("pid %d: refused: destination 0x%llx for ring 0x%llx: %s", (int)c.pid,
		       (unsigned long long)c.dest, (unsigned long long)c.ring.start, bad);
		status = EXIT_REFUSED;
		goto out;
	}
	if (!move_range_free(c.maps.data, c.maps.len, c.dest, c.len)) {
		errmsg("pid %d: refused: destination 0x%llx-0x%llx is occupied", (int)c.pid,
		       (unsigned long long)c.dest, (unsigned long long)(c.dest + c.len));
		status = EXIT_REFUSED;
		goto out;
	}

	status = move_execute(&c);
	if (status == EXIT_OK) {
		if (a.json) {
			print_json(&c, true);
		} else if (a.dry_run) {
			refsout_header(stdout);
			refsout_rows(stdout, &c.refs, c.ring.start, a.no_fix_refs ? 0 : c.dest);
			printf("pid %d: ring 0x%llx (%llu bytes) can move to 0x%llx (dry run, nothing "
			       "changed; frozen %llu us, %zu threads); %zu reference%s %s\n", (int)c.pid,
			       (unsigned long long)c.ring.start, (unsigned long long)c.len,
			       (unsigned long long)c.dest, (unsigned long long)c.frozen_us, c.threads,
			       c.refs.n, c.refs.n == 1 ? "" : "s",
			       a.no_fix_refs ? "would be left stale" : "would be rewritten");
		} else {
			printf("pid %d: moved ring 0x%llx -> 0x%llx (%llu bytes), verified; frozen "
			       "%llu us, %zu threads; %zu reference%s %s (scanned %.1f MiB in %.1f ms)\n",
			       (int)c.pid, (unsigned long long)c.ring.start,
			       (unsigned long long)c.dest, (unsigned long long)c.len,
			       (unsigned long long)c.frozen_us, c.threads, c.refs.n,
			       c.refs.n == 1 ? "" : "s", a.no_fix_refs ? "left stale" : "rewritten",
			       (double)c.refs_stats.bytes / (1 << 20), (double)c.refs_stats.us / 1000);
			if (c.tombstoned)
				printf("pid %d: tombstone: read-only zero page%s at 0x%llx-0x%llx\n", (int)c.pid,
				       c.len > 4096 ? "s" : "", (unsigned long long)c.ring.start,
				       (unsigned long long)(c.ring.start + c.len));
		}
		if (!a.dry_run && a.no_fix_refs && c.refs.n) {
			char list[4096];
			refsout_brief(list, sizeof(list), &c.refs, REFS_REWRITABLE, 64);
			if (c.refs.n_unsafe) {
				size_t used = strlen(list);
				snprintf(list + used, sizeof(list) - used, "%s", list[0] ? ", " : "");
				used = strlen(list);
				refsout_brief(list + used, sizeof(list) - used, &c.refs, REFS_UNSAFE, 64);
			}
			fprintf(stderr, "aioctl: warning: pid %d: ring 0x%llx moved without its "
				"references (--no-fix-refs); %zu still hold the old address: %s\n",
				(int)c.pid, (unsigned long long)c.ring.start, c.refs.n, list);
		}
		if (!a.dry_run && c.refs_changed)
			fprintf(stderr, "aioctl: warning: pid %d: %zu reference%s changed while frozen "
				"(the kernel wrote there) and %s left as found\n", (int)c.pid,
				c.refs_changed, c.refs_changed == 1 ? "" : "s",
				c.refs_changed == 1 ? "was" : "were");
	} else if (c.why[0] || c.broken[0]) {
		/* freeze_process prints its own refusals; these are the transaction's. */
		if (c.why[0])
			errmsg("pid %d: ring 0x%llx -> 0x%llx: %s%s", (int)c.pid,
			       (unsigned long long)c.ring.start, (unsigned long long)c.dest, c.why,
			       status == EXIT_BROKEN || c.f.dead ? "" : "; target unchanged");
		if (status == EXIT_BROKEN)
			errmsg("pid %d: the target could not be restored: %s", (int)c.pid, c.broken);
		if (a.json)
			print_json(&c, false);
	}
	if (c.signal) {
		errmsg("pid %d: interrupted by signal %d (%s)", (int)c.pid, c.signal,
		       status == EXIT_OK ? "after the move completed" : "target unchanged");
		free(rings);
		move_ctx_free(&c);
		inject_honour_signal(c.signal);
	}
out:
	free(rings);
	move_ctx_free(&c);
	return status;
}
