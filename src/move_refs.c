/* Reference steps of the move transaction (see move_refs.h). */
#include "move_refs.h"
#include "refsout.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The frozen scan's cost is mostly first touches, not copying: the first time a process
 * reads a page of another (process_vm_readv), the kernel's mapping of it is cold, and a
 * virtual machine with shadow paging charges a fault for that (measured on the
 * development VM: 0.4 MiB of thread stacks, 780 µs cold against 115 µs warm).  Scanning
 * once while the target still runs costs it nothing and leaves the frozen scan only the
 * copying.  Its result is thrown away: only the frozen scan counts. */
void move_warm_refs(struct move_ctx *c)
{
	struct ref_list scratch = { 0 };
	struct refscan_stats stats = { 0 };

	refscan_prepare();      /* failure only makes the scan slower */
	refscan_memory(c->pid, c->ring.start, c->ring.end, NULL, &scratch, &stats);
	ref_list_free(&scratch);
}

int move_step_scan_refs(struct move_ctx *c)
{
	char list[160];
	int err;

	/* c->maps: read by revalidate, after the freeze */
	err = refscan_memory_maps(c->pid, c->maps.data, c->maps.len, c->ring.start, c->ring.end,
				  &c->f, &c->refs, &c->refs_stats);
	if (!err)
		err = refscan_registers(&c->f, c->ring.start, c->ring.end, &c->refs);
	if (err) {
		snprintf(c->why, sizeof(c->why), "cannot scan its memory for references to the ring: %s",
			 strerror(-err));
		return exit_for_errno(-err);
	}
	/* Rewriting read-only or shared memory would change what other processes see, or
	 * need an mprotect of the application's own: refuse, naming where they are. */
	if (c->refs.n_unsafe && !(c->flags & MOVE_NO_FIX_REFS)) {
		refsout_brief(list, sizeof(list), &c->refs, REFS_UNSAFE, 4);
		snprintf(c->why, sizeof(c->why),
			 "the application keeps the ring's address where it cannot be rewritten: %s", list);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

int move_step_rewrite_refs(struct move_ctx *c)
{
	const struct ref *failed;
	int err;

	if (c->flags & MOVE_NO_FIX_REFS)
		return EXIT_OK;
	err = refscan_rewrite(c->pid, &c->f, &c->refs, c->ring.start, c->dest, &c->refs_changed, &failed);
	if (err) {
		/* refscan_rewrite put back those it had rewritten; the unwinding moves the ring. */
		if (failed && failed->where == REF_MEMORY)
			snprintf(c->why, sizeof(c->why), "cannot rewrite the reference at 0x%" PRIx64 " (%s): %s",
				 failed->addr, failed->name, strerror(-err));
		else
			snprintf(c->why, sizeof(c->why), "cannot rewrite the reference in %s: %s",
				 failed ? failed->name : "?", strerror(-err));
		return err == -ESRCH ? EXIT_REFUSED : exit_for_errno(-err);
	}
	c->refs_fixed = true;
	return EXIT_OK;
}

int move_undo_rewrite_refs(struct move_ctx *c)
{
	size_t used;
	int err;

	if (!c->refs_fixed)
		return 0;
	err = refscan_restore(c->pid, &c->f, &c->refs, c->ring.start, c->dest);
	if (err) {
		used = strlen(c->broken);
		snprintf(c->broken + used, sizeof(c->broken) - used,
			 "%sreferences to the ring not restored to 0x%" PRIx64 ": %s", used ? "; " : "",
			 c->ring.start, strerror(-err));
		return c->f.dead ? 0 : -1;
	}
	c->refs_fixed = false;
	return 0;
}

/* A read-only zero page where the ring was: a reference the scan could not see makes
 * libaio read a wrong magic and fall back to the system call (EINVAL) instead of
 * faulting.  Only on request: it is memory the application never asked for. */
int move_step_tombstone(struct move_ctx *c)
{
	const long args[6] = { (long)c->ring.start, (long)c->len, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0 };
	long res;
	int r;

	if (!(c->flags & MOVE_TOMBSTONE))
		return EXIT_OK;
	r = remote_syscall(&c->f, SYS_mmap, args, &res);
	if (r < 0) {
		snprintf(c->why, sizeof(c->why), "cannot run a system call in the target: %s", strerror(-r));
		return EXIT_REFUSED;
	}
	if (res < 0 && res > -4096) {
		snprintf(c->why, sizeof(c->why), "cannot map the tombstone at 0x%" PRIx64 ": %s",
			 c->ring.start, strerror((int)-res));
		return EXIT_REFUSED;
	}
	if ((uint64_t)res != c->ring.start) {
		const long un[6] = { res, (long)c->len, 0, 0, 0, 0 };
		remote_syscall(&c->f, SYS_munmap, un, &res);
		snprintf(c->why, sizeof(c->why), "the kernel did not honour MAP_FIXED_NOREPLACE for the tombstone");
		return EXIT_REFUSED;
	}
	c->tombstoned = true;
	return EXIT_OK;
}

int move_undo_tombstone(struct move_ctx *c)
{
	const long args[6] = { (long)c->ring.start, (long)c->len, 0, 0, 0, 0 };
	long res;

	if (!c->tombstoned)
		return 0;
	if (remote_syscall(&c->f, SYS_munmap, args, &res) < 0 || res != 0) {
		size_t used = strlen(c->broken);
		snprintf(c->broken + used, sizeof(c->broken) - used,
			 "%sa read-only tombstone page is left at 0x%" PRIx64, used ? "; " : "", c->ring.start);
		return c->f.dead ? 0 : -1;
	}
	c->tombstoned = false;
	return 0;
}
