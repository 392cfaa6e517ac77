/* libproc2 (procps-ng 4) behind a small interface; see procinfo.h. */
#include "procinfo.h"
#include "aioctl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libproc2/pids.h>

struct proc_iter {
	struct pids_info *info;
	struct pids_fetch *all;
	int next;
};

struct proc_iter *proc_iter_new(void)
{
	/* PID alone: libproc2 then reads no file per process, only the /proc directory
	 * (and a stat of each /proc/PID).  procps_pids_reap rather than procps_pids_get:
	 * _get re-reads /proc/uptime for every process it returns, which made enumeration
	 * alone take as long as grep's whole scan (28-44 ms against 6-14 ms for _reap with
	 * 1100 processes); the reaped PIDs cost a few bytes each.
	 * Measured against a bare readdir of /proc (3100 processes, loaded 2-CPU machine):
	 * _reap 36-49 ms, readdir 8-13 ms, `grep -l '/\[aio\]' /proc/[0-9]*\/maps` 256 ms.
	 * list over the whole machine therefore reads /proc itself (procinfo_list_pids),
	 * while libproc2 reads the details beside it; this iterator serves the rest. */
	enum pids_item items[] = { PIDS_ID_PID };
	struct proc_iter *it = calloc(1, sizeof(*it));
	int r;

	if (!it)
		return NULL;
	r = procps_pids_new(&it->info, items, 1);
	if (r < 0) {
		free(it);
		errno = -r;
		return NULL;
	}
	it->all = procps_pids_reap(it->info, PIDS_FETCH_TASKS_ONLY);
	if (!it->all) {
		int e = errno ? errno : ENOMEM;
		proc_iter_free(it);
		errno = e;
		return NULL;
	}
	return it;
}

pid_t proc_iter_next(struct proc_iter *it)
{
	if (it->next >= it->all->counts->total)
		return 0;
	return PIDS_VAL(0, s_int, it->all->stacks[it->next++], it->info);
}

void proc_iter_free(struct proc_iter *it)
{
	if (!it)
		return;
	procps_pids_unref(&it->info);
	free(it);
}

enum { I_PID, I_PPID, I_CMD, I_BEGAN, I_USER, I_CGROUP };

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/* A libproc2 handle for PID, parent, command and start time, plus the user and cgroup
 * when wanted (their item positions in *i_user / *i_cgroup, -1 when not asked). */
static int new_info(unsigned want, struct pids_info **info, int *i_user, int *i_cgroup)
{
	enum pids_item items[6] = { PIDS_ID_PID, PIDS_ID_PPID, PIDS_CMD, PIDS_TICS_BEGAN };
	int nitems = 4;

	*info = NULL;
	*i_user = *i_cgroup = -1;
	if (want & PROCINFO_USER)
		*i_user = nitems, items[nitems++] = PIDS_ID_EUSER;
	if (want & PROCINFO_CGROUP)
		*i_cgroup = nitems, items[nitems++] = PIDS_CGROUP;
	return procps_pids_new(info, items, nitems);
}

/* One process's details out of a libproc2 stack. */
static void fill(struct proc_info *p, struct pids_stack *s, struct pids_info *info,
		 int i_user, int i_cgroup)
{
	(void)info;     /* PIDS_VAL uses it only in libproc2's debugging builds */
	p->pid = PIDS_VAL(I_PID, s_int, s, info);
	p->ppid = PIDS_VAL(I_PPID, s_int, s, info);
	p->start = PIDS_VAL(I_BEGAN, ull_int, s, info);
	p->comm = dup_or_null(PIDS_VAL(I_CMD, str, s, info));
	if (i_user >= 0)
		p->user = dup_or_null(PIDS_VAL(i_user, str, s, info));
	if (i_cgroup >= 0)
		p->cgroup = dup_or_null(PIDS_VAL(i_cgroup, str, s, info));
}

struct fetch {
	struct pids_info *info;
	const pid_t *pids;
	size_t n;
	int i_user, i_cgroup;
	struct proc_info *out;
};

static void take(struct fetch *f, struct pids_stack *s)
{
	pid_t pid = PIDS_VAL(I_PID, s_int, s, f->info);
	const pid_t *at = bsearch(&pid, f->pids, f->n, sizeof(*f->pids), cmp_pid);
	struct proc_info *p;

	if (!at)
		return;     /* reap mode: a process without rings */
	p = &f->out[at - f->pids];
	if (!p->pid)
		fill(p, s, f->info, f->i_user, f->i_cgroup);
}

int procinfo_fetch(const pid_t *pids, size_t n, size_t nprocs, unsigned want,
		   struct proc_info *out)
{
	struct fetch f = { .pids = pids, .n = n, .out = out };
	/* libproc2 selects at most 255 PIDs per call (FILL_ID_MAX). */
	enum { BATCH = 255 };
	unsigned batch[BATCH];
	size_t files, select_cost, reap_cost;
	int r;

