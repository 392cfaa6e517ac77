/* Reading and rewriting a target's references to its ring (see refscan.h). */
#include "refscan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096u
/* One window of target memory per process_vm_readv: large enough that system calls cost
 * nothing next to the copy, small enough that the copy is still in the cache when it is
 * scanned.  (Overridable for measurements: AIOCTL_REFS_WINDOW_KIB.) */
#define WINDOW_DEFAULT (2u << 20)
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define MAX_RUNS 512

struct run {
	uint64_t addr;
	size_t len;
};

struct scanner {
	pid_t pid;
	uint64_t start, end;
	int pagemap;               /* /proc/PID/pagemap, -1 when unavailable */
	unsigned char *buf;
	size_t window;
	uint64_t *pm;              /* pagemap entries of one window */
	struct run runs[MAX_RUNS];
	size_t offs[256];
	struct ref_list *out;
	struct refscan_stats *st;
};

/* The runs of pages in [addr, addr + len) that the target ever touched (present or
 * swapped): an untouched page holds zeroes or the file's bytes, never a pointer the
 * program stored, and reading it would fault it in (changing the target's memory use).
 * Without pagemap, the whole range is one run. */
static size_t touched_runs(struct scanner *s, uint64_t addr, size_t len)
{
	size_t pages = len / PAGE, n = 0;
	ssize_t r;

	if (s->pagemap < 0)
		goto whole;
	r = pread(s->pagemap, s->pm, pages * 8, (off_t)(addr / PAGE * 8));
	if (r != (ssize_t)(pages * 8))
		goto whole;
	for (size_t i = 0; i < pages; i++) {
		if (!(s->pm[i] & (PM_PRESENT | PM_SWAPPED)))
			continue;
		uint64_t a = addr + (uint64_t)i * PAGE;
		if (n && s->runs[n - 1].addr + s->runs[n - 1].len == a) {
			s->runs[n - 1].len += PAGE;
		} else if (n < MAX_RUNS) {
			s->runs[n].addr = a;
			s->runs[n].len = PAGE;
			n++;
		} else {
			/* Too fragmented to describe: read the rest of the window whole. */
			s->runs[n - 1].len = (size_t)(addr + len - s->runs[n - 1].addr);
			break;
		}
	}
	s->st->pagemap = true;
	return n;
whole:
	s->runs[0].addr = addr;
	s->runs[0].len = len;
	return 1;
}

static int add_hits(struct scanner *s, const unsigned char *data, size_t len, uint64_t addr,
		    const struct ref *tmpl)
{
	size_t pos = 0, n;

	do {
		n = refs_scan(data + pos, len - pos, addr + pos, s->start, s->end, s->offs,
			      ARRAY_SIZE(s->offs));
		for (size_t k = 0; k < n; k++) {
			struct ref r = *tmpl;
			r.addr = addr + pos + s->offs[k];
			memcpy(&r.value, data + pos + s->offs[k], 8);
			if (!ref_list_add(s->out, &r))
				return -ENOMEM;
		}
		if (n == ARRAY_SIZE(s->offs))
			pos += s->offs[n - 1] + 8;
	} while (n == ARRAY_SIZE(s->offs));
	return 0;
}

/* Reads one run into the buffer (it fits: runs lie inside one window) and scans it.  A
 * run the kernel refuses to read (an I/O mapping, pages that vanished) is skipped page
 * by page from where the read stopped. */
