/* aioctl dump PID: decode a process's ring headers, pending completions and the iocbs
 * they point at.  Read-only: the target is never stopped (issue 2).
 *
 * Edges only: finding rings (target.c), one process_vm_readv per ring for header and
 * events (ring_snapshot_read), batched process_vm_readv for the iocbs, one readlink per
 * distinct fd.  Decoding and formatting are pure (iocb.c, dumpfmt.c). */
#include "aioctl.h"
#include "commands.h"
#include "dumpfmt.h"
#include "iocb.h"
#include "target.h"

#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* Events are decoded, their iocbs read and the output written in chunks, so that memory
 * stays bounded whatever nr a ring (or a forged header) claims. */
#define CHUNK_EVENTS 1024
/* Output is written once this much is buffered. */
#define FLUSH_BYTES (64u << 10)
/* iocbs closer than this share one read: calloc'd iocbs lie 80 bytes apart. */
#define SPAN_GAP 192
#define SPAN_MAX (64u << 10)
/* One process_vm_readv reads at most this many spans / bytes. */
#define BATCH_IOV 1024
#define BATCH_BYTES (128u << 10)

struct dump_opts {
	pid_t pid;
	bool have_pid;
	uint64_t *want;      /* --ring addresses */
	size_t nwant;
	bool all, json;
	const char *raw;
};

enum { OPT_RAW = 0x100 };   /* long only */

static const struct argp_option options[] = {
	{ "ring", 'r', "ADDR", 0, "only the ring at ADDR (hex, as list shows it); repeatable", 0 },
	{ "all-slots", 'a', NULL, 0, "show every event slot, not only the pending ones", 0 },
	{ "json", 'J', NULL, 0, "JSON output", 0 },
	{ "raw", OPT_RAW, "FILE", 0, "also write the rings' exact bytes to FILE, one after the other "
	  "('-': to standard output, instead of the decoded view)", 0 },
	{ 0 }
};

static const char doc[] =
	"Decode the AIO rings of process PID: each ring's header, its validity checks and "
	"every pending completion, with the struct iocb the completion points at as it is "
	"in the process's memory now (the application may have reused or freed it since)."
	"\vRequests still in flight are not visible from user space: only completed, not yet "
	"reaped events are.  The process is never stopped.\n"
	"Exit status: 0 at least one ring shown, 1 no rings (or ADDR is not a ring of PID), "
	"2 usage error, 3 permission denied, 4 no such process.";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dump_opts *o = state->input;
	uint64_t a;

	switch (key) {
	case 'r': {
		uint64_t *n;
		if (!parse_addr(arg, &a))
			argp_error(state, "invalid ring address '%s' (hexadecimal, as list shows it)", arg);
		n = realloc(o->want, (o->nwant + 1) * sizeof(*n));
		if (!n)
			argp_failure(state, EXIT_REFUSED, ENOMEM, "--ring");
		o->want = n;
		o->want[o->nwant++] = a;
		return 0;
	}
	case 'a':
		o->all = true;
		return 0;
	case 'J':
		o->json = true;
		return 0;
	case OPT_RAW:
		if (!*arg)
			argp_error(state, "--raw needs a file name or '-'");
		o->raw = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (o->have_pid)
			argp_error(state, "one PID only");
		if (!parse_pid(arg, &o->pid))
			argp_error(state, "invalid PID '%s'", arg);
		o->have_pid = true;
		return 0;
	case ARGP_KEY_END:
		if (!o->have_pid)
			argp_error(state, "no PID given");
		if (o->raw && !strcmp(o->raw, "-") && o->json)
			argp_error(state, "--raw - and --json both write to standard output");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

/* ---- output ---- */

static bool out_failed;

static void out_flush(struct sbuf *b, bool force)
{
	size_t off = 0;

	if (b->len < FLUSH_BYTES && !force)
		return;
	while (off < b->len && !out_failed) {
		ssize_t w = write(STDOUT_FILENO, b->p + off, b->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			errmsg_errno(errno, "write error on standard output");
			out_failed = true;
			break;
		}
		off += (size_t)w;
	}
	b->len = 0;
}

/* ---- what each fd is now: one readlink per distinct fd ---- */

struct fd_entry {
	uint32_t fd;
	bool used;
	int err;
	char *path;
	size_t len;
	char *json;      /* path as a JSON string, escaped once */
	size_t json_len;
};

struct fd_cache {
	pid_t pid;
	struct fd_entry *tab;
	size_t cap, used;
};

static void fd_lookup_fill(pid_t pid, struct fd_entry *e)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/fd/%u", (int)pid, e->fd);
	n = readlink(link, target, sizeof(target));
	if (n < 0) {
		e->err = errno;
		return;
	}
	e->path = malloc((size_t)n + 1);
	if (!e->path) {
		e->err = ENOMEM;
		return;
	}
	memcpy(e->path, target, (size_t)n);
	e->path[n] = '\0';
	e->len = (size_t)n;
	struct sbuf j = { 0 };
	sb_json_str(&j, e->path, e->len);
	if (!j.oom) {
		e->json = j.p;
		e->json_len = j.len;
	} else {
		sb_free(&j);
	}
}