	memset(out, 0, n * sizeof(*out));
	r = new_info(want, &f.info, &f.i_user, &f.i_cgroup);
	if (r < 0)
		return r;
	/* Which costs fewer /proc files?  Selecting PIDs makes libproc2 read status (for the
	 * Tgid) besides stat for each one; reaping reads only stat (the user comes from the
	 * owner of /proc/PID, which it stats anyway) but for every process.  Both read cgroup
	 * when asked. */
	files = 1 + ((want & PROCINFO_CGROUP) ? 1 : 0);
	select_cost = n * (files + 1);
	reap_cost = nprocs * files;
	if (nprocs && reap_cost < select_cost) {
		struct pids_fetch *all = procps_pids_reap(f.info, PIDS_FETCH_TASKS_ONLY);
		for (int k = 0; all && k < all->counts->total; k++)
			take(&f, all->stacks[k]);
		procps_pids_unref(&f.info);
		return 0;
	}
	for (size_t off = 0; off < n; off += BATCH) {
		size_t cnt = n - off < BATCH ? n - off : BATCH;
		struct pids_fetch *sel;

		for (size_t i = 0; i < cnt; i++)
			batch[i] = (unsigned)pids[off + i];
		sel = procps_pids_select(f.info, batch, (int)cnt, PIDS_SELECT_PID);
		/* NULL when every one of them is gone: their entries stay empty. */
		for (int k = 0; sel && k < sel->counts->total; k++)
			take(&f, sel->stacks[k]);
	}
	procps_pids_unref(&f.info);
	return 0;
}

void procinfo_free(struct proc_info *infos, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(infos[i].comm);
		free(infos[i].user);
		free(infos[i].cgroup);
	}
}

static int by_info_pid(const void *a, const void *b)
{
	const struct proc_info *x = a, *y = b;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int procinfo_reap_all(unsigned want, struct proc_table *t)
{
	int i_user, i_cgroup, r;
	struct pids_info *info;
	struct pids_fetch *all;

	t->v = NULL;
	t->n = 0;
	r = new_info(want, &info, &i_user, &i_cgroup);
	if (r < 0)
		return r;
	all = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);
	if (!all) {
		procps_pids_unref(&info);
		return -(errno ? errno : ENOMEM);
	}
	t->v = calloc(all->counts->total ? (size_t)all->counts->total : 1, sizeof(*t->v));
	if (!t->v) {
		procps_pids_unref(&info);
		return -ENOMEM;
	}
	t->cap = all->counts->total ? (size_t)all->counts->total : 1;
	for (int k = 0; k < all->counts->total; k++)
		fill(&t->v[t->n++], all->stacks[k], info, i_user, i_cgroup);
	procps_pids_unref(&info);
	qsort(t->v, t->n, sizeof(*t->v), by_info_pid);
	return 0;
}

struct proc_info *procinfo_lookup(struct proc_table *t, pid_t pid)
{
	struct proc_info key = { .pid = pid };

	return t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), by_info_pid) : NULL;
}

void procinfo_table_free(struct proc_table *t)
{
	procinfo_free(t->v, t->n);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static int table_grow(struct proc_table *t, size_t more)
{
	if (t->n + more > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct proc_info *v;
		while (ncap < t->n + more)
			ncap *= 2;
		v = realloc(t->v, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = ncap;
	}
	return 0;
}

int procinfo_add_cgroup(struct proc_table *t, pid_t pid, struct buf *b)
{
	char path[32];
	char *text;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = buf_read_file(b, path);
	if (r < 0)
		return r;
	while (b->len && b->data[b->len - 1] == '\n')
		b->len--;
	if (table_grow(t, 1) < 0 || !(text = strndup(b->data, b->len)))
		return -ENOMEM;
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	t->v[t->n].pid = pid;
	t->v[t->n++].cgroup = text;
	return 0;
}

int procinfo_table_take(struct proc_table *dst, struct proc_table *src)
{
	if (table_grow(dst, src->n) < 0) {
		procinfo_table_free(src);
		return -ENOMEM;
	}
	if (src->n)
		memcpy(&dst->v[dst->n], src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	free(src->v);
	src->v = NULL;
	src->n = src->cap = 0;
	if (dst->n > 1)
		qsort(dst->v, dst->n, sizeof(*dst->v), by_info_pid);
	return 0;
}

int procinfo_list_pids(pid_t **pids, size_t *n)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long v;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		v = strtol(de->d_name, &end, 10);
		if (*end || v <= 0)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 1024;
			pid_t *nv = realloc(*pids, ncap * sizeof(*nv));
			if (!nv) {
				closedir(d);
				free(*pids);
				*pids = NULL;
				return -ENOMEM;
			}
			*pids = nv;
			cap = ncap;
		}
		(*pids)[(*n)++] = (pid_t)v;
	}
	closedir(d);
	return 0;
}
