/* Reading and rewriting a target's references to its ring (see refscan.h). */
#include "refscan.h"
#include "target.h"
#include "testhook.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096u
/* One window of target memory per process_vm_readv: large enough that system calls cost
 * nothing next to the copy, small enough that the copy is still in the cache when it is
 * scanned.  (Overridable for measurements: AIOCTL_REFS_WINDOW_KIB.) */
#define WINDOW_DEFAULT (2u << 20)
#define MAX_THREADS 4
/* A run of small items read together: at most this many, and this many bytes (the part
 * of the buffer refscan_prepare warms up). */
#define BATCH_ITEMS 64
#define BATCH_BYTES (256u << 10)
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_FILE (1ull << 61)

/* PAGEMAP_SCAN (Linux 6.7): the touched ranges of a mapping in one call, without an
 * entry per page.  Defined here for older headers. */
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start, end, categories;
};
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#define PAGE_IS_PFNZERO (1 << 5)
#endif

/* A piece of work: at most one window of a mapping, all of it touched (or unknown). */
struct item {
	uint64_t addr;
	size_t len;
	size_t span;               /* index of the mapping's template reference */
};

/* A mapping to scan, in address order. */
struct range {
	uint64_t start, end;
	size_t span;               /* its template reference */
	bool priv;
};

struct plan {
	struct item *items;
	size_t n, cap;
	struct range *ranges;
	size_t nranges;
	struct ref *tmpl;          /* per mapping: class and name */
	size_t nspans, capspans;
	size_t window;
	int pagemap;               /* /proc/PID/pagemap, -1 when unavailable */
	bool used_pagemap;
};

