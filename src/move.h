/* Moving a ring as a transaction: a table of steps, each with its undo, run while the
 * target is frozen; a failed step unwinds the completed ones in reverse.
 *
 * To add a step (e.g. rewriting the application's references), put it in move_steps[]
 * in move.c at the place it belongs, give it an undo, and keep what it needs in
 * struct move_ctx.  Everything else (report, -J, unwinding) follows from the table. */
#ifndef AIOCTL_MOVE_H
#define AIOCTL_MOVE_H

#include "aioctl.h"
#include "inject.h"
#include "refscan.h"
#include "target.h"

struct move_ctx;

struct move_step {
	const char *name;
	/* EXIT_OK, or the exit status describing the failure with ctx->why filled in. */
	int (*run)(struct move_ctx *ctx);
	/* 0, or -1 when the undo failed (the target is then not as it was: EXIT_BROKEN). */
	int (*undo)(struct move_ctx *ctx);
	bool in_dry_run;        /* read-only or tried and undone by --dry-run */
};

enum step_result {
	STEP_NOT_RUN = 0,
	STEP_DONE,
	STEP_FAILED,
	STEP_UNDONE,
	STEP_UNDO_FAILED,
	STEP_SKIPPED,           /* dry run */
};

#define MOVE_MAX_STEPS 16

struct move_step_report {
	const char *name;
	enum step_result result;
	uint64_t us;            /* time the step (or its undo) took */
};

enum move_flags {
	MOVE_DRY_RUN = 1,
	MOVE_NO_FIX_REFS = 2,           /* move the ring alone: the application's references go stale */
	MOVE_TOMBSTONE = 4,             /* leave a read-only zero page at the old address */
};

struct move_ctx {
	pid_t pid;
	unsigned flags;
	struct ring_map ring;           /* the ring as found before freezing */
	uint64_t len;                   /* ring VMA length */
	uint64_t dest;
	struct frozen f;
	struct buf maps;                /* scratch for re-reading /proc/PID/maps */
	struct ring_snapshot before;    /* taken frozen, just before changing anything */
	bool reserved, moved, verified;
	struct ref_list refs;           /* the application's references to the ring (refs.h) */
	struct refscan_stats refs_stats;
	size_t refs_changed;            /* references that changed under the scan: left alone */
	bool refs_fixed, tombstoned;
	size_t threads;                 /* threads frozen */
	uint64_t frozen_us;
	int signal;                     /* SIGINT/SIGTERM/... that arrived while frozen */
	char why[256];                  /* the failure, one line */
	char broken[512];               /* the target's state when an undo failed */
	struct move_step_report report[MOVE_MAX_STEPS];
	size_t nreport;
};

/* Runs steps[0..n) on ctx; on failure undoes the completed ones in reverse.  Before each
 * step, stop_requested (when not NULL) may abort the run as a failure ("interrupted").
 * dry_run runs only the steps marked in_dry_run, skips the others, and then undoes the
 * ones it ran (a reservation is tried, then released).  Returns EXIT_OK,
 * the failing step's status when every undo succeeded, or EXIT_BROKEN. */
int move_run_steps(const struct move_step *steps, size_t n, struct move_ctx *ctx,
		   bool dry_run, bool (*stop_requested)(void));

/* Pure destination checks for a ring [ring_start, ring_start + len) and dest.  Returns
 * NULL when dest is acceptable, else the reason ("not page-aligned", ...). */
const char *move_check_dest(uint64_t ring_start, uint64_t len, uint64_t dest);

/* Pure: whether [dest, dest + len) overlaps no mapping listed in a maps buffer. */
bool move_range_free(const char *maps, size_t maps_len, uint64_t dest, uint64_t len);

/* Pure: the highest free, page-aligned range of len bytes below `below` in a maps buffer
 * (leaving a guard page on each side).  false when none. */
bool move_find_free(const char *maps, size_t maps_len, uint64_t len, uint64_t below,
		    uint64_t *addr);

/* Pure: compares a ring before and after the move (same length buffers as read from the
 * old and the new place).  The header must be the same except tail, which may only have
 * advanced; the events pending before must be unchanged.  NULL when they match, else
 * what differs. */
const char *move_compare_snapshots(const unsigned char *before, const unsigned char *after,
				   size_t len);

/* The whole transaction: freeze, the step table, thaw.  ctx->pid, ring, len, dest and
 * flags must be set; the read-only checks done before freezing are the caller's. */
int move_execute(struct move_ctx *ctx);

void move_ctx_free(struct move_ctx *ctx);

const char *step_result_str(enum step_result r);

#endif