static int scan_run(struct scanner *s, uint64_t addr, size_t len, const struct ref *tmpl)
{
	while (len) {
		struct iovec local = { s->buf, len };
		struct iovec remote = { (void *)(uintptr_t)addr, len };
		ssize_t r = process_vm_readv(s->pid, &local, 1, &remote, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ESRCH)
			return -ESRCH;
		if (r <= 0) {
			size_t skip = len < PAGE ? len : PAGE;
			s->st->unreadable += skip;
			addr += skip;
			len -= skip;
			continue;
		}
		s->st->bytes += (uint64_t)r;
		int err = add_hits(s, s->buf, (size_t)r, addr, tmpl);
		if (err)
			return err;
		addr += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

static int scan_mapping(struct scanner *s, const struct map_entry *e, const struct ref *tmpl)
{
	for (uint64_t a = e->start; a < e->end; a += s->window) {
		size_t len = (size_t)(e->end - a < s->window ? e->end - a : s->window);
		size_t nruns = touched_runs(s, a, len);
		for (size_t i = 0; i < nruns; i++) {
			int err = scan_run(s, s->runs[i].addr, s->runs[i].len, tmpl);
			if (err)
				return err;
		}
	}
	s->st->mappings++;
	return 0;
}

static pid_t stack_owner(const struct frozen *f, const struct map_entry *e)
{
	if (!f)
		return 0;
	for (size_t i = 0; i < f->nthreads; i++) {
		uint64_t sp = (uint64_t)f->threads[i].saved.rsp;
		if (sp >= e->start && sp < e->end)
			return f->threads[i].tid;
	}
	return 0;
}

int refscan_memory(pid_t pid, uint64_t start, uint64_t end, const struct frozen *f,
		   struct ref_list *l, struct refscan_stats *st)
{
	struct scanner s = { .pid = pid, .start = start, .end = end, .pagemap = -1, .out = l, .st = st };
	struct buf maps = { 0 };
	struct map_entry e, prev = { 0 };
	bool have_prev = false;
	char path[64];
	const char *line, *env;
	size_t pos = 0, ll;
	uint64_t t0 = now_us();
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	err = buf_read_file(&maps, path);
	if (err)
		return err;
	s.window = WINDOW_DEFAULT;
	env = getenv("AIOCTL_REFS_WINDOW_KIB");
	if (env && atoi(env) >= 4)
		s.window = (size_t)atoi(env) / 4 * PAGE;
	s.buf = malloc(s.window);
	s.pm = malloc(s.window / PAGE * 8);
	if (!s.buf || !s.pm) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	s.pagemap = open(path, O_RDONLY | O_CLOEXEC);

	while ((line = maps_next_line(maps.data, maps.len, &pos, &ll))) {
		if (maps_parse_line(line, ll, &e) != 0)
			continue;
		enum refs_class cls = refs_classify(&e, start, end);
		if (cls != REFS_SKIPPED) {
			struct ref tmpl = { .where = REF_MEMORY, .cls = cls };
			refs_mapping_name(&e, have_prev ? &prev : NULL,
					  e.path_len ? 0 : stack_owner(f, &e), tmpl.name, sizeof(tmpl.name));
			err = scan_mapping(&s, &e, &tmpl);
			if (err)
				goto out;
		}
		prev = e;
		have_prev = true;
	}
	err = 0;
out:
	if (s.pagemap >= 0)
		close(s.pagemap);
	free(s.buf);
	free(s.pm);
	buf_free(&maps);
	st->us += now_us() - t0;
	return err;
}

int refscan_registers(const struct frozen *f, uint64_t start, uint64_t end, struct ref_list *l)
{
	size_t idx[64];

	for (size_t t = 0; t < f->nthreads; t++) {
		const struct frozen_thread *th = &f->threads[t];
		size_t n = refs_scan_regs(&th->resume, start, end, idx, ARRAY_SIZE(idx));
		for (size_t k = 0; k < n; k++) {
			struct ref r = { .where = REF_REGISTER, .cls = REFS_REWRITABLE, .tid = th->tid,
					 .reg = idx[k], .value = refs_reg_get(&th->resume, idx[k]) };
			refs_reg_location(th->tid, idx[k], r.name, sizeof(r.name));
			if (!ref_list_add(l, &r))
				return -ENOMEM;
		}
	}
	return 0;
}

static struct frozen_thread *thread_of(struct frozen *f, pid_t tid)
{
	for (size_t i = 0; f && i < f->nthreads; i++)
		if (f->threads[i].tid == tid)
			return &f->threads[i];
	return NULL;
}

static int read_word(pid_t pid, uint64_t addr, uint64_t *v)
{
	struct iovec local = { v, 8 }, remote = { (void *)(uintptr_t)addr, 8 };
	ssize_t r;

	do
		r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r == 8)
		return 0;
	return r < 0 ? -errno : -EFAULT;
}

static int write_word(pid_t pid, uint64_t addr, uint64_t v)
{
	struct iovec local = { &v, 8 }, remote = { (void *)(uintptr_t)addr, 8 };
	ssize_t r;

	do
		r = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r == 8)
		return 0;
	return r < 0 ? -errno : -EFAULT;
}

/* Replaces `from` by `to` in one reference, only if it still holds `from`.  1 done,
 * 0 it held something else (left alone), -errno failed. */
static int swap_one(pid_t pid, struct frozen *f, const struct ref *r, uint64_t from, uint64_t to)
{
	uint64_t cur;
	int err;

	if (r->where == REF_REGISTER) {
		struct frozen_thread *th = thread_of(f, r->tid);
		if (!th)
			return -ESRCH;
		if (refs_reg_get(&th->resume, r->reg) != from)
			return 0;
		refs_reg_set(&th->resume, r->reg, to);
		return 1;
	}
	/* Every thread is stopped, but the kernel still writes user memory (a read's data,
	 * an io_event copied out by io_getevents in flight): re-read just before writing,
	 * and leave a word alone that is no longer the reference the scan found. */
	err = read_word(pid, r->addr, &cur);
	if (err)
		return err;
	if (cur != from)
		return 0;
	err = write_word(pid, r->addr, to);
	return err ? err : 1;
}

int refscan_rewrite(pid_t pid, struct frozen *f, struct ref_list *l, uint64_t old_start,
		    uint64_t new_start, size_t *changed, const struct ref **failed)
{
	*changed = 0;
	*failed = NULL;
	for (size_t i = 0; i < l->n; i++) {
		struct ref *r = &l->v[i];
		if (r->cls != REFS_REWRITABLE || r->rewritten)
			continue;
		int res = swap_one(pid, f, r, r->value, refs_rewrite_value(r->value, old_start, new_start));
		if (res < 0) {
			*failed = r;
			refscan_restore(pid, f, l, old_start, new_start);
			return res;
		}
		if (res == 0)
			(*changed)++;
		r->rewritten = res == 1;
	}
	return 0;
}

int refscan_restore(pid_t pid, struct frozen *f, struct ref_list *l, uint64_t old_start,
		    uint64_t new_start)
{
	int first = 0;

	for (size_t i = l->n; i-- > 0;) {
		struct ref *r = &l->v[i];
		if (!r->rewritten)
			continue;
		int res = swap_one(pid, f, r, refs_rewrite_value(r->value, old_start, new_start), r->value);
		if (res < 0 && !first)
			first = res;
		if (res >= 0)
			r->rewritten = false;
	}
	return first;
}