static int add_item(struct plan *p, uint64_t addr, uint64_t end, size_t span)
{
	/* Split at window boundaries so that workers share big mappings evenly. */
	while (addr < end) {
		size_t len = (size_t)(end - addr < p->window ? end - addr : p->window);
		if (p->n == p->cap) {
			size_t cap = p->cap ? 2 * p->cap : 256;
			struct item *v = realloc(p->items, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			p->items = v;
			p->cap = cap;
		}
		p->items[p->n++] = (struct item){ addr, len, span };
		addr += len;
	}
	return 0;
}

/* Every range in one PAGEMAP_SCAN walk from the first range's start to the last one's
 * end, the returned regions cut to the ranges: one call per mapping costs more than the
 * walk when a process has many small mappings (a stack per thread).  In a private
 * mapping, pages still shared with the page cache are left out (see plan_mapping).
 * 1 done, 0 unsupported or failed (the caller drops what was added). */
static int plan_scan_ioctl_all(struct plan *p)
{
	struct page_region regs[256];
	struct pm_scan_arg a;
	const struct range *r = p->ranges;
	size_t nr = p->nranges, k = 0;
	uint64_t at = r[0].start, end = r[nr - 1].end;

	/* PAGEMAP_SCAN is newer than valgrind: zeroed, what it writes is not "uninitialised". */
	memset(regs, 0, sizeof(regs));
	while (at < end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.start = at;
		a.end = end;
		a.vec = (uint64_t)(uintptr_t)regs;
		a.vec_len = ARRAY_SIZE(regs);
		a.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
		a.category_inverted = PAGE_IS_PFNZERO;
		a.category_mask = PAGE_IS_PFNZERO;
		a.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE;
		long n = ioctl(p->pagemap, PAGEMAP_SCAN, &a);
		if (n < 0)
			return 0;
		for (long i = 0; i < n; i++) {
			uint64_t rs = regs[i].start, re = regs[i].end;
			bool file = regs[i].categories & PAGE_IS_FILE;

			while (k < nr && r[k].end <= rs)
				k++;
			for (size_t j = k; j < nr && r[j].start < re; j++) {
				uint64_t s = rs > r[j].start ? rs : r[j].start;
				uint64_t e = re < r[j].end ? re : r[j].end;
				int err;

				if (s >= e || (file && r[j].priv))
					continue;
				err = add_item(p, s, e, r[j].span);
				if (err)
					return err;
			}
		}
		if (a.walk_end <= at)
			break;
		at = a.walk_end;
	}
	return 1;
}

/* The same from the pagemap entries, one window at a time.  1 done, 0 unreadable. */
static int plan_pagemap_read(struct plan *p, uint64_t start, uint64_t end, size_t span, bool priv)
{
	uint64_t pm[512];

	for (uint64_t a = start; a < end;) {
		size_t pages = (size_t)((end - a) / PAGE < ARRAY_SIZE(pm) ? (end - a) / PAGE : ARRAY_SIZE(pm));
		ssize_t r = pread(p->pagemap, pm, pages * 8, (off_t)(a / PAGE * 8));
		if (r != (ssize_t)(pages * 8))
			return 0;
		for (size_t i = 0; i < pages;) {
			size_t j = i;
			while (j < pages && (pm[j] & (PM_PRESENT | PM_SWAPPED)) && !(priv && (pm[j] & PM_FILE)))
				j++;
			if (j > i) {
				int err = add_item(p, a + i * PAGE, a + j * PAGE, span);
				if (err)
					return err;
			}
			i = j + 1;
		}
		a += pages * PAGE;
	}
	return 1;
}

/* Which parts of a mapping to read: only pages that can hold a pointer the program
 * stored.  An untouched page holds zeroes or the file's bytes (and reading it would
 * fault it in, changing the target's memory use); in a private mapping, a page still
 * shared with the page cache holds the file's bytes too -- the program's stores went to
 * its own anonymous copy.  That skips most of every library.  Without pagemap, all.
 * (Per mapping: the fallback of plan_scan_ioctl_all for kernels before 6.7.) */
static int plan_mapping(struct plan *p, uint64_t start, uint64_t end, size_t span, bool priv)
{
	if (p->pagemap >= 0) {
		size_t before = p->n;
		int r = plan_pagemap_read(p, start, end, span, priv);
		if (r != 0) {
			p->used_pagemap = r > 0;
			return r < 0 ? r : 0;
		}
		p->n = before;
	}
	return add_item(p, start, end, span);
}

static int plan_ranges(struct plan *p)
{
	int r;

	if (p->nranges == 0)
		return 0;
	if (p->pagemap >= 0) {
		r = plan_scan_ioctl_all(p);
		if (r < 0)
			return r;
		if (r > 0) {
			p->used_pagemap = true;
			return 0;
		}
		p->n = 0;       /* kernel before 6.7: per mapping from the pagemap */
	}
	for (size_t i = 0; i < p->nranges; i++) {
		r = plan_mapping(p, p->ranges[i].start, p->ranges[i].end, p->ranges[i].span,
				 p->ranges[i].priv);
		if (r)
			return r;
	}
	return 0;
}

struct worker {
	pthread_t thread;
	pid_t pid;
	uint64_t start, end;
	const struct plan *plan;
	atomic_size_t *next;
	unsigned char *buf;
	size_t buflen;
	size_t offs[256];
	struct ref_list refs;
	uint64_t bytes, unreadable;
	int err;
};

static int add_hits(struct worker *w, const unsigned char *data, size_t len, uint64_t addr,
		    const struct ref *tmpl)
{
	size_t pos = 0, n;

	do {
		n = refs_scan(data + pos, len - pos, addr + pos, w->start, w->end, w->offs,
			      ARRAY_SIZE(w->offs));
		for (size_t k = 0; k < n; k++) {
			struct ref r = *tmpl;
			r.addr = addr + pos + w->offs[k];
			memcpy(&r.value, data + pos + w->offs[k], 8);
			if (!ref_list_add(&w->refs, &r))
				return -ENOMEM;
		}
		if (n == ARRAY_SIZE(w->offs))
			pos += w->offs[n - 1] + 8;
	} while (n == ARRAY_SIZE(w->offs));
	return 0;
}

/* Reads one item into the worker's buffer and scans it.  What the kernel refuses to
 * read (an I/O mapping, pages unmapped meanwhile) is skipped a page at a time from
 * where the read stopped. */
static int scan_item(struct worker *w, const struct item *it)
{
	uint64_t addr = it->addr;
	size_t len = it->len;

	while (len) {
		struct iovec local = { w->buf, len };
		struct iovec remote = { (void *)(uintptr_t)addr, len };
		ssize_t r = process_vm_readv(w->pid, &local, 1, &remote, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ESRCH)
			return -ESRCH;
		if (r <= 0) {
			size_t skip = len < PAGE ? len : PAGE;
			w->unreadable += skip;
			addr += skip;
			len -= skip;
			continue;
		}
		w->bytes += (uint64_t)r;
		int err = add_hits(w, w->buf, (size_t)r, addr, &w->plan->tmpl[it->span]);
		if (err)
			return err;
		addr += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* Items [from, to) with one process_vm_readv into the buffer, one after another.  When
 * something in them cannot be read, item by item (scan_item skips what fails). */
static int scan_batch(struct worker *w, size_t from, size_t to, size_t total)
{
	const struct item *it = &w->plan->items[from];
	struct iovec local = { w->buf, total }, remote[BATCH_ITEMS];
	size_t n = to - from, off = 0;
	ssize_t r;

	for (size_t k = 0; k < n; k++)
		remote[k] = (struct iovec){ (void *)(uintptr_t)it[k].addr, it[k].len };
	do
		r = process_vm_readv(w->pid, &local, 1, remote, n, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == ESRCH)
		return -ESRCH;
	if (r != (ssize_t)total) {
		for (size_t k = 0; k < n; k++) {
			int err = scan_item(w, &it[k]);
			if (err)
				return err;
		}
		return 0;
	}
	w->bytes += total;
	for (size_t k = 0; k < n; k++) {
		int err = add_hits(w, w->buf + off, it[k].len, it[k].addr, &w->plan->tmpl[it[k].span]);
		if (err)
			return err;
		off += it[k].len;
	}
	return 0;
}

/* Takes items in order; small ones in runs that share one read: a process with a stack
 * per thread has many small items, and a system call each costs more than the copy. */
static void *work(void *arg)
{
	struct worker *w = arg;
	const struct plan *p = w->plan;
	size_t cap = w->buflen < BATCH_BYTES ? w->buflen : BATCH_BYTES, i;

	while (!w->err && (i = atomic_fetch_add(w->next, 1)) < p->n) {
		size_t j = i + 1, total = p->items[i].len;

		while (j < p->n && j - i < BATCH_ITEMS && total + p->items[j].len <= cap) {
			size_t expect = j;
			if (!atomic_compare_exchange_strong(w->next, &expect, j + 1))
				break;  /* another worker took it */
			total += p->items[j].len;
			j++;
		}
		w->err = j - i == 1 ? scan_item(w, &p->items[i]) : scan_batch(w, i, j, total);
	}
	return NULL;
}

struct thread_sp {
	pid_t tid;
	uint64_t sp;
};

/* Each thread's stack pointer: from the frozen registers, or else from
 * /proc/PID/task/TID/syscall ("nr args... sp pc" for a thread blocked in a call; a
 * running thread shows "running" and stays unknown).  Names thread stacks only. */
static size_t thread_sps(pid_t pid, const struct frozen *f, struct thread_sp **out)
{
	char path[96], line[512];
	struct thread_sp *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dir;

	*out = NULL;
	if (f) {
		v = calloc(f->nthreads ? f->nthreads : 1, sizeof(*v));
		for (size_t i = 0; v && i < f->nthreads; i++)
			v[n++] = (struct thread_sp){ f->threads[i].tid, (uint64_t)f->threads[i].saved.rsp };
		*out = v;
		return n;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);
		unsigned long long sp;
		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
		FILE *fp = fopen(path, "re");
		if (!fp)
			continue;
		char *ok = fgets(line, sizeof(line), fp);
		fclose(fp);
		char *last = ok ? strrchr(line, ' ') : NULL;
		if (!last || last == line)
			continue;
		*last = '\0';
		char *spf = strrchr(line, ' ');
		if (!spf || sscanf(spf + 1, "0x%llx", &sp) != 1)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			struct thread_sp *nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n++] = (struct thread_sp){ tid, sp };
	}
	closedir(dir);
	*out = v;
	return n;
}

static pid_t stack_owner(const struct thread_sp *sps, size_t n, const struct map_entry *e)
{
	for (size_t i = 0; i < n; i++)
		if (sps[i].sp >= e->start && sps[i].sp < e->end)
			return sps[i].tid;
	return 0;
}

/* Copy buffers, one per scanning thread, kept for the life of aioctl: a move scans with
 * the target frozen, and faulting in fresh buffers for every scan is time it stands
 * still for nothing. */
static struct {
	unsigned char *p;
	size_t len;
} buffers[MAX_THREADS];

static unsigned char *buffer(unsigned i, size_t len)
{
	if (buffers[i].p && buffers[i].len >= len)
		return buffers[i].p;
	if (buffers[i].p)
		munmap(buffers[i].p, buffers[i].len);
	buffers[i].p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buffers[i].p == MAP_FAILED) {
		buffers[i].p = NULL;
		return NULL;
	}
	buffers[i].len = len;
	return buffers[i].p;
}

