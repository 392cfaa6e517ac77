/* The pure core of `aioctl list` (see ringlist.h). */
#include "ringlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *list_ring_state(const struct list_ring *r)
{
	/* A header we could not read or do not trust says nothing about liveness or sharing. */
	if (r->err || (r->problems & RING_TRUNCATED))
		return "unreadable";
	if (r->problems)
		return ring_problem_str(r->problems);
	switch (r->liveness) {
	case LIVENESS_LIVE:
		return "live";
	case LIVENESS_INHERITED:
		return "inherited";
	case LIVENESS_DEAD:
		return "dead";
	case LIVENESS_UNKNOWN:
		break;
	}
	return r->group_size > 1 ? "shared" : "ok";
}

static int cmp_key(const struct list_ring *a, const struct list_ring *b)
{
	if (a->map.dev_major != b->map.dev_major)
		return a->map.dev_major < b->map.dev_major ? -1 : 1;
	if (a->map.dev_minor != b->map.dev_minor)
		return a->map.dev_minor < b->map.dev_minor ? -1 : 1;
	if (a->map.inode != b->map.inode)
		return a->map.inode < b->map.inode ? -1 : 1;
	return 0;
}

/* Index sorts (qsort_r): the rings stay where they are, since callers hold indexes. */
static int cmp_idx(const void *pa, const void *pb, void *base)
{
	const struct list_ring *a = &((const struct list_ring *)base)[*(const size_t *)pa];
	const struct list_ring *b = &((const struct list_ring *)base)[*(const size_t *)pb];
	int c = cmp_key(a, b);

	if (c)
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->map.start < b->map.start ? -1 : a->map.start > b->map.start;
}

/* Whether a looks like it created the ring before b could have inherited it. */
static bool started_first(const struct list_ring *a, const struct list_ring *b)
{
	if (a->start != b->start) {
		if (!a->start || !b->start)          /* unknown start times go last */
			return a->start != 0;
		return a->start < b->start;
	}
	/* Within one clock tick: fork makes the child, so a parent came first. */
	if (b->ppid == a->pid)
		return true;
	if (a->ppid == b->pid)
		return false;
	return a->pid < b->pid;
}

int list_group_rings(struct list_ring *rings, size_t n)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return -1;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_idx, rings);
	for (size_t g = 0; g < n;) {
		size_t e = g + 1, procs = 1;
		const struct list_ring *first;

		while (e < n && cmp_key(&rings[idx[g]], &rings[idx[e]]) == 0) {
			if (rings[idx[e]].pid != rings[idx[e - 1]].pid)
				procs++;
			e++;
		}
		first = &rings[idx[g]];
		for (size_t k = g + 1; k < e; k++)
			if (started_first(&rings[idx[k]], first))
				first = &rings[idx[k]];
		for (size_t k = g; k < e; k++) {
			struct list_ring *r = &rings[idx[k]];
			r->group_size = procs;
			r->next_in_group = idx[k + 1 < e ? k + 1 : g];
			r->owner = first->pid;
		}
		g = e;
	}
	free(idx);
	return 0;
}