static struct fd_entry *fd_lookup(struct fd_cache *c, uint32_t fd)
{
	size_t i;

	if (c->used * 2 >= c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct fd_entry *n = calloc(ncap, sizeof(*n));
		if (!n)
			return NULL;
		for (size_t j = 0; j < c->cap; j++) {
			if (!c->tab[j].used)
				continue;
			for (i = c->tab[j].fd * 2654435761u & (ncap - 1); n[i].used; i = (i + 1) & (ncap - 1))
				;
			n[i] = c->tab[j];
		}
		free(c->tab);
		c->tab = n;
		c->cap = ncap;
	}
	for (i = fd * 2654435761u & (c->cap - 1); c->tab[i].used; i = (i + 1) & (c->cap - 1))
		if (c->tab[i].fd == fd)
			return &c->tab[i];
	c->tab[i] = (struct fd_entry){ .fd = fd, .used = true };
	c->used++;
	fd_lookup_fill(c->pid, &c->tab[i]);
	return &c->tab[i];
}

static void fd_cache_free(struct fd_cache *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		free(c->tab[i].path);
		free(c->tab[i].json);
	}
	free(c->tab);
	c->tab = NULL;
	c->cap = c->used = 0;
}

/* ---- reading iocbs in batches ---- */

struct iocb_key {
	uint64_t addr;
	uint32_t idx;    /* event within the chunk */
};

struct chunk {
	struct dump_event ev[CHUNK_EVENTS];
	struct iocb_key keys[CHUNK_EVENTS];
	uint64_t addrs[CHUNK_EVENTS];
	struct iocb_span spans[CHUNK_EVENTS];
	unsigned char raw[CHUNK_EVENTS][IOCB_SIZE];
	struct iovec liov[BATCH_IOV], riov[BATCH_IOV];
	unsigned char batch[BATCH_BYTES + SPAN_MAX];
};

#define CHUNK_MAP (2u << 20)
_Static_assert(sizeof(struct chunk) <= CHUNK_MAP, "chunk fits one huge page");

/* The work area.  For large rings, in one transparent huge page where the system gives
 * one, else populated in one call: in a virtual machine each fresh 4 KiB page first
 * written costs microseconds, more than its use.  Small rings touch only a few pages of
 * it, on demand. */