static int by_address(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static unsigned scan_threads(uint64_t planned)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("AIOCTL_REFS_THREADS");
	unsigned n = cpus > 0 ? (unsigned)cpus : 1;

	if (env && atoi(env) >= 1)
		n = (unsigned)atoi(env);
	/* A thread costs more than scanning a few MiB. */
	if (planned < (16u << 20))
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : n;
}

int refscan_prepare(void)
{
	unsigned char *b = buffer(0, WINDOW_DEFAULT);

	if (!b)
		return -ENOMEM;
	/* MAP_POPULATE maps the pages; a virtual machine with shadow paging still takes a
	 * fault at the first touch.  Batched reads of small items stay in this part. */
	memset(b, 0, BATCH_BYTES);
	return 0;
}

int refscan_memory(pid_t pid, uint64_t start, uint64_t end, const struct frozen *f,
		   struct ref_list *l, struct refscan_stats *st)
{
	return refscan_memory_maps(pid, NULL, 0, start, end, f, l, st);
}

int refscan_memory_maps(pid_t pid, const char *known_maps, size_t known_len, uint64_t start,
			uint64_t end, const struct frozen *f, struct ref_list *l,
			struct refscan_stats *st)
{
	struct plan p = { .pagemap = -1, .window = WINDOW_DEFAULT };
	struct worker w[MAX_THREADS];
	struct buf maps = { 0 };
	const char *text;
	size_t text_len;
	struct map_entry e, prev = { 0 };
	bool have_prev = false;
	char path[64];
	const char *line, *env;
	size_t pos = 0, ll;
	uint64_t t0 = now_us(), planned = 0;
	size_t largest = PAGE, want;
	atomic_size_t next = 0;
	unsigned nthreads = 0;
	struct thread_sp *sps = NULL;
	size_t nsps;
	int err;

