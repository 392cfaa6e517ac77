/* The edge of the reference fix-up: reads a target's memory (process_vm_readv, in large
 * windows, skipping pages it never touched), its frozen threads' registers, and rewrites
 * the references a move must follow (process_vm_writev; registers through the frozen
 * thread's resume set, which thaw_process applies).  Decisions live in refs.c. */
#ifndef AIOCTL_REFSCAN_H
#define AIOCTL_REFSCAN_H

#include "inject.h"
#include "refs.h"

struct refscan_stats {
	uint64_t bytes;        /* bytes read and scanned */
	uint64_t us;           /* time spent on it */
	uint64_t unreadable;   /* bytes of scanned mappings the kernel would not let us read */
	size_t mappings;       /* mappings scanned */
	bool pagemap;          /* untouched pages were skipped by /proc/PID/pagemap */
};

/* Scans every mapping of pid that refs_classify() does not skip for references to the
 * ring [start, end) and appends them (rewritable and unsafe) to l, in address order.
 * f (may be NULL) names thread stacks by their rsp.  Adds to *st.  0, or -errno when
 * the maps could not be read (-ESRCH: gone, -EACCES) or memory ran out. */
int refscan_memory(pid_t pid, uint64_t start, uint64_t end, const struct frozen *f,
		   struct ref_list *l, struct refscan_stats *st);

/* The same over maps text the caller read from /proc/PID/maps while pid was frozen,
 * sparing a second read inside the frozen window. */
int refscan_memory_maps(pid_t pid, const char *maps, size_t maps_len, uint64_t start,
			uint64_t end, const struct frozen *f, struct ref_list *l,
			struct refscan_stats *st);

/* Allocates and faults in the scan buffer ahead of a freeze: touching fresh memory is
 * the largest fixed cost of scanning a small process.  Optional; 0 or -ENOMEM. */
int refscan_prepare(void);

/* Appends the references held in frozen threads' registers (their resume set). */
int refscan_registers(const struct frozen *f, uint64_t start, uint64_t end, struct ref_list *l);

/* Rewrites every REFS_REWRITABLE reference in l for a ring moved from old_start to
 * new_start: re-reads each word first and writes only one that still holds the value
 * found by the scan (one that changed meanwhile is left alone and counted in *changed);
 * registers are edited in f's resume set.  Marks each ref it rewrote.  On failure it
 * restores those already rewritten and returns -errno with *failed pointing at the
 * reference that could not be written.  0 on success. */
int refscan_rewrite(pid_t pid, struct frozen *f, struct ref_list *l, uint64_t old_start,
		    uint64_t new_start, size_t *changed, const struct ref **failed);

/* Undoes refscan_rewrite: puts the old value back into every reference it marked (a word
 * that no longer holds the new value is left alone).  0, or -errno of the first word
 * that could not be restored (the others are still tried). */
int refscan_restore(pid_t pid, struct frozen *f, struct ref_list *l, uint64_t old_start,
		    uint64_t new_start);

#endif
