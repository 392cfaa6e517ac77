/* Pure core of the reference fix-up (issue 4): an application keeps its context id (the
 * ring's address) in its own memory and registers; a move must find and rewrite every
 * copy, or libaio's next io_getevents dereferences the old address (../shared/FACTS.md,
 * "What the application holds").  This file decides, over buffers and parsed maps lines:
 * which words are references, which mappings may be rewritten, how a location is named,
 * and what a reference becomes.  No system calls here: the edge is src/refscan.c. */
#ifndef AIOCTL_REFS_H
#define AIOCTL_REFS_H

#include "arch/arch.h"
#include "maps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the scan does with a mapping. */
enum refs_class {
	REFS_REWRITABLE,   /* writable and private: only this process sees it, a move rewrites it */
	REFS_UNSAFE,       /* read-only private or shared: scanned, a reference there refuses the move */
	REFS_SKIPPED,      /* the ring itself, [vvar]/[vdso]/[vsyscall], or unreadable (PROT_NONE) */
};

enum refs_class refs_classify(const struct map_entry *e, uint64_t ring_start, uint64_t ring_end);
/* "rewrite", "unsafe", "skipped". */
const char *refs_class_str(enum refs_class c);

/* True when v is a reference to the ring [start, end): its address or inside it. */
static inline bool refs_points_into(uint64_t v, uint64_t start, uint64_t end)
{
	return v - start < end - start;
}

/* Scans buf, a copy of the target's memory from address base, for the aligned (in the
 * target's address space) 8-byte words with a value in [start, end).  Stores at most max
 * byte offsets into buf, in increasing order, and returns how many it stored; when that
 * is max, call again on the rest (after the last offset + 8) to find more. */
size_t refs_scan(const void *buf, size_t len, uint64_t base, uint64_t start, uint64_t end,
		 size_t *offs, size_t max);

/* The general registers a program can hold a pointer in, by index (arch order). */
size_t refs_reg_count(void);
const char *refs_reg_name(size_t i);
uint64_t refs_reg_get(const arch_regs *r, size_t i);
void refs_reg_set(arch_regs *r, size_t i, uint64_t v);

/* Scans a thread's registers: stores the indexes (at most max) of those holding a
 * reference to [start, end); returns how many. */
size_t refs_scan_regs(const arch_regs *r, uint64_t start, uint64_t end, size_t *idx, size_t max);

/* A human name for a mapping, for reports: "[heap]", "[stack]", "[stack tid 1234]" (a
 * thread's stack: stack_tid != 0), "libfoo.so .bss" (the anonymous mapping right after a
 * file's writable mapping), "libfoo.so rw" (a file's writable private mapping),
 * "libfoo.so ro", "name shared", "[anon]".  prev is the mapping just before e in maps
 * (NULL if none). */
void refs_mapping_name(const struct map_entry *e, const struct map_entry *prev, pid_t stack_tid,
		       char *out, size_t outsz);

/* "tid 1234 rdi". */
void refs_reg_location(pid_t tid, size_t reg, char *out, size_t outsz);

/* What a reference becomes when the ring moves from old_start to new_start: the same
 * offset into the ring (a pointer to an event slot stays a pointer to that slot). */
static inline uint64_t refs_rewrite_value(uint64_t v, uint64_t old_start, uint64_t new_start)
{
	return v - old_start + new_start;
}

/* One reference found. */
enum refs_where { REF_MEMORY, REF_REGISTER };

struct ref {
	enum refs_where where;
	enum refs_class cls;      /* REFS_REWRITABLE or REFS_UNSAFE */
	uint64_t addr;            /* memory: where the word is */
	pid_t tid;                /* register: which thread */
	size_t reg;               /* register: refs_reg_name() index */
	uint64_t value;           /* as found */
	char name[96];            /* mapping or register location */
	bool rewritten;           /* set by the edge while a rewrite is applied */
};

/* A growable list of references. */
struct ref_list {
	struct ref *v;
	size_t n, cap;
	size_t n_unsafe;
};

/* Appends a copy of r; false when out of memory. */
bool ref_list_add(struct ref_list *l, const struct ref *r);
void ref_list_free(struct ref_list *l);

#endif