	memset(w, 0, sizeof(w));
	if (known_maps) {
		text = known_maps;
		text_len = known_len;
	} else {
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
		err = buf_read_file(&maps, path);
		if (err)
			return err;
		if (maps.len == 0 && target_exists(pid) == -ESRCH) {
			err = -ESRCH;
			goto out;
		}
		text = maps.data;
		text_len = maps.len;
	}
	env = getenv("AIOCTL_REFS_WINDOW_KIB");
	if (env && atoi(env) >= 4)
		p.window = (size_t)atoi(env) / 4 * PAGE;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	p.pagemap = open(path, O_RDONLY | O_CLOEXEC);
	nsps = thread_sps(pid, f, &sps);

	while ((line = maps_next_line(text, text_len, &pos, &ll))) {
		if (maps_parse_line(line, ll, &e) != 0)
			continue;
		enum refs_class cls = refs_classify(&e, start, end);
		if (cls != REFS_SKIPPED) {
			if (p.nspans == p.capspans) {
				size_t cap = p.capspans ? 2 * p.capspans : 64;
				struct ref *v = realloc(p.tmpl, cap * sizeof(*v));
				if (!v) {
					err = -ENOMEM;
					goto out;
				}
				p.tmpl = v;
				p.capspans = cap;
				struct range *rv = realloc(p.ranges, cap * sizeof(*rv));
				if (!rv) {
					err = -ENOMEM;
					goto out;
				}
				p.ranges = rv;
			}
			struct ref *t = &p.tmpl[p.nspans];
			memset(t, 0, sizeof(*t));
			t->where = REF_MEMORY;
			t->cls = cls;
			refs_mapping_name(&e, have_prev ? &prev : NULL,
					  e.path_len ? 0 : stack_owner(sps, nsps, &e), t->name, sizeof(t->name));
			p.ranges[p.nranges++] = (struct range){ e.start, e.end, p.nspans, e.perms[3] == 'p' };
			p.nspans++;
			st->mappings++;
		}
		prev = e;
		have_prev = true;
	}
	err = plan_ranges(&p);
	if (err)
		goto out;
	st->pagemap = p.used_pagemap;
	for (size_t i = 0; i < p.n; i++) {
		planned += p.items[i].len;
		if (p.items[i].len > largest)
			largest = p.items[i].len;
	}

