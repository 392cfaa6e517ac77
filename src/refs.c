/* Finding and naming the references an application holds to its ring (see refs.h). */
#include "refs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool path_is(const struct map_entry *e, const char *name)
{
	size_t n = strlen(name);
	return e->path_len == n && memcmp(e->path, name, n) == 0;
}

enum refs_class refs_classify(const struct map_entry *e, uint64_t ring_start, uint64_t ring_end)
{
	/* The ring holds the kernel's events, not the application's pointers; a move carries
	 * it whole.  Any overlap counts, so a forged or split neighbour is never rewritten. */
	if (e->start < ring_end && ring_start < e->end)
		return REFS_SKIPPED;
	/* process_vm_readv cannot read PROT_NONE memory (guard pages, reservations), and a
	 * program cannot load a pointer from it either without an mprotect first. */
	if (e->perms[0] != 'r')
		return REFS_SKIPPED;
	/* The kernel's pages: vvar is not even readable through process_vm_readv. */
	if (path_is(e, "[vvar]") || path_is(e, "[vvar_vclock]") || path_is(e, "[vdso]") ||
	    path_is(e, "[vsyscall]") || path_is(e, "[uprobes]"))
		return REFS_SKIPPED;
	if (e->perms[1] == 'w' && e->perms[3] == 'p')
		return REFS_REWRITABLE;
	/* Read-only private memory would need an mprotect to write (and may be sealed, e.g.
	 * RELRO); shared memory is seen by other processes that did not move anything. */
	return REFS_UNSAFE;
}

const char *refs_class_str(enum refs_class c)
{
	switch (c) {
	case REFS_REWRITABLE:
		return "rewrite";
	case REFS_UNSAFE:
		return "unsafe";
	default:
		return "skipped";
	}
}

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

size_t refs_scan(const void *buf, size_t len, uint64_t base, uint64_t start, uint64_t end,
		 size_t *offs, size_t max)
{
	const unsigned char *p = buf;
	const uint64_t span = end - start;
	size_t i = (size_t)((8 - (base & 7)) & 7), n = 0;

	if (!max || start >= end || !buf)
		return 0;
	/* Almost every block of 64 bytes holds no reference: test its 8 words with one
	 * branch (the compiler turns the OR of unsigned compares into vector code), and look
	 * at words one by one only in a block that hit. */
	for (; len >= 64 && i <= len - 64; i += 64) {
		unsigned hit = 0;
		for (unsigned k = 0; k < 8; k++)
			hit |= (load64(p + i + 8 * k) - start) < span;
		if (!hit)
			continue;
		for (unsigned k = 0; k < 8; k++) {
			if (load64(p + i + 8 * k) - start < span) {
				offs[n++] = i + 8 * k;
				if (n == max)
					return n;
			}
		}
	}
	for (; len >= 8 && i <= len - 8; i += 8) {
		if (load64(p + i) - start < span) {
			offs[n++] = i;
			if (n == max)
				return n;
		}
	}
	return n;
}

#define REG_ENTRY(name) { #name, offsetof(arch_regs, name) },
static const struct {
	const char *name;
	size_t off;
} pointer_regs[] = { ARCH_POINTER_REGS(REG_ENTRY) };
#undef REG_ENTRY

size_t refs_reg_count(void)
{
	return sizeof(pointer_regs) / sizeof(pointer_regs[0]);
}

const char *refs_reg_name(size_t i)
{
	return i < refs_reg_count() ? pointer_regs[i].name : "?";
}

uint64_t refs_reg_get(const arch_regs *r, size_t i)
{
	uint64_t v = 0;

	if (i < refs_reg_count())
		memcpy(&v, (const char *)r + pointer_regs[i].off, sizeof(v));
	return v;
}

void refs_reg_set(arch_regs *r, size_t i, uint64_t v)
{
	if (i < refs_reg_count())
		memcpy((char *)r + pointer_regs[i].off, &v, sizeof(v));
}

size_t refs_scan_regs(const arch_regs *r, uint64_t start, uint64_t end, size_t *idx, size_t max)
{
	size_t n = 0;

	if (start >= end)
		return 0;
	for (size_t i = 0; i < refs_reg_count() && n < max; i++)
		if (refs_points_into(refs_reg_get(r, i), start, end))
			idx[n++] = i;
	return n;
}

void refs_mapping_name(const struct map_entry *e, const struct map_entry *prev, pid_t stack_tid,
		       char *out, size_t outsz)
{
	char base[256];

	if (!outsz)
		return;
	if (e->path_len == 0) {
		/* The kernel no longer names thread stacks; the caller knows them by rsp. */
		if (stack_tid > 0) {
			snprintf(out, outsz, "[stack tid %d]", (int)stack_tid);
			return;
		}
		/* A program's or library's .bss beyond the file's last page is an anonymous
		 * mapping right after the file's writable data. */
		if (prev && prev->path_len && prev->end == e->start && prev->perms[1] == 'w' &&
		    prev->perms[3] == 'p' && prev->path[0] != '[') {
			maps_short_name(prev, base, sizeof(base));
			snprintf(out, outsz, "%s .bss", base);
			return;
		}
		snprintf(out, outsz, "[anon]");
		return;
	}
	maps_short_name(e, base, sizeof(base));
	if (base[0] == '[' && e->perms[3] == 'p') {
		snprintf(out, outsz, "%s", base);
		return;
	}
	if (e->perms[3] == 's')
		snprintf(out, outsz, "%s shared", base);
	else if (e->perms[1] == 'w')
		snprintf(out, outsz, "%s rw", base);
	else
		snprintf(out, outsz, "%s ro", base);
}

void refs_reg_location(pid_t tid, size_t reg, char *out, size_t outsz)
{
	if (outsz)
		snprintf(out, outsz, "tid %d %s", (int)tid, refs_reg_name(reg));
}

bool ref_list_add(struct ref_list *l, const struct ref *r)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct ref *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *r;
	if (r->cls == REFS_UNSAFE)
		l->n_unsafe++;
	return true;
}

void ref_list_free(struct ref_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