static struct chunk *chunk_alloc(bool large)
{
	unsigned char *p = mmap(NULL, 2 * CHUNK_MAP, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + CHUNK_MAP - 1) & ~(uintptr_t)(CHUNK_MAP - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	if (a + CHUNK_MAP < (uintptr_t)p + 2 * CHUNK_MAP)
		munmap((void *)(a + CHUNK_MAP), (uintptr_t)p + 2 * CHUNK_MAP - (a + CHUNK_MAP));
	if (large) {
		madvise((void *)a, CHUNK_MAP, MADV_HUGEPAGE);
		madvise((void *)a, sizeof(struct chunk), MADV_POPULATE_WRITE);
	}
	return (struct chunk *)a;
}

static int key_cmp(const void *a, const void *b)
{
	const struct iocb_key *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void span_deliver(struct chunk *c, const struct iocb_span *s, const unsigned char *bytes)
{
	for (size_t k = s->first; k < s->first + s->count; k++) {
		const struct iocb_key *key = &c->keys[k];
		memcpy(c->raw[key->idx], bytes + (key->addr - s->addr), IOCB_SIZE);
		c->ev[key->idx].iocb_err = DUMP_IOCB_OK;
	}
}

static void span_fail(struct chunk *c, const struct iocb_span *s, int err)
{
	for (size_t k = s->first; k < s->first + s->count; k++)
		c->ev[c->keys[k].idx].iocb_err = err;
}

/* A span that could not be read whole: its iocbs one by one (a hole between two heap
 * iocbs, or one of them freed and unmapped).  Returns false when the process is gone. */
static bool span_one_by_one(pid_t pid, struct chunk *c, const struct iocb_span *s)
{
	for (size_t k = s->first; k < s->first + s->count; k++) {
		const struct iocb_key *key = &c->keys[k];
		struct iovec l = { c->raw[key->idx], IOCB_SIZE };
		struct iovec r = { (void *)(uintptr_t)key->addr, IOCB_SIZE };
		ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (n == IOCB_SIZE) {
			c->ev[key->idx].iocb_err = DUMP_IOCB_OK;
			continue;
		}
		c->ev[key->idx].iocb_err = n < 0 ? errno : EFAULT;
		if (n < 0 && errno == ESRCH)
			return false;
	}
	return true;
}

static void read_iocbs(pid_t pid, struct chunk *c, size_t n)
{
	size_t nk = 0, ns, i;
	bool sorted = true;

	for (i = 0; i < n; i++) {
		struct dump_event *e = &c->ev[i];
		if (!iocb_addr_plausible(e->ev.obj)) {
			e->iocb_err = DUMP_IOCB_NOT_USER;
			continue;
		}
		if (nk && c->keys[nk - 1].addr > e->ev.obj)
			sorted = false;
		c->keys[nk++] = (struct iocb_key){ e->ev.obj, (uint32_t)i };
	}
	/* Usually already sorted: the heap hands out iocbs in submission order. */
	if (!sorted)
		qsort(c->keys, nk, sizeof(c->keys[0]), key_cmp);
	for (i = 0; i < nk; i++)
		c->addrs[i] = c->keys[i].addr;
	ns = iocb_plan_spans(c->addrs, nk, SPAN_GAP, SPAN_MAX, c->spans);

	for (i = 0; i < ns;) {
		size_t nb = 0, bytes = 0, done = 0;
		ssize_t r;

		while (i + nb < ns && nb < BATCH_IOV && bytes < BATCH_BYTES) {
			const struct iocb_span *s = &c->spans[i + nb];
			c->liov[nb] = (struct iovec){ c->batch + bytes, s->len };
			c->riov[nb] = (struct iovec){ (void *)(uintptr_t)s->addr, s->len };
			bytes += s->len;
			nb++;
		}
		r = process_vm_readv(pid, c->liov, nb, c->riov, nb, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EFAULT) {
			int err = errno;
			for (; i < ns; i++)
				span_fail(c, &c->spans[i], err);
			return;
		}
		/* Whole spans first; the kernel stops at the first one it cannot read. */
		size_t got = r < 0 ? 0 : (size_t)r, k;
		for (k = 0; k < nb && done + c->spans[i + k].len <= got; k++) {
			span_deliver(c, &c->spans[i + k], c->batch + done);
			done += c->spans[i + k].len;
		}
		i += k;
		if (k < nb) {
			if (!span_one_by_one(pid, c, &c->spans[i])) {
				for (i++; i < ns; i++)
					span_fail(c, &c->spans[i], ESRCH);
				return;
			}
			i++;
		}
	}
}

/* ---- one ring ---- */

/* After a read that came back short or disagrees with the mapping: has the mapping
 * changed or gone meanwhile?  Sets state and message. */
static void recheck_mapping(pid_t pid, const struct ring_map *m, struct dump_ring *r,
			    char *msg, size_t msgsz)
{
	struct buf b = { 0 };
	struct ring_map *now = NULL;
	size_t n = 0, i;
	int err = target_find_rings(pid, &b, &now, &n);

	buf_free(&b);
	if (err == -ESRCH || err == -ENOENT) {
		r->state = "gone";
		snprintf(msg, msgsz, "the process exited while the ring was read");
		r->message = msg;
	}
	if (err < 0) {
		free(now);
		return;
	}
	for (i = 0; i < n && now[i].start != m->start; i++)
		;
	if (i == n) {
		r->state = "vanished";
		snprintf(msg, msgsz, "the ring was unmapped while it was read");
		r->message = msg;
	} else if (now[i].end != m->end || now[i].inode != m->inode) {
		r->state = "changed";
		snprintf(msg, msgsz, "the mapping changed while it was read (now %llu bytes, inode %llu)",
			 (unsigned long long)(now[i].end - now[i].start), (unsigned long long)now[i].inode);
		r->message = msg;
	}
	free(now);
}

static bool write_raw(int fd, const char *path, const struct ring_snapshot *s, pid_t pid)
{
	size_t off = 0;

	while (off < s->len) {
		ssize_t w = write(fd, s->bytes + off, s->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			errmsg_errno(errno, "pid %d: ring 0x%llx: cannot write %s", (int)pid,
				     (unsigned long long)s->map.start, path);
			return false;
		}
		off += (size_t)w;
	}
	return true;
}

/* Outcome of one ring, for the exit status. */
enum ring_outcome { SHOWN, NOT_SHOWN, DENIED, PROC_GONE };

static enum ring_outcome dump_ring(const struct dump_opts *o, const struct ring_map *m,
				   struct sbuf *out, bool first, struct chunk *c,
				   struct fd_cache *fds, int raw_fd, bool *raw_ok)
{
	struct ring_snapshot s;
	struct dump_ring r = { .addr = m->start, .size = m->end - m->start, .inode = m->inode };
	char msg[256];
	enum ring_outcome outcome = SHOWN;
	uint32_t from[2], to[2], cap = 0;
	size_t nranges = 0;
	bool decode = !(o->raw && !strcmp(o->raw, "-"));

	ring_snapshot_read(o->pid, m, false, &s);
	r.have_hdr = s.len >= AIO_RING_HEADER_SIZE && !s.err;
	r.hdr = s.hdr;
	r.problems = s.problems;
	r.state = r.problems ? "bad" : "ok";
	if (s.err) {
		r.message = msg;
		if (s.err == EPERM || s.err == EACCES) {
			r.state = "unreadable";
			snprintf(msg, sizeof(msg), "cannot read the ring: %s (run as root or the "
				 "process's owner)", strerror(s.err));
			outcome = DENIED;
		} else if (s.err == ESRCH) {
			r.state = "gone";
			snprintf(msg, sizeof(msg), "the process exited");
			outcome = PROC_GONE;
		} else {
			r.state = "vanished";
			snprintf(msg, sizeof(msg), "cannot read the ring: %s", strerror(s.err));
			if (s.err == EFAULT || s.err == ENOMEM)
				recheck_mapping(o->pid, m, &r, msg, sizeof(msg));
			outcome = NOT_SHOWN;
		}
		errmsg("pid %d: ring 0x%llx: %s", (int)o->pid, (unsigned long long)m->start, r.message);
	} else if (r.problems & (RING_TRUNCATED | RING_BAD_SIZE)) {
		recheck_mapping(o->pid, m, &r, msg, sizeof(msg));
		if (r.message)
			errmsg("pid %d: ring 0x%llx: %s", (int)o->pid, (unsigned long long)m->start,
			       r.message);
	}
	if (!r.have_hdr && outcome == SHOWN)
		outcome = NOT_SHOWN;
	if (r.have_hdr) {
		r.pending = ring_pending(&r.hdr);
		cap = (uint32_t)((s.len - AIO_RING_HEADER_SIZE) / AIO_EVENT_SIZE);
		nranges = dumpfmt_slot_ranges(&r.hdr, cap, o->all, from, to);
		for (size_t k = 0; k < nranges; k++)
			r.shown += to[k] - from[k];
	}
	if (raw_fd >= 0 && *raw_ok && !write_raw(raw_fd, o->raw, &s, o->pid))
		*raw_ok = false;
	if (!decode) {
		ring_snapshot_free(&s);
		return outcome;
	}

	if (o->json)
		dumpfmt_json_ring_begin(out, &r, first);
	else
		dumpfmt_text_ring(out, o->pid, &r, o->all);

	/* Events, a chunk at a time: decode, read their iocbs in batches, format. */
	bool first_ev = true;
	for (size_t k = 0; k < nranges; k++) {
		for (uint32_t slot = from[k]; slot < to[k];) {
			size_t n = 0;
			for (; slot < to[k] && n < CHUNK_EVENTS; slot++, n++) {
				struct dump_event *e = &c->ev[n];
				e->slot = slot;
				e->pending = o->all ? dumpfmt_slot_pending(&r.hdr, slot) : true;
				ring_decode_event(s.bytes, s.len, slot, &e->ev);
				e->iocb_err = DUMP_IOCB_NOT_READ;
				e->file = NULL;
				e->file_json = NULL;
			}
			read_iocbs(o->pid, c, n);
			for (size_t j = 0; j < n; j++) {
				struct dump_event *e = &c->ev[j];
				if (e->iocb_err == DUMP_IOCB_OK) {
					struct fd_entry *fe;
					iocb_decode(c->raw[j], IOCB_SIZE, &e->cb);
					fe = fd_lookup(fds, e->cb.fd);
					e->file = fe ? fe->path : NULL;
					e->file_len = fe ? fe->len : 0;
					e->file_err = fe ? fe->err : ENOMEM;
					e->file_json = fe ? fe->json : NULL;
					e->file_json_len = fe ? fe->json_len : 0;
				}
				if (o->json)
					dumpfmt_json_event(out, e, first_ev, o->all);
				else
					dumpfmt_text_event(out, e, o->all);
				first_ev = false;
				out_flush(out, false);
			}
		}
	}
	if (o->json)
		dumpfmt_json_ring_end(out);
	else
		sb_puts(out, "\n");
	out_flush(out, false);
	ring_snapshot_free(&s);
	return outcome;
}

/* Picks the rings the user asked for; false (message given) when one is not a ring. */
static bool select_rings(const struct dump_opts *o, struct ring_map *rings, size_t *n)
{
	struct ring_map *sel;
	size_t ns = 0;

	if (!o->nwant)
		return true;
	sel = calloc(o->nwant, sizeof(*sel));
	if (!sel) {
		errmsg_errno(ENOMEM, "pid %d", (int)o->pid);
		return false;
	}
	for (size_t w = 0; w < o->nwant; w++) {
		size_t i;
		bool dup = false;

		for (i = 0; i < *n && rings[i].start != o->want[w]; i++)
			;
		if (i == *n) {
			for (i = 0; i < *n; i++) {
				if (o->want[w] > rings[i].start && o->want[w] < rings[i].end) {
					errmsg("pid %d: 0x%llx is inside ring 0x%llx, not its start",
					       (int)o->pid, (unsigned long long)o->want[w],
					       (unsigned long long)rings[i].start);
					free(sel);
					return false;
				}
			}
			errmsg("pid %d: 0x%llx is not an AIO ring of this process (%zu ring%s: see "
			       "'aioctl list %d')", (int)o->pid, (unsigned long long)o->want[w], *n,
			       *n == 1 ? "" : "s", (int)o->pid);
			free(sel);
			return false;
		}
		for (size_t j = 0; j < ns; j++)
			dup |= sel[j].start == rings[i].start;
		if (!dup)
			sel[ns++] = rings[i];
	}
	memcpy(rings, sel, ns * sizeof(*sel));
	*n = ns;
	free(sel);
	return true;
}

int cmd_dump(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "PID", doc, NULL, NULL, NULL };
	struct dump_opts o = { 0 };
	struct buf b = { 0 };
	struct ring_map *rings = NULL;
	size_t n = 0;
	struct sbuf out = { 0 };
	struct fd_cache fds = { 0 };
	struct chunk *c = NULL;
	int err, status;
	size_t shown = 0, denied = 0, gone = 0;
	bool raw_ok = true;
	int raw_fd = -1;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o) != 0) {
		free(o.want);
		return EXIT_USAGE;
	}
	err = target_find_rings(o.pid, &b, &rings, &n);
	buf_free(&b);
	if (err == -ESRCH || err == -ENOENT) {
		errmsg("pid %d: no such process", (int)o.pid);
		status = EXIT_NOPROC;
		goto done;
	}
	if (err < 0) {
		errmsg_errno(-err, "pid %d: cannot read /proc/%d/maps", (int)o.pid, (int)o.pid);
		status = exit_for_errno(-err);
		goto done;
	}
	if (!select_rings(&o, rings, &n)) {
		status = EXIT_NOTHING;
		goto done;
	}
	if (n == 0) {
		errmsg("pid %d: no AIO rings", (int)o.pid);
		if (o.json) {
			dumpfmt_json_begin(&out, o.pid);
			dumpfmt_json_end(&out);
			out_flush(&out, true);
		}
		status = EXIT_NOTHING;
		goto done;
	}
	uint64_t largest = 0;
	for (size_t i = 0; i < n; i++)
		if (rings[i].end - rings[i].start > largest)
			largest = rings[i].end - rings[i].start;
	c = chunk_alloc(largest >= (1u << 20));
	if (!c) {
		errmsg_errno(ENOMEM, "pid %d", (int)o.pid);
		status = EXIT_REFUSED;
		goto done;
	}
	if (o.raw) {
		raw_fd = strcmp(o.raw, "-") ? open(o.raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
					    : STDOUT_FILENO;
		if (raw_fd < 0) {
			errmsg_errno(errno, "cannot write %s", o.raw);
			status = EXIT_REFUSED;
			goto done;
		}
	}
	fds.pid = o.pid;
	sb_reserve(&out, FLUSH_BYTES + (64u << 10));
	if (out.p && largest >= (1u << 20))
		madvise((void *)(((uintptr_t)out.p + 4095) & ~(uintptr_t)4095), FLUSH_BYTES,
			MADV_POPULATE_WRITE);
	if (o.json)
		dumpfmt_json_begin(&out, o.pid);
	for (size_t i = 0; i < n; i++) {
		switch (dump_ring(&o, &rings[i], &out, i == 0, c, &fds, raw_fd, &raw_ok)) {
		case SHOWN: shown++; break;
		case DENIED: denied++; break;
		case PROC_GONE: gone++; break;
		case NOT_SHOWN: break;
		}
	}
	if (o.json)
		dumpfmt_json_end(&out);
	out_flush(&out, true);
	if (out.oom) {
		errmsg_errno(ENOMEM, "pid %d: output incomplete", (int)o.pid);
		status = EXIT_REFUSED;
	} else if (out_failed || !raw_ok) {
		status = EXIT_REFUSED;
	} else if (shown) {
		status = EXIT_OK;
	} else if (denied) {
		status = EXIT_PERM;
	} else if (gone) {
		status = EXIT_NOPROC;
	} else {
		status = EXIT_NOTHING;
	}
	if (raw_fd > STDOUT_FILENO && close(raw_fd) != 0) {
		errmsg_errno(errno, "cannot write %s", o.raw);
		if (status == EXIT_OK)
			status = EXIT_REFUSED;
	}
done:
	fd_cache_free(&fds);
	sb_free(&out);
	if (c)
		munmap(c, CHUNK_MAP);
	free(rings);
	free(o.want);
	return status;
}