void list_owner_from_liveness(struct list_ring *rings, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (rings[i].liveness != LIVENESS_LIVE || rings[i].owner == rings[i].pid)
			continue;
		rings[i].owner = rings[i].pid;
		for (size_t k = rings[i].next_in_group; k != i; k = rings[k].next_in_group)
			rings[k].owner = rings[i].pid;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

size_t list_sharers(const struct list_ring *rings, size_t i, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (size_t k = rings[i].next_in_group; k != i; k = rings[k].next_in_group) {
		bool seen = rings[k].pid == rings[i].pid;
		for (size_t j = 0; j < n && j < max && !seen; j++)
			seen = out[j] == (uint64_t)rings[k].pid;
		if (seen)
			continue;
		if (n < max)
			out[n] = (uint64_t)rings[k].pid;
		n++;
	}
	qsort(out, n < max ? n : max, sizeof(*out), cmp_u64);
	return n;
}

double budget_fit(uint64_t sum_lo, uint64_t sum_hi, uint64_t aio_nr)
{
	if (aio_nr <= sum_lo || sum_hi <= sum_lo)
		return 0.0;
	if (aio_nr >= sum_hi)
		return 1.0;
	return (double)(aio_nr - sum_lo) / (double)(sum_hi - sum_lo);
}

static int cmp_summary(const void *pa, const void *pb)
{
	const struct proc_summary *a = pa, *b = pb;

	if (a->req_est != b->req_est)
		return a->req_est > b->req_est ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int cmp_by_pid(const void *pa, const void *pb, void *base)
{
	const struct list_ring *a = &((const struct list_ring *)base)[*(const size_t *)pa];
	const struct list_ring *b = &((const struct list_ring *)base)[*(const size_t *)pb];

	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

long list_summarize(const struct list_ring *rings, size_t n, unsigned ncpus, uint64_t aio_nr,
		    struct proc_summary **out, double *fit)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	struct proc_summary *s = calloc(n ? n : 1, sizeof(*s));
	uint64_t sum_lo = 0, sum_hi = 0;
	long count = 0;

	*out = NULL;
	*fit = 0.0;
	if (!idx || !s) {
		free(idx);
		free(s);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_by_pid, (void *)rings);
	for (size_t k = 0; k < n; k++) {
		const struct list_ring *r = &rings[idx[k]];
		uint64_t len = r->map.end - r->map.start;
		struct proc_summary *p;
		uint32_t lo, hi;

		if (!count || s[count - 1].pid != r->pid) {
			s[count] = (struct proc_summary){ .pid = r->pid, .proc = r->proc };
			count++;
		}
		p = &s[count - 1];
		p->rings++;
		p->slots += ring_nr_for_len(len);
		if (r->owner != r->pid)
			continue;
		p->owned++;
		if (ring_request_range(len, ncpus, &lo, &hi)) {
			p->req_lo += lo;
			p->req_hi += hi;
		}
	}
	for (long i = 0; i < count; i++) {
		sum_lo += s[i].req_lo;
		sum_hi += s[i].req_hi;
	}
	*fit = budget_fit(sum_lo, sum_hi, aio_nr);
	for (long i = 0; i < count; i++)
		s[i].req_est = (double)s[i].req_lo + *fit * (double)(s[i].req_hi - s[i].req_lo);
	qsort(s, (size_t)count, sizeof(*s), cmp_summary);
	free(idx);
	*out = s;
	return count;
}

/* Start of the next entry in a cgroup listing: after '\n', or after a ',' that is
 * followed by "DIGITS:" (libproc2 joins lines with commas; controller lists such as
 * "cpu,cpuacct" have commas too, but never followed by digits and a colon). */
static const char *next_entry(const char *p)
{
	for (; *p; p++) {
		if (*p == '\n')
			return p + 1;
		if (*p == ',') {
			const char *q = p + 1;
			while (*q >= '0' && *q <= '9')
				q++;
			if (q > p + 1 && *q == ':')
				return p + 1;
		}
	}
	return NULL;
}

static size_t entry_len(const char *p)
{
	const char *n = next_entry(p);
	size_t len = n ? (size_t)(n - p) - 1 : strlen(p);

	return len;
}

bool cgroup_pick_path(const char *cgroup, char *out, size_t outsz)
{
	const char *best = NULL;
	size_t best_len = 0;
	int best_rank = 0;

	if (!outsz)
		return false;
	out[0] = '\0';
	for (const char *p = cgroup; p && *p; p = next_entry(p)) {
		size_t len = entry_len(p);
		const char *c1 = memchr(p, ':', len), *c2, *path;
		size_t plen;
		int rank;

		if (!c1)
			continue;
		c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p));
		if (!c2)
			continue;
		path = c2 + 1;
		plen = len - (size_t)(path - p);
		if (plen == 0 || (plen == 1 && path[0] == '/'))
			continue;
		if (c1 - p == 1 && p[0] == '0' && c2 == c1 + 1)
			rank = 3;                                /* "0::" cgroup v2 */
		else if ((size_t)(c2 - c1 - 1) == 12 && memcmp(c1 + 1, "name=systemd", 12) == 0)
			rank = 2;
		else
			rank = 1;
		if (rank > best_rank) {
			best = path;
			best_len = plen;
			best_rank = rank;
		}
	}
	if (!best)
		return false;
	snprintf(out, outsz, "%.*s", (int)best_len, best);
	return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len > sl && memcmp(s + len - sl, suffix, sl) == 0;
}

bool cgroup_unit(const char *path, char *out, size_t outsz)
{
	static const char *const kinds[] = { ".service", ".scope", ".socket", ".mount", ".swap",
					     ".timer", ".path", ".automount", ".target", ".device" };
	const char *p = path;

	if (!outsz)
		return false;
	out[0] = '\0';
	while (p && *p) {
		const char *slash;
		size_t len;

		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (!len)
			break;
		if (!ends_with(p, len, ".slice")) {
			for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
				if (ends_with(p, len, kinds[k])) {
					snprintf(out, outsz, "%.*s", (int)len, p);
					return true;
				}
			return false;
		}
		p = slash;
	}
	return false;
}
