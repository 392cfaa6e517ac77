/* libproc2 (procps-ng 4) behind a small interface; see procinfo.h. */
#include "procinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libproc2/pids.h>

struct proc_iter {
	struct pids_info *info;
};

struct proc_iter *proc_iter_new(void)
{
	/* PID alone: libproc2 then reads no file per process, only the /proc directory. */
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
	return it;
}

pid_t proc_iter_next(struct proc_iter *it)
{
	/* procps_pids_get streams one process at a time, so memory stays flat however many
	 * processes there are (procps_pids_reap would hold them all). */
	struct pids_stack *s = procps_pids_get(it->info, PIDS_FETCH_TASKS_ONLY);

	return s ? PIDS_VAL(0, s_int, s, it->info) : 0;
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

int procinfo_fetch(const pid_t *pids, size_t n, unsigned want, struct proc_info *out)
{
	enum pids_item items[6] = { PIDS_ID_PID, PIDS_ID_PPID, PIDS_CMD, PIDS_TICS_BEGAN };
	int nitems = 4, i_user = -1, i_cgroup = -1;
	struct pids_info *info = NULL;
	/* libproc2 selects at most 255 PIDs per call (FILL_ID_MAX). */
	enum { BATCH = 255 };
	unsigned batch[BATCH];
	int r;

	memset(out, 0, n * sizeof(*out));
	if (want & PROCINFO_USER)
		i_user = nitems, items[nitems++] = PIDS_ID_EUSER;
	if (want & PROCINFO_CGROUP)
		i_cgroup = nitems, items[nitems++] = PIDS_CGROUP;
	r = procps_pids_new(&info, items, nitems);
	if (r < 0)
		return r;
	for (size_t off = 0; off < n; off += BATCH) {
		size_t cnt = n - off < BATCH ? n - off : BATCH;
		struct pids_fetch *f;

		for (size_t i = 0; i < cnt; i++)
			batch[i] = (unsigned)pids[off + i];
		f = procps_pids_select(info, batch, (int)cnt, PIDS_SELECT_PID);
		if (!f)
			continue;   /* every one of them gone: leave their entries empty */
		for (int k = 0; k < f->counts->total; k++) {
			struct pids_stack *s = f->stacks[k];
			pid_t pid = PIDS_VAL(I_PID, s_int, s, info);
			/* Results come back in /proc order, not ours: match them up. */
			for (size_t i = off; i < off + cnt; i++) {
				struct proc_info *p = &out[i];
				if (pids[i] != pid || p->pid)
					continue;
				p->pid = pid;
				p->ppid = PIDS_VAL(I_PPID, s_int, s, info);
				p->start = PIDS_VAL(I_BEGAN, ull_int, s, info);
				p->comm = dup_or_null(PIDS_VAL(I_CMD, str, s, info));
				if (i_user >= 0)
					p->user = dup_or_null(PIDS_VAL(i_user, str, s, info));
				if (i_cgroup >= 0)
					p->cgroup = dup_or_null(PIDS_VAL(i_cgroup, str, s, info));
				break;
			}
		}
	}
	procps_pids_unref(&info);
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
