/* The move transaction.  Read-only checks happen before the freeze (cmd_move.c); the
 * steps below run with every thread stopped and each one that changes the target has an
 * undo.  Kernel rules behind each step: FACTS.md, "Moving a ring". */
#include "move.h"
#include "move_refs.h"
#include "testhook.h"
#include "maps.h"
#include "ring.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096ull

const char *step_result_str(enum step_result r)
{
	switch (r) {
	case STEP_DONE: return "done";
	case STEP_FAILED: return "failed";
	case STEP_UNDONE: return "undone";
	case STEP_UNDO_FAILED: return "undo failed";
	case STEP_SKIPPED: return "skipped";
	default: return "not run";
	}
}

static void why(struct move_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct move_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

static void broken(struct move_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void broken(struct move_ctx *c, const char *fmt, ...)
{
	size_t used = strlen(c->broken);
	va_list ap;

	if (used && used < sizeof(c->broken) - 2) {
		strcpy(c->broken + used, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(c->broken + used, sizeof(c->broken) - used, fmt, ap);
	va_end(ap);
}

int move_run_steps(const struct move_step *steps, size_t n, struct move_ctx *ctx,
		   bool dry_run, bool (*stop_requested)(void))
{
	size_t done = 0;
	int status = EXIT_OK;

	ctx->nreport = 0;
	for (size_t i = 0; i < n && i < MOVE_MAX_STEPS; i++) {
		struct move_step_report *rep = &ctx->report[ctx->nreport++];
		uint64_t t0;

		rep->name = steps[i].name;
		rep->result = STEP_NOT_RUN;
		rep->us = 0;
		if (dry_run && !steps[i].in_dry_run) {
			rep->result = STEP_SKIPPED;
			continue;
		}
		if (stop_requested && stop_requested()) {
			snprintf(ctx->why, sizeof(ctx->why), "interrupted by a signal before step %s",
				 steps[i].name);
			status = EXIT_REFUSED;
			break;
		}
		t0 = now_us();
		if (test_fault_before_step(ctx, steps[i].name)) {
			snprintf(ctx->why, sizeof(ctx->why), "step %s failed on request (test hook)",
				 steps[i].name);
			status = EXIT_REFUSED;
		} else {
			status = steps[i].run(ctx);
		}
		rep->us = now_us() - t0;
		if (status != EXIT_OK) {
			rep->result = STEP_FAILED;
			break;
		}
		rep->result = STEP_DONE;
		done = i + 1;
	}
	if (status == EXIT_OK && !dry_run)
		return EXIT_OK;

	/* Unwind (a dry run unwinds what it tried, such as the reservation): every completed step, newest first.  An undo that fails does not stop the
	 * others: each one gives back what it can. */
	for (size_t i = done; i-- > 0; ) {
		struct move_step_report *rep = &ctx->report[i];
		uint64_t t0;

		if (rep->result != STEP_DONE || !steps[i].undo)
			continue;
		t0 = now_us();
		if (steps[i].undo(ctx) == 0) {
			rep->result = STEP_UNDONE;
		} else {
			rep->result = STEP_UNDO_FAILED;
			status = EXIT_BROKEN;
		}
		rep->us += now_us() - t0;
	}
	return status;
}

const char *move_check_dest(uint64_t ring_start, uint64_t len, uint64_t dest)
{
	if (dest % PAGE)
		return "not page-aligned";
	if (dest >= ARCH_USER_ADDR_END || len > ARCH_USER_ADDR_END - dest)
		return "not a canonical user address (the range must end below 0x800000000000)";
	if (dest == 0)
		return "address 0";
	if (dest < ring_start + len && ring_start < dest + len)
		return "overlaps the ring itself";
	return NULL;
}

bool move_range_free(const char *maps, size_t maps_len, uint64_t dest, uint64_t len)
{
	size_t pos = 0, ll;
	const char *line;

	while ((line = maps_next_line(maps, maps_len, &pos, &ll))) {
		struct map_entry e;
		if (maps_parse_line(line, ll, &e) != 0)
			continue;
		if (e.start < dest + len && dest < e.end)
			return false;
	}
	return true;
}

bool move_find_free(const char *maps, size_t maps_len, uint64_t len, uint64_t below,
		    uint64_t *addr)
{
	size_t pos = 0, ll;
	const char *line;
	uint64_t prev_end = 0x10000, best = 0;
	bool found = false;

	/* maps lists mappings in ascending order; remember the highest fitting gap. */
	while ((line = maps_next_line(maps, maps_len, &pos, &ll))) {
		struct map_entry e;
		uint64_t gap_end;
		if (maps_parse_line(line, ll, &e) != 0)
			continue;
		gap_end = e.start < below ? e.start : below;
		if (gap_end > prev_end && gap_end - prev_end >= len + 2 * PAGE) {
			best = gap_end - PAGE - len;
			found = true;
		}
		if (e.end > prev_end)
			prev_end = e.end;
		if (prev_end >= below)
			break;
	}
	if (!found && prev_end < below && below - prev_end >= len + 2 * PAGE) {
		best = below - PAGE - len;
		found = true;
	}
	if (found)
		*addr = best & ~(PAGE - 1);
	return found;
}

const char *move_compare_snapshots(const unsigned char *before, const unsigned char *after,
				   size_t len)
{
	struct ring_header a, b;
	uint32_t pend_a, pend_b;

	if (!ring_decode_header(before, len, &a) || !ring_decode_header(after, len, &b))
		return "ring header unreadable";
	if (a.id != b.id || a.nr != b.nr || a.magic != b.magic ||
	    a.compat_features != b.compat_features || a.incompat_features != b.incompat_features ||
	    a.header_length != b.header_length)
		return "ring header differs";
	if (a.head != b.head)
		return "head moved";
	pend_a = ring_pending(&a);
	pend_b = ring_pending(&b);
	/* Completions keep arriving while frozen: tail may only have advanced. */
	if (pend_b < pend_a)
		return "pending completions lost";
	for (uint32_t i = 0; i < pend_a; i++) {
		uint32_t slot = ring_slot(&a, i);
		struct ring_event ea, eb;
		if (!ring_decode_event(before, len, slot, &ea) ||
		    !ring_decode_event(after, len, slot, &eb))
			return "event outside the ring";
		if (memcmp(&ea, &eb, sizeof(ea)) != 0)
			return "a pending completion differs";
	}
	return NULL;
}

/* --- the steps ---------------------------------------------------------------------- */

static int rsys(struct move_ctx *c, long nr, long a0, long a1, long a2, long a3, long a4,
		long a5, long *res)
{
	const long args[6] = { a0, a1, a2, a3, a4, a5 };
	int r = remote_syscall(&c->f, nr, args, res);

	if (r < 0)
		why(c, "cannot run a system call in the target: %s%s", strerror(-r),
		    r == -ESRCH ? " (the process died)" : "");
	return r;
}

/* A call that could not run at all: the target died or ptrace failed; nothing changed. */
static int fail_status(struct move_ctx *c)
{
	(void)c;
	return EXIT_REFUSED;
}

/* Liveness: 0 from io_getevents(addr, 0, 0, NULL, NULL) means the context is live in
 * this process; it consumes nothing and never blocks. */
static int probe(struct move_ctx *c, uint64_t addr, long *res)
{
	return rsys(c, SYS_io_getevents, (long)addr, 0, 0, 0, 0, 0, res);
}

static int step_revalidate(struct move_ctx *c)
{
	struct ring_map *rings = NULL;
	size_t n = 0;
	bool found = false;
	int r;

	r = target_find_rings(c->pid, &c->maps, &rings, &n);
	if (r < 0) {
		why(c, "cannot read its maps: %s", strerror(-r));
		return exit_for_errno(-r);
	}
	for (size_t i = 0; i < n; i++)
		if (rings[i].start == c->ring.start && rings[i].end == c->ring.end &&
		    rings[i].inode == c->ring.inode)
			found = true;
	free(rings);
	if (!found) {
		why(c, "the ring changed or vanished before the freeze");
		return EXIT_REFUSED;
	}
	/* target_find_rings left the maps text in c->maps. */
	if (!move_range_free(c->maps.data, c->maps.len, c->dest, c->len)) {
		why(c, "destination 0x%llx-0x%llx is occupied", (unsigned long long)c->dest,
		    (unsigned long long)(c->dest + c->len));
		return EXIT_REFUSED;
	}
	ring_snapshot_free(&c->before);
	ring_snapshot_read(c->pid, &c->ring, false, &c->before);
	if (c->before.err || c->before.problems) {
		why(c, "ring is not whole and sane: %s",
		    c->before.err ? strerror(c->before.err) : ring_problem_str(c->before.problems));
		return c->before.err ? exit_for_errno(c->before.err) : EXIT_REFUSED;
	}
	return EXIT_OK;
}

static int step_probe(struct move_ctx *c)
{
	long res;

	if (probe(c, c->ring.start, &res) < 0)
		return fail_status(c);
	if (res == -EINVAL) {
		why(c, "ring is not live in this process (inherited across fork, or its context "
		    "is gone)");
		return EXIT_REFUSED;
	}
	if (res != 0) {
		why(c, "liveness probe failed: %s", strerror((int)-res));
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

static int step_reserve(struct move_ctx *c)
{
	long res;

	if (rsys(c, SYS_mmap, (long)c->dest, (long)c->len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0, &res) < 0)
		return fail_status(c);
	if (res == -EEXIST) {
		why(c, "destination 0x%llx-0x%llx is occupied", (unsigned long long)c->dest,
		    (unsigned long long)(c->dest + c->len));
		return EXIT_REFUSED;
	}
	if (res < 0 && res > -4096) {
		why(c, "cannot reserve the destination: %s", strerror((int)-res));
		return EXIT_REFUSED;
	}
	if ((uint64_t)res != c->dest) {
		/* A kernel that ignores MAP_FIXED_NOREPLACE placed it elsewhere. */
		long ignored;
		rsys(c, SYS_munmap, res, (long)c->len, 0, 0, 0, 0, &ignored);
		why(c, "the kernel did not honour MAP_FIXED_NOREPLACE (mapped at 0x%lx)", res);
		return EXIT_REFUSED;
	}
	c->reserved = true;
	return EXIT_OK;
}

static int undo_reserve(struct move_ctx *c)
{
	long res;

	/* After a move was undone the reservation is gone with it (the ring left a hole);
	 * unmapping an empty range is harmless. */
	if (rsys(c, SYS_munmap, (long)c->dest, (long)c->len, 0, 0, 0, 0, &res) < 0 || res != 0) {
		broken(c, "reservation at 0x%llx (PROT_NONE, %llu bytes) left mapped",
		       (unsigned long long)c->dest, (unsigned long long)c->len);
		return c->f.dead ? 0 : -1;
	}
	c->reserved = false;
	return 0;
}

static int step_mremap(struct move_ctx *c)
{
	long res;

	if (rsys(c, SYS_mremap, (long)c->ring.start, (long)c->len, (long)c->len,
		 MREMAP_MAYMOVE | MREMAP_FIXED, (long)c->dest, 0, &res) < 0)
		return fail_status(c);
	if (res < 0 && res > -4096) {
		why(c, "mremap refused: %s", strerror((int)-res));
		return EXIT_REFUSED;
	}
	if ((uint64_t)res != c->dest) {
		why(c, "mremap put the ring at 0x%lx", res);
		/* Treat as done so that the undo brings it back from there. */
	}
	c->moved = true;
	c->reserved = false;    /* the ring replaced the reservation */
	if ((uint64_t)res != c->dest)
		return EXIT_REFUSED;
	return EXIT_OK;
}

static int undo_mremap(struct move_ctx *c)
{
	long res;

	if (c->f.dead)
		return 0;
	/* The old range is a hole now and nothing ran in the target since; reserve it all the
	 * same, since MREMAP_FIXED would unmap whatever might be there. */
	if (rsys(c, SYS_mmap, (long)c->ring.start, (long)c->len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0, &res) < 0 ||
	    (uint64_t)res != c->ring.start) {
		broken(c, "cannot reserve the old place 0x%llx to move the ring back; the ring "
		       "is live at 0x%llx", (unsigned long long)c->ring.start,
		       (unsigned long long)c->dest);
		return -1;
	}
	if (rsys(c, SYS_mremap, (long)c->dest, (long)c->len, (long)c->len,
		 MREMAP_MAYMOVE | MREMAP_FIXED, (long)c->ring.start, 0, &res) < 0 ||
	    (uint64_t)res != c->ring.start) {
		broken(c, "cannot move the ring back from 0x%llx to 0x%llx (a PROT_NONE "
		       "reservation is left at 0x%llx)", (unsigned long long)c->dest,
		       (unsigned long long)c->ring.start, (unsigned long long)c->ring.start);
		return -1;
	}
	if (probe(c, c->ring.start, &res) < 0 || res != 0) {
		broken(c, "ring moved back to 0x%llx but its context does not answer there",
		       (unsigned long long)c->ring.start);
		return -1;
	}
	c->moved = false;
	return 0;
}

/* Threads that were blocked in io_getevents on this ring re-issue the call at thaw: with
 * the ring's new address. */
static int step_retarget_threads(struct move_ctx *c)
{
	for (size_t i = 0; i < c->f.nthreads; i++) {
		struct frozen_thread *t = &c->f.threads[i];
		if (t->reissue_getevents && arch_arg(&t->resume, 0) == c->ring.start)
			arch_set_arg(&t->resume, 0, c->dest);
	}
	return EXIT_OK;
}

static int undo_retarget_threads(struct move_ctx *c)
{
	for (size_t i = 0; i < c->f.nthreads; i++) {
		struct frozen_thread *t = &c->f.threads[i];
		if (t->reissue_getevents && arch_arg(&t->resume, 0) == c->dest)
			arch_set_arg(&t->resume, 0, c->ring.start);
	}
	return 0;
}

static int step_verify(struct move_ctx *c)
{
	struct ring_map at = c->ring;
	struct ring_snapshot after;
	struct ring_map *rings = NULL;
	size_t n = 0;
	bool mapped = false;
	const char *diff;
	long res;

	if (probe(c, c->dest, &res) < 0)
		return fail_status(c);
	if (res != 0) {
		why(c, "the context does not answer at the new address: %s", strerror((int)-res));
		return EXIT_REFUSED;
	}
	if (probe(c, c->ring.start, &res) < 0)
		return fail_status(c);
	if (res != -EINVAL) {
		why(c, "the old address still answers (%ld)", res);
		return EXIT_REFUSED;
	}
	if (target_find_rings(c->pid, &c->maps, &rings, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (rings[i].start == c->dest && rings[i].end == c->dest + c->len &&
			    rings[i].inode == c->ring.inode)
				mapped = true;
	free(rings);
	if (!mapped) {
		why(c, "/proc/%d/maps does not show the ring at 0x%llx", (int)c->pid,
		    (unsigned long long)c->dest);
		return EXIT_REFUSED;
	}
	at.start = c->dest;
	at.end = c->dest + c->len;
	ring_snapshot_read(c->pid, &at, false, &after);
	if (after.err || after.len != c->before.len) {
		why(c, "cannot read the ring at its new address");
		ring_snapshot_free(&after);
		return EXIT_REFUSED;
	}
	diff = move_compare_snapshots(c->before.bytes, after.bytes, after.len);
	ring_snapshot_free(&after);
	if (diff) {
		why(c, "the ring at its new address does not match: %s", diff);
		return EXIT_REFUSED;
	}
	c->verified = true;
	return EXIT_OK;
}

static const struct move_step move_steps[] = {
	{ "revalidate", step_revalidate, NULL, true },
	{ "probe", step_probe, NULL, true },
	/* before anything changes: a reference that cannot be rewritten refuses the move */
	{ "scan-refs", move_step_scan_refs, NULL, true },
	{ "reserve", step_reserve, undo_reserve, true },
	{ "mremap", step_mremap, undo_mremap, false },
	{ "retarget-threads", step_retarget_threads, undo_retarget_threads, false },
	{ "verify", step_verify, NULL, false },
	/* only once the kernel's side is verified: the application follows the ring */
	{ "rewrite-refs", move_step_rewrite_refs, move_undo_rewrite_refs, false },
	{ "tombstone", move_step_tombstone, move_undo_tombstone, false },
};

int move_execute(struct move_ctx *ctx)
{
	int status, r;

	ctx->why[0] = ctx->broken[0] = '\0';
	move_warm_refs(ctx);
	status = freeze_process(ctx->pid, FREEZE_DEFAULT, &ctx->f);
	if (status != EXIT_OK)
		return status;  /* freeze_process said why */
	ctx->threads = ctx->f.nthreads;
	status = move_run_steps(move_steps, ARRAY_SIZE(move_steps), ctx,
				ctx->flags & MOVE_DRY_RUN, inject_signal_arrived);
	test_fault_before_step(ctx, "thaw");
	r = thaw_process(&ctx->f);
	ctx->frozen_us = frozen_us(&ctx->f);
	ctx->signal = inject_release_signals(&ctx->f);
	if (ctx->f.dead) {
		/* Nothing left to restore: whatever happened, the target is gone. */
		if (status == EXIT_OK || status == EXIT_BROKEN)
			why(ctx, "the process died during the operation");
		else if (!strstr(ctx->why, "died"))
			snprintf(ctx->why + strlen(ctx->why), sizeof(ctx->why) - strlen(ctx->why),
				 " (the process died)");
		ctx->broken[0] = '\0';
		ctx->verified = false;
		return EXIT_REFUSED;
	}
	if (r < 0 && status != EXIT_BROKEN) {
		broken(ctx, "some thread could not be restored: %s", strerror(-r));
		status = EXIT_BROKEN;
	}
	return status;
}

void move_ctx_free(struct move_ctx *ctx)
{
	ref_list_free(&ctx->refs);
	ring_snapshot_free(&ctx->before);
	buf_free(&ctx->maps);
}