	/* Copying is the cost (process_vm_readv pins and copies every page): with every
	 * thread of the target stopped, the CPUs are ours, so copy on each of them. */
	nthreads = scan_threads(planned);
	want = planned < BATCH_BYTES ? (size_t)planned : BATCH_BYTES;
	if (want < largest)
		want = largest;
	for (unsigned i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .pid = pid, .start = start, .end = end, .plan = &p, .next = &next };
		/* No bigger than needed: faulting in a window of buffer costs more than
		 * scanning a small process. */
		w[i].buf = buffer(i, (want + PAGE - 1) / PAGE * PAGE);
		w[i].buflen = buffers[i].len;
		if (!w[i].buf) {
			nthreads = i;    /* fewer threads, or none at all */
			break;
		}
	}
	if (!nthreads) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned i = 1; i < nthreads; i++)
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
			nthreads = i;
			break;
		}
	work(&w[0]);
	for (unsigned i = 0; i < nthreads; i++) {
		if (i)
			pthread_join(w[i].thread, NULL);
		st->bytes += w[i].bytes;
		st->unreadable += w[i].unreadable;
		if (!err)
			err = w[i].err;
		for (size_t k = 0; !err && k < w[i].refs.n; k++)
			if (!ref_list_add(l, &w[i].refs.v[k]))
				err = -ENOMEM;
		ref_list_free(&w[i].refs);
	}
	if (!err && l->n > 1) {
		/* Workers finished in any order: report by address, registers after. */
		size_t first = 0;
		while (first < l->n && l->v[first].where != REF_MEMORY)
			first++;
		qsort(l->v + first, l->n - first, sizeof(*l->v), by_address);
	}
out:
	if (p.pagemap >= 0)
		close(p.pagemap);
	free(p.items);
	free(p.ranges);
	free(p.tmpl);
	free(sps);
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
	ssize_t r = target_read(pid, addr, v, sizeof(*v));

	if (r == (ssize_t)sizeof(*v))
		return 0;
	return r < 0 ? (int)r : -EFAULT;
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
 * 2 it holds `to` already (another step retargeted it), 0 it held something else (left
 * alone), -errno failed. */
static int swap_one(pid_t pid, struct frozen *f, const struct ref *r, uint64_t from, uint64_t to)
{
	uint64_t cur;
	int err;

	if (r->where == REF_REGISTER) {
		struct frozen_thread *th = thread_of(f, r->tid);
		if (!th)
			return -ESRCH;
		if (refs_reg_get(&th->resume, r->reg) == to)
			return 2;
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
	if (cur == to)
		return 2;
	if (cur != from)
		return 0;
	err = write_word(pid, r->addr, to);
	return err ? err : 1;
}

int refscan_rewrite(pid_t pid, struct frozen *f, struct ref_list *l, uint64_t old_start,
		    uint64_t new_start, size_t *changed, const struct ref **failed)
{
	/* Test hook (refs_move.bats): the rewrite after the first N fails, exercising the
	 * restore of a partly applied rewrite on a real target.  -1 outside aioctl-test. */
	long fail_after = test_refs_fail_after();

	*changed = 0;
	*failed = NULL;
	for (size_t i = 0; i < l->n; i++) {
		struct ref *r = &l->v[i];
		if (r->cls != REFS_REWRITABLE || r->rewritten)
			continue;
		int res = fail_after-- == 0 ? -EFAULT
			: swap_one(pid, f, r, r->value, refs_rewrite_value(r->value, old_start, new_start));
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
