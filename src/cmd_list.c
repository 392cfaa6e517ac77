/* aioctl list [PID...]: the AIO rings of processes, one row per ring, or with --summary
 * one row per process ranked by its share of the aio-max-nr budget.
 *
 * The flow, each step its own function so that options can hook in between:
 *   scan      maps of the given PIDs, or of every process in /proc read by one thread
 *             per CPU; ring headers (header only); there, the ring holders' cgroups too
 *   sharers   for explicit PIDs, the other processes mapping the same rings
 *   details   libproc2: over the whole machine one pass over all processes, on the main
 *             thread while the scan runs; otherwise the ring holders only (or all, when
 *             that reads fewer files): command, user, start time, cgroup (unless the
 *             scan threads read it)
 *   group     shared rings and their likely owners (ringlist.c)
 *   probe     with --probe, liveness inside each process; a live ring names its owner
 *   rows      one column table (columns.c) drives table, raw and JSON output
 *
 * Figures (bench/run, README): with 1000 processes each holding a ring, list takes about
 * grep's time over their maps; libproc2's pass, reading /proc/PID/stat of every process,
 * is the longest of the jobs that run side by side. */
#include "aioctl.h"
#include "columns.h"
#include "commands.h"
#include "inject.h"
#include "maps.h"
#include "procinfo.h"
#include "ring.h"
#include "ringlist.h"
#include "target.h"

#include <argp.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

/* ---- the column tables ---- */

enum {
	LC_PID, LC_COMMAND, LC_USER, LC_ADDR, LC_SIZE, LC_SLOTS, LC_HEAD, LC_TAIL, LC_PENDING,
	LC_ID, LC_INODE, LC_DEV, LC_REQ, LC_REQ_MIN, LC_REQ_MAX, LC_STATE, LC_OWNER, LC_SHARED,
	LC_UNIT, LC_CGROUP,
};

static const struct column_desc ring_columns[] = {
	[LC_PID]     = { "PID", "pid", COL_NUMBER, COL_RIGHT, true, "process ID" },
	[LC_COMMAND] = { "COMMAND", "comm", COL_STRING, COL_LEFT, true, "command name" },
	[LC_USER]    = { "USER", "user", COL_STRING, COL_LEFT, false, "effective user of the process" },
	[LC_ADDR]    = { "ADDR", "addr", COL_HEX, COL_RIGHT, true, "ring address, which is also the context id" },
	[LC_SIZE]    = { "SIZE", "size", COL_SIZE, COL_RIGHT, true, "size of the ring mapping" },
	[LC_SLOTS]   = { "SLOTS", "nr", COL_NUMBER, COL_RIGHT, true, "event slots (nr in the ring header)" },
	[LC_HEAD]    = { "HEAD", "head", COL_NUMBER, COL_RIGHT, true, "next slot the application reaps" },
	[LC_TAIL]    = { "TAIL", "tail", COL_NUMBER, COL_RIGHT, true, "next slot the kernel fills" },
	[LC_PENDING] = { "PENDING", "pending", COL_NUMBER, COL_RIGHT, true, "completed events not yet reaped" },
	[LC_ID]      = { "ID", "id", COL_NUMBER, COL_RIGHT, false, "index of the context in the process's table" },
	[LC_INODE]   = { "INODE", "inode", COL_NUMBER, COL_RIGHT, false, "inode of the ring on the aio filesystem" },
	[LC_DEV]     = { "DEV", "dev", COL_STRING, COL_LEFT, false, "device of the ring mapping (major:minor)" },
	[LC_REQ]     = { "REQ", "req", COL_STRING, COL_RIGHT, true, "range of nr_events io_setup can have been asked for" },
	[LC_REQ_MIN] = { "REQ-MIN", "req_min", COL_NUMBER, COL_RIGHT, false, "smallest nr_events giving this ring" },
	[LC_REQ_MAX] = { "REQ-MAX", "req_max", COL_NUMBER, COL_RIGHT, false, "largest nr_events giving this ring" },
	[LC_STATE]   = { "STATE", "state", COL_STRING, COL_LEFT, true, "ok, shared, unreadable, bad magic, shrunk/split, ..." },
	[LC_OWNER]   = { "OWNER", "owner", COL_NUMBER, COL_RIGHT, false, "likely owner of a shared ring (started first)" },
	[LC_SHARED]  = { "SHARED", "shared", COL_ARRAY, COL_LEFT, false, "other processes mapping the same ring" },
	[LC_UNIT]    = { "UNIT", "unit", COL_STRING, COL_LEFT, false, "systemd unit, from the cgroup" },
	[LC_CGROUP]  = { "CGROUP", "cgroup", COL_STRING, COL_LEFT, false, "control group of the process" },
};

enum {
	SC_PID, SC_COMMAND, SC_USER, SC_RINGS, SC_OWNED, SC_SLOTS, SC_REQ, SC_REQ_MIN, SC_REQ_MAX,
	SC_SHARE, SC_UNIT, SC_CGROUP,
};

static const struct column_desc summary_columns[] = {
	[SC_PID]     = { "PID", "pid", COL_NUMBER, COL_RIGHT, true, "process ID" },
	[SC_COMMAND] = { "COMMAND", "comm", COL_STRING, COL_LEFT, true, "command name" },
	[SC_USER]    = { "USER", "user", COL_STRING, COL_LEFT, true, "effective user of the process" },
	[SC_RINGS]   = { "RINGS", "rings", COL_NUMBER, COL_RIGHT, true, "rings mapped" },
	[SC_OWNED]   = { "OWNED", "owned", COL_NUMBER, COL_RIGHT, false, "rings of which the process is the likely owner" },
	[SC_SLOTS]   = { "SLOTS", "slots", COL_NUMBER, COL_RIGHT, true, "event slots of the rings mapped" },
	[SC_REQ]     = { "REQ", "req", COL_NUMBER, COL_RIGHT, true, "estimated nr_events asked for (owned rings, fitted to aio-nr)" },
	[SC_REQ_MIN] = { "REQ-MIN", "req_min", COL_NUMBER, COL_RIGHT, false, "least nr_events the owned rings can have asked for" },
	[SC_REQ_MAX] = { "REQ-MAX", "req_max", COL_NUMBER, COL_RIGHT, false, "most nr_events the owned rings can have asked for" },
	[SC_SHARE]   = { "SHARE", "share", COL_PERCENT, COL_RIGHT, true, "estimated share of aio-max-nr, in percent" },
	[SC_UNIT]    = { "UNIT", "unit", COL_STRING, COL_LEFT, false, "systemd unit, from the cgroup" },
	[SC_CGROUP]  = { "CGROUP", "cgroup", COL_STRING, COL_LEFT, false, "control group of the process" },
};

/* ---- options ---- */

enum { OPT_OUTPUT_ALL = 0x100, OPT_SORT, OPT_PROBE };

struct list_opts {
	const char *output;
	const char *sort;
	bool output_all, list_columns, summary, probe;
	unsigned flags;              /* COLF_* */
	pid_t *pids;
	size_t npids;
};

static const struct argp_option options[] = {
	{ "output", 'o', "LIST", 0, "columns to show; +LIST adds to the defaults", 0 },
	{ "output-all", OPT_OUTPUT_ALL, NULL, 0, "show every column", 0 },
	{ "list-columns", 'H', NULL, 0, "list the columns (with --raw: NAME<TAB>description)", 0 },
	{ "noheadings", 'n', NULL, 0, "do not print headings", 0 },
	{ "raw", 'r', NULL, 0, "raw output: fields separated by one space, unsafe bytes as \\xHH", 0 },
	{ "json", 'J', NULL, 0, "JSON output (every column unless --output is given)", 0 },
	{ "sort", OPT_SORT, "COLUMN", 0, "sort by COLUMN (numbers numerically)", 0 },
	{ "bytes", 'b', NULL, 0, "print SIZE in bytes instead of 4K, 68K, ...", 0 },
	{ "summary", 's', NULL, 0, "one row per process, ranked by its share of aio-max-nr", 0 },
	{ "probe", OPT_PROBE, NULL, 0, "stop each process briefly to ask the kernel whether its rings "
	  "are live, inherited or dead (STATE)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct list_opts *o = state->input;
	pid_t pid;

	switch (key) {
	case 'o': o->output = arg; break;
	case OPT_OUTPUT_ALL: o->output_all = true; break;
	case 'H': o->list_columns = true; break;
	case 'n': o->flags |= COLF_NOHEADINGS; break;
	case 'r': o->flags |= COLF_RAW; break;
	case 'J': o->flags |= COLF_JSON; break;
	case OPT_SORT: o->sort = arg; break;
	case OPT_PROBE: o->probe = true; break;
	case 'b': o->flags |= COLF_BYTES; break;
	case 's': o->summary = true; break;
	case ARGP_KEY_ARG:
		if (!parse_pid(arg, &pid))
			argp_error(state, "invalid PID '%s'", arg);
		for (size_t i = 0; i < o->npids; i++)
			if (o->pids[i] == pid)
				return 0;
		o->pids[o->npids++] = pid;
		break;
	case ARGP_KEY_END:
		if ((o->flags & COLF_RAW) && (o->flags & COLF_JSON))
			argp_error(state, "--raw and --json exclude each other");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* --help ends with the columns, from the same tables as everything else. */
static char *help_filter(int key, const char *text, void *input)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_EXTRA)
		return (char *)text;
	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	fprintf(f, "Columns (default ones marked *):\n");
	for (size_t i = 0; i < ARRAY_SIZE(ring_columns); i++)
		fprintf(f, " %c%-8s %s\n", ring_columns[i].is_default ? '*' : ' ', ring_columns[i].name,
			ring_columns[i].help);
	fprintf(f, "\nColumns with --summary:\n");
	for (size_t i = 0; i < ARRAY_SIZE(summary_columns); i++)
		fprintf(f, " %c%-8s %s\n", summary_columns[i].is_default ? '*' : ' ',
			summary_columns[i].name, summary_columns[i].help);
	fprintf(f, "\nWithout PID, every process.  Exit status: 0 at least one ring shown, 1 none,\n"
		   "2 usage error, 3 permission denied, 4 no such process.");
	fclose(f);
	return s;
}

/* ---- scanning ---- */

struct scan;
static void probe_rings(struct scan *s);

struct scan {
	struct list_ring *rings;
	size_t n, cap;
	size_t shown;                /* rings[0..shown) are listed; the rest only share them */
	struct buf b;
	size_t nprocs;               /* processes enumerated (0 for explicit PIDs) */
	unsigned proc_denied, proc_failed, ring_denied;
	int proc_failed_err;
	struct proc_table table;     /* every process's details, when have_table */
	bool have_table;
	struct proc_table cgroups;   /* the ring holders' cgroups, when the scan threads read them */
};

/* --probe: one brief freeze per process holding sane listed rings.  EINVAL means no
 * context here: a copy inherited through fork when another process maps the same ring,
 * else a dead mapping.  A process that cannot be frozen keeps STATE as seen outside. */
static void probe_rings(struct scan *s)
{
	for (size_t i = 0; i < s->shown; ) {
		pid_t pid = s->rings[i].pid;
		size_t end = i, n = 0;
		uint64_t *addrs;
		long *res;

		while (end < s->shown && s->rings[end].pid == pid)
			end++;
		addrs = calloc(end - i, sizeof(*addrs));
		res = calloc(end - i, sizeof(*res));
		for (size_t k = i; addrs && res && k < end; k++)
			if (!s->rings[k].err && !s->rings[k].problems)
				addrs[n++] = s->rings[k].map.start;
		if (n && pid != getpid() && probe_liveness(pid, addrs, n, res) == EXIT_OK) {
			size_t j = 0;
			for (size_t k = i; k < end; k++) {
				struct list_ring *r = &s->rings[k];
				if (r->err || r->problems)
					continue;
				if (res[j] == 0)
					r->liveness = LIVENESS_LIVE;
				else if (res[j] == -EINVAL)
					r->liveness = r->group_size > 1 ? LIVENESS_INHERITED : LIVENESS_DEAD;
				j++;
			}
		} else if (n && pid != getpid()) {
			errmsg("pid %d: not probed (cannot stop it: traced, exiting, or not permitted)",
			       (int)pid);
		}
		free(addrs);
		free(res);
		i = end;
	}
}

static struct list_ring *new_ring(struct scan *s)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct list_ring *n = realloc(s->rings, ncap * sizeof(*n));
		if (!n)
			return NULL;
		s->rings = n;
		s->cap = ncap;
	}
	memset(&s->rings[s->n], 0, sizeof(s->rings[0]));
	return &s->rings[s->n++];
}

/* Reads one process's rings (headers only) into s.  0, or -errno for its maps. */
static int scan_pid(struct scan *s, pid_t pid)
{
	struct ring_map *maps;
	size_t n;
	int r = target_find_rings(pid, &s->b, &maps, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct ring_snapshot snap;
		struct list_ring *lr = new_ring(s);

		if (!lr) {
			free(maps);
			return -ENOMEM;
		}
		ring_snapshot_read(pid, &maps[i], true, &snap);
		if (snap.err == EFAULT || snap.err == ESRCH) {
			/* Ring pages are never swapped out, so a fault means the ring (or the
			 * process) went away between reading maps and reading memory: it is
			 * no longer there to list. */
			ring_snapshot_free(&snap);
			s->n--;
			continue;
		}
		lr->pid = pid;
		lr->map = maps[i];
		lr->hdr = snap.hdr;
		lr->problems = snap.problems;
		lr->err = snap.err;
		ring_snapshot_free(&snap);
	}
	free(maps);
	return 0;
}

static void count_failure(struct scan *s, int err)
{
	if (err == EACCES || err == EPERM) {
		s->proc_denied++;
	} else if (err != ESRCH && err != ENOENT) {
		/* ESRCH/ENOENT: the process ended while we looked; nothing was missed. */
		s->proc_failed++;
		s->proc_failed_err = err;
	}
}


/* The whole machine is scanned by up to SCAN_THREADS threads: almost all of list's time is
 * the kernel generating /proc/PID/maps text, in the reading thread's own time, so the
 * CPUs divide it (1000 processes holding rings on 2 CPUs: 74 against 45 ms).  Below
 * SCAN_PARALLEL_MIN processes a thread costs more than it saves. */
#define SCAN_THREADS 4
#define SCAN_PARALLEL_MIN 256
#define SCAN_CHUNK 16

struct scan_pool {
	const pid_t *pids;
	size_t npids;
	atomic_size_t next;
};

struct scan_worker {
	struct scan_pool *pool;
	bool want_cgroup;        /* read the cgroup of each process found holding rings */
	struct scan part;        /* this worker's rings, cgroups and counters */
	int err;                 /* -ENOMEM */
};

static void *scan_work(void *arg)
{
	struct scan_worker *w = arg;
	struct scan_pool *pool = w->pool;
	size_t i;

	while (!w->err && (i = atomic_fetch_add(&pool->next, SCAN_CHUNK)) < pool->npids)
		for (size_t k = i; k < i + SCAN_CHUNK && k < pool->npids; k++) {
			size_t had = w->part.n;
			int r = scan_pid(&w->part, pool->pids[k]);
			/* A cgroup that cannot be read leaves the column empty; the rings are
			 * listed all the same. */
			if (r == 0 && w->want_cgroup && w->part.n > had &&
			    procinfo_add_cgroup(&w->part.cgroups, pool->pids[k], &w->part.b) == -ENOMEM)
				r = -ENOMEM;
			if (r == -ENOMEM) {
				w->err = r;
				break;
			}
			if (r < 0)
				count_failure(&w->part, -r);
		}
	return NULL;
}

static int by_pid_then_address(const void *a, const void *b)
{
	const struct list_ring *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->map.start < y->map.start ? -1 : x->map.start > y->map.start;
}

/* Moves a worker's rings and counters into s: the first worker's array is taken over
 * as it is (s is empty then), the others appended to it. */
static int merge_part(struct scan *s, struct scan *part)
{
	if (!s->rings) {
		s->rings = part->rings;
		s->n = part->n;
		s->cap = part->cap;
		part->rings = NULL;
	} else if (part->n) {
		if (s->n + part->n > s->cap) {
			struct list_ring *v = realloc(s->rings, (s->n + part->n) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			s->rings = v;
			s->cap = s->n + part->n;
		}
		memcpy(&s->rings[s->n], part->rings, part->n * sizeof(*part->rings));
		s->n += part->n;
	}
	s->proc_denied += part->proc_denied;
	s->proc_failed += part->proc_failed;
	if (part->proc_failed_err)
		s->proc_failed_err = part->proc_failed_err;
	free(part->rings);
	part->rings = NULL;
	buf_free(&part->b);
	return procinfo_table_take(&s->cgroups, &part->cgroups);
}

/* libproc2's pass over every process runs beside the scan on machines of up to this many
 * processes; on larger ones, where few of them hold rings, details are selected for the
 * ring holders afterwards (fetch_details). */
#define REAP_ALL_MAX 4096

/* Lists every process's rings: the PIDs from /proc, their maps read by one thread per CPU
 * (up to SCAN_THREADS) while this thread reads libproc2's details of every process
 * (s->table), the longest of the jobs.  libproc2 stays on this thread: it keeps read
 * buffers per thread, which would be lost (and memcheck would say so) with another.
 * The cgroup (JSON's default columns include it) is read by the scan threads, for the
 * ring holders only: asked of libproc2's serial pass, it was one more file for every
 * process on the critical path (list -J at 1.5x grep's time against 1.1x without it). */
static int scan_machine(struct scan *s, unsigned want)
{
	pid_t self = getpid(), *pids = NULL;
	size_t npids = 0;
	struct scan_pool pool = { 0 };
	struct scan_worker w[SCAN_THREADS];
	pthread_t th[SCAN_THREADS];
	unsigned nthreads = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int err = procinfo_list_pids(&pids, &npids);

	if (err) {
		errmsg_errno(-err, "cannot enumerate processes");
		return err;
	}
	s->nprocs = npids;
	for (size_t i = 0; i < npids; i++)
		if (pids[i] == self)
			pids[i--] = pids[--npids];
	memset(w, 0, sizeof(w));
	pool.pids = pids;
	pool.npids = npids;
	for (unsigned i = 0; i < SCAN_THREADS; i++)
		w[i].pool = &pool;
	if (npids >= SCAN_PARALLEL_MIN && cpus > 1) {
		unsigned want_threads = cpus < SCAN_THREADS ? (unsigned)cpus : SCAN_THREADS;
		/* with libproc2's pass beside them (below), the threads read the cgroups */
		for (unsigned i = 0; i < SCAN_THREADS; i++)
			w[i].want_cgroup = (want & PROCINFO_CGROUP) && npids <= REAP_ALL_MAX;
		while (nthreads < want_threads &&
		       pthread_create(&th[nthreads], NULL, scan_work, &w[nthreads]) == 0)
			nthreads++;
	}
	if (nthreads && npids <= REAP_ALL_MAX)
		s->have_table = procinfo_reap_all(want & ~PROCINFO_CGROUP, &s->table) == 0;
	else if (nthreads < SCAN_THREADS) {
		/* This thread scans too, or alone; the details, cgroups included, are then
		 * libproc2's, fetched afterwards. */
		w[nthreads].want_cgroup = false;
		scan_work(&w[nthreads]);
	}
	for (unsigned i = 0; i < SCAN_THREADS; i++) {
		if (i < nthreads)
			pthread_join(th[i], NULL);
		if (w[i].err)
			err = w[i].err;
		if (!err)
			err = merge_part(s, &w[i].part);
		else {
			free(w[i].part.rings);
			buf_free(&w[i].part.b);
			procinfo_table_free(&w[i].part.cgroups);
		}
	}
	if (!s->have_table)
		procinfo_table_free(&s->table);
	free(pids);
	if (err)
		return err;
	/* Workers took the PIDs in chunks: back to PID order, each process's rings by
	 * address as its maps listed them. */
	if (s->n > 1)
		qsort(s->rings, s->n, sizeof(*s->rings), by_pid_then_address);
	s->shown = s->n;
	for (size_t i = 0; i < s->n; i++)
		if (s->rings[i].err == EPERM || s->rings[i].err == EACCES)
			s->ring_denied++;
	return 0;
}

/* The listed ring with the same identity as m, or NULL. */
static const struct list_ring *listed_ring(const struct scan *s, const struct ring_map *m)
{
	for (size_t i = 0; i < s->shown; i++)
		if (s->rings[i].map.inode == m->inode && s->rings[i].map.dev_major == m->dev_major &&
		    s->rings[i].map.dev_minor == m->dev_minor)
			return &s->rings[i];
	return NULL;
}

/* Whether two PIDs share one address space: a thread ID given on the command line maps
 * the same rings as its process without being another process. */
static bool same_vm(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0) == 0;
}

/* For explicit PIDs: who else maps their rings (a fork copies the mapping)?  Only the
 * identity of those mappings is needed, not their headers.  Unreadable processes are
 * skipped quietly: nobody asked about them. */
static int scan_sharers(struct scan *s, const struct list_opts *o)
{
	struct proc_iter *it = proc_iter_new();
	pid_t pid, self = getpid();

	if (!it)
		return -errno;
	while ((pid = proc_iter_next(it)) > 0) {
		struct ring_map *maps;
		size_t n;
		bool asked = pid == self;

		for (size_t i = 0; i < o->npids && !asked; i++)
			asked = o->pids[i] == pid;
		if (asked || target_find_rings(pid, &s->b, &maps, &n) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct list_ring *mine = listed_ring(s, &maps[i]);
			struct list_ring *lr;

			if (!mine || same_vm(mine->pid, pid))
				continue;
			lr = new_ring(s);
			if (!lr) {
				free(maps);
				proc_iter_free(it);
				return -ENOMEM;
			}
			lr->pid = pid;
			lr->map = maps[i];
		}
		free(maps);
	}
	proc_iter_free(it);
	return 0;
}

/* ---- details ---- */

struct procs {
	pid_t *pids;
	struct proc_info *info;
	size_t n;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/* libproc2 details for every process that maps a ring; sets rings[].proc/start/ppid. */
static int fetch_details(struct scan *s, unsigned want, struct procs *p)
{
	size_t k = 0;

	p->pids = malloc((s->n ? s->n : 1) * sizeof(*p->pids));
	if (!p->pids)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		p->pids[i] = s->rings[i].pid;
	qsort(p->pids, s->n, sizeof(*p->pids), cmp_pid);
	for (size_t i = 0; i < s->n; i++)
		if (!k || p->pids[k - 1] != p->pids[i])
			p->pids[k++] = p->pids[i];
	p->n = k;
	p->info = calloc(k ? k : 1, sizeof(*p->info));
	if (!p->info)
		return -ENOMEM;
	if (s->have_table) {
		/* Taken from libproc2's pass over all processes; one that started after it
		 * holds a ring too young to have been seen there: selected below. */
		size_t missing = 0;
		for (size_t i = 0; i < k; i++) {
			struct proc_info *src = procinfo_lookup(&s->table, p->pids[i]);
			if (!src) {
				missing++;
				continue;
			}
			p->info[i] = *src;
			src->comm = src->user = src->cgroup = NULL;   /* moved */
		}
		for (size_t i = 0; missing && i < k; i++)
			if (!p->info[i].pid)
				procinfo_fetch(&p->pids[i], 1, 0, want, &p->info[i]);
	} else if (k && procinfo_fetch(p->pids, k, s->nprocs, want, p->info) < 0) {
		errmsg("cannot read process details with libproc2");
	}
	for (size_t i = 0; s->cgroups.n && i < k; i++) {
		struct proc_info *cg = procinfo_lookup(&s->cgroups, p->pids[i]);
		if (cg && p->info[i].pid && !p->info[i].cgroup) {
			p->info[i].cgroup = cg->cgroup;
			cg->cgroup = NULL;                      /* moved */
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		struct list_ring *r = &s->rings[i];
		pid_t *f = bsearch(&r->pid, p->pids, k, sizeof(*p->pids), cmp_pid);
		r->proc = (size_t)(f - p->pids);
		r->start = p->info[r->proc].start;
		r->ppid = p->info[r->proc].ppid;
	}
	return 0;
}

static void procs_free(struct procs *p)
{
	if (p->info)
		procinfo_free(p->info, p->n);
	free(p->info);
	free(p->pids);
}

/* ---- output ---- */

static void set_proc_columns(struct col_table *t, long row, const struct proc_info *pi,
			     int c_comm, int c_user, int c_unit, int c_cgroup)
{
	char path[4096], unit[256];

	if (!pi->pid)
		return;      /* gone before its details were read */
	col_set_str(t, row, c_comm, pi->comm);
	col_set_str(t, row, c_user, pi->user);
	if (pi->cgroup && cgroup_pick_path(pi->cgroup, path, sizeof(path))) {
		col_set_str(t, row, c_cgroup, path);
		if (cgroup_unit(path, unit, sizeof(unit)))
			col_set_str(t, row, c_unit, unit);
	}
}

static void add_ring_row(struct col_table *t, const struct scan *s, size_t i,
			 const struct procs *p, unsigned ncpus)
{
	const struct list_ring *r = &s->rings[i];
	uint64_t len = r->map.end - r->map.start;
	bool hdr_ok = !r->err && !(r->problems & RING_TRUNCATED);
	long row = col_table_add_row(t);
	uint32_t lo, hi;
	char buf[64];

	if (row < 0)
		return;
	col_set_u64(t, row, LC_PID, (uint64_t)r->pid);
	set_proc_columns(t, row, &p->info[r->proc], LC_COMMAND, LC_USER, LC_UNIT, LC_CGROUP);
	col_set_u64(t, row, LC_ADDR, r->map.start);
	col_set_u64(t, row, LC_SIZE, len);
	col_set_u64(t, row, LC_INODE, r->map.inode);
	snprintf(buf, sizeof(buf), "%u:%u", r->map.dev_major, r->map.dev_minor);
	col_set_str(t, row, LC_DEV, buf);
	if (hdr_ok) {
		/* What memory says even when it is not a sane header: useful for diagnosis. */
		col_set_u64(t, row, LC_SLOTS, r->hdr.nr);
		col_set_u64(t, row, LC_HEAD, r->hdr.head);
		col_set_u64(t, row, LC_TAIL, r->hdr.tail);
		col_set_u64(t, row, LC_ID, r->hdr.id);
		/* A count from a header that fails its checks would be made up. */
		if (!r->problems)
			col_set_u64(t, row, LC_PENDING, ring_pending(&r->hdr));
	}
	if (ring_request_range(len, ncpus, &lo, &hi)) {
		if (lo == hi)
			snprintf(buf, sizeof(buf), "%" PRIu32, lo);
		else
			snprintf(buf, sizeof(buf), "%" PRIu32 "-%" PRIu32, lo, hi);
		col_set_str(t, row, LC_REQ, buf);
		col_set_u64(t, row, LC_REQ_MIN, lo);
		col_set_u64(t, row, LC_REQ_MAX, hi);
	}
	col_set_str(t, row, LC_STATE, list_ring_state(r));
	col_set_u64(t, row, LC_OWNER, (uint64_t)r->owner);
	if (col_table_wants(t, LC_SHARED)) {
		/* A preforking server can share one ring with hundreds of workers. */
		size_t in_group = 1, n;
		uint64_t *others;

		for (size_t k = r->next_in_group; k != i; k = s->rings[k].next_in_group)
			in_group++;
		others = malloc(in_group * sizeof(*others));
		if (others) {
			n = list_sharers(s->rings, i, others, in_group);
			col_set_array(t, row, LC_SHARED, others, n);
			free(others);
		}
	}
}

static void add_summary_rows(struct col_table *t, const struct proc_summary *sum, long n,
			     const struct procs *p, uint64_t aio_max_nr)
{
	for (long i = 0; i < n; i++) {
		const struct proc_summary *ps = &sum[i];
		long row = col_table_add_row(t);

		if (row < 0)
			return;
		col_set_u64(t, row, SC_PID, (uint64_t)ps->pid);
		set_proc_columns(t, row, &p->info[ps->proc], SC_COMMAND, SC_USER, SC_UNIT, SC_CGROUP);
		col_set_u64(t, row, SC_RINGS, ps->rings);
		col_set_u64(t, row, SC_OWNED, ps->owned);
		col_set_u64(t, row, SC_SLOTS, ps->slots);
		col_set_u64(t, row, SC_REQ, (uint64_t)(ps->req_est + 0.5));
		col_set_u64(t, row, SC_REQ_MIN, ps->req_lo);
		col_set_u64(t, row, SC_REQ_MAX, ps->req_hi);
		if (aio_max_nr)
			col_set_real(t, row, SC_SHARE, 100.0 * ps->req_est / (double)aio_max_nr);
	}
}

/* Picks the columns from -o/--output-all/defaults; returns the count or -EXIT_USAGE. */
static int select_columns(const struct list_opts *o, const struct column_desc *descs,
			  size_t ndescs, int *ids, size_t max)
{
	size_t n;

	if (o->output_all || (!o->output && (o->flags & COLF_JSON))) {
		for (n = 0; n < ndescs && n < max; n++)
			ids[n] = (int)n;
	} else {
		n = columns_defaults(descs, ndescs, ids, max);
	}
	if (o->output) {
		const char *bad;
		size_t bad_len;
		int r = columns_parse_list(descs, ndescs, o->output, ids, &n, max, &bad, &bad_len);
		if (r == -1)
			return -usage_error("list", "unknown column '%.*s'", (int)bad_len, bad);
		if (r < 0)
			return -usage_error("list", "too many columns");
	}
	return (int)n;
}

/* The system-wide budget, and with --summary what the rings seen account for. */
struct budget {
	bool ok;                     /* /proc/sys/fs/aio-nr and aio-max-nr were readable */
	uint64_t nr, max;
	bool summary;
	size_t rings;                /* distinct rings seen (a shared one counts once) */
	uint64_t lo, hi;             /* what they asked io_setup for, in all */
};

static void print_json_int(const char *key, bool ok, uint64_t v)
{
	if (ok)
		printf(",\n  \"%s\": %" PRIu64, key, v);
	else
		printf(",\n  \"%s\": null", key);
}

/* {"rings": [...], "aio_nr": N, "aio_max_nr": M} (with --summary "processes" and the
 * budget's other figures).  Rows are dumped by jansson one at a time, so that a machine
 * with thousands of rings needs no document-sized tree in memory; the frame around
 * them is fixed ASCII. */
static int print_json(struct col_table *t, const struct budget *b)
{
	printf("{\n  \"%s\": [", b->summary ? "processes" : "rings");
	if (col_table_rows(t)) {
		putchar('\n');
		if (col_table_print_json_rows(t, "    ", stdout) < 0)
			return -ENOMEM;
		fputs("  ", stdout);
	}
	putchar(']');
	print_json_int("aio_nr", b->ok, b->nr);
	print_json_int("aio_max_nr", b->ok, b->max);
	if (b->summary) {
		print_json_int("headroom", b->ok, b->max > b->nr ? b->max - b->nr : 0);
		print_json_int("rings_seen", true, b->rings);
		print_json_int("req_min", true, b->lo);
		print_json_int("req_max", true, b->hi);
	}
	fputs("\n}\n", stdout);
	return 0;
}

/* The summary's last line: the answer to "how close is io_setup to EAGAIN?". */
static void print_budget_line(const struct budget *b)
{
	if (!b->ok)
		return;
	printf("aio-nr %" PRIu64 ", aio-max-nr %" PRIu64 ", headroom %" PRIu64 "; "
	       "%zu ring%s seen, asked for %" PRIu64 "-%" PRIu64 " events in all\n",
	       b->nr, b->max, b->max > b->nr ? b->max - b->nr : 0, b->rings,
	       b->rings == 1 ? "" : "s", b->lo, b->hi);
}

/* --summary rows: the processes of interest (all, or the PIDs given; processes that only
 * share rings with them stay out), ranked by their fitted share of aio-max-nr. */
static int build_summary(struct col_table *t, const struct scan *s, const struct procs *p,
			 const struct list_opts *o, unsigned ncpus, struct budget *b)
{
	struct proc_summary *sum;
	double fit;
	long cnt = list_summarize(s->rings, s->n, ncpus, b->nr, &sum, &fit), k = 0;

	if (cnt < 0)
		return -ENOMEM;
	for (long i = 0; i < cnt; i++) {
		bool listed = o->npids == 0;
		for (size_t j = 0; j < o->npids && !listed; j++)
			listed = o->pids[j] == sum[i].pid;
		if (!listed)
			continue;
		b->rings += sum[i].owned;
		b->lo += sum[i].req_lo;
		b->hi += sum[i].req_hi;
		sum[k++] = sum[i];
	}
	add_summary_rows(t, sum, k, p, b->ok ? b->max : 0);
	free(sum);
	return 0;
}

static unsigned details_wanted(const struct col_table *t, bool summary)
{
	unsigned want = 0;

	if (col_table_wants(t, summary ? SC_USER : LC_USER))
		want |= PROCINFO_USER;
	if (col_table_wants(t, summary ? SC_UNIT : LC_UNIT) ||
	    col_table_wants(t, summary ? SC_CGROUP : LC_CGROUP))
		want |= PROCINFO_CGROUP;
	return want;
}

/* Scans the PIDs given, saying on stderr what went wrong with each; returns the exit
 * status the first failure calls for (0 if none). */
static int scan_given(struct scan *s, const struct list_opts *o)
{
	int status = 0;

	for (size_t i = 0; i < o->npids; i++) {
		pid_t pid = o->pids[i];
		size_t before = s->n;
		int r = scan_pid(s, pid);

		if (r == -ESRCH || r == -ENOENT) {
			errmsg("pid %d: no such process", (int)pid);
			status = status ? status : EXIT_NOPROC;
		} else if (r < 0) {
			errmsg_errno(-r, "pid %d: cannot read its memory maps", (int)pid);
			status = status ? status : exit_for_errno(-r);
		} else if (s->n == before) {
			errmsg("pid %d: no AIO rings", (int)pid);
		}
		for (size_t k = before; k < s->n; k++)
			if (s->rings[k].err) {
				errmsg_errno(s->rings[k].err, "pid %d: cannot read ring 0x%" PRIx64,
					     (int)pid, s->rings[k].map.start);
				status = status ? status : exit_for_errno(s->rings[k].err);
			}
	}
	return status;
}

/* The one stderr line about processes and rings that could not be read. */
static void report_unreadable(const struct scan *s)
{
	/* Root can be refused too (a non-dumpable init in a container): no hint then. */
	const char *hint = geteuid() == 0 ? "" : "; run as root";

	if (s->proc_denied)
		errmsg("%u process%s could not be read (permission denied)%s",
		       s->proc_denied, s->proc_denied == 1 ? "" : "es", hint);
	if (s->proc_failed)
		errmsg("%u process%s could not be read (%s)", s->proc_failed,
		       s->proc_failed == 1 ? "" : "es", strerror(s->proc_failed_err));
	if (s->ring_denied)
		errmsg("%u ring%s could not be read (permission denied)%s",
		       s->ring_denied, s->ring_denied == 1 ? "" : "s", hint);
}

int cmd_list(int argc, char **argv)
{
	static const struct argp argp = {
		options, parse_opt, "[PID...]",
		"List the AIO rings of processes (all of them without PID) and the system's "
		"aio-nr budget.\vNo process is stopped or changed: maps and ring headers are read "
		"with PTRACE_MODE_READ and process_vm_readv.",
		NULL, help_filter, NULL
	};
	struct list_opts o = { 0 };
	struct scan s = { 0 };
	struct procs p = { 0 };
	struct col_table *t = NULL;
	const struct column_desc *descs;
	size_t ndescs;
	int ids[64], sort_id = -1, n, status = EXIT_OK, err_status = 0;
	struct budget b = { 0 };
	unsigned ncpus = possible_cpus();

	o.pids = calloc((size_t)argc + 1, sizeof(*o.pids));
	if (!o.pids) {
		errmsg("out of memory");
		return EXIT_REFUSED;
	}
	if (argp_parse(&argp, argc, argv, 0, NULL, &o) != 0) {
		free(o.pids);
		return EXIT_USAGE;
	}
	descs = o.summary ? summary_columns : ring_columns;
	ndescs = o.summary ? ARRAY_SIZE(summary_columns) : ARRAY_SIZE(ring_columns);
	if (o.list_columns) {
		free(o.pids);
		return columns_print_list(descs, ndescs, o.flags, stdout) ? EXIT_REFUSED : EXIT_OK;
	}
	n = select_columns(&o, descs, ndescs, ids, ARRAY_SIZE(ids));
	if (n < 0) {
		free(o.pids);
		return -n;
	}
	if (o.sort) {
		sort_id = columns_find(descs, ndescs, o.sort, strlen(o.sort));
		if (sort_id < 0) {
			free(o.pids);
			return usage_error("list", "unknown column '%s' for --sort", o.sort);
		}
	}
	t = col_table_new(descs, ndescs, ids, (size_t)n, sort_id);
	if (!t) {
		free(o.pids);
		errmsg("out of memory");
		return EXIT_REFUSED;
	}

	/* scan */
	if (o.npids == 0) {
		if (scan_machine(&s, details_wanted(t, o.summary)) < 0)
			status = EXIT_REFUSED;
	} else {
		err_status = scan_given(&s, &o);
		s.shown = s.n;
		/* Sharing decides STATE, OWNER, SHARED and the summary's attribution. */
		if (s.n && (o.summary || col_table_wants(t, LC_STATE) || col_table_wants(t, LC_OWNER) ||
			    col_table_wants(t, LC_SHARED)) && scan_sharers(&s, &o) == -ENOMEM)
			status = EXIT_REFUSED;
	}

	/* details, group */
	if (status == EXIT_OK && (fetch_details(&s, details_wanted(t, o.summary), &p) < 0 ||
				  list_group_rings(s.rings, s.n) < 0))
		status = EXIT_REFUSED;
	if (status == EXIT_OK && o.probe) {
		probe_rings(&s);
		list_owner_from_liveness(s.rings, s.n);
	}

	b.ok = read_aio_budget(&b.nr, &b.max);
	b.summary = o.summary;
	if (status == EXIT_OK) {
		if (o.summary) {
			if (build_summary(t, &s, &p, &o, ncpus, &b) < 0)
				status = EXIT_REFUSED;
		} else {
			for (size_t i = 0; i < s.shown; i++)
				add_ring_row(t, &s, i, &p, ncpus);
		}
	}
	if (status == EXIT_OK) {
		col_table_sort(t, false);
		if (o.flags & COLF_JSON) {
			if (print_json(t, &b) < 0)
				status = EXIT_REFUSED;
		} else {
			if (col_table_rows(t) && col_table_print(t, o.flags, stdout) < 0)
				status = EXIT_REFUSED;
			/* Raw output stays one record per line for scripts. */
			if (o.summary && !(o.flags & COLF_RAW))
				print_budget_line(&b);
		}
		if (status == EXIT_OK && !col_table_rows(t))
			status = EXIT_NOTHING;
	}
	report_unreadable(&s);
	if (status == EXIT_OK && err_status)
		status = err_status;
	else if (status == EXIT_NOTHING && err_status)
		status = err_status;

	procs_free(&p);
	procinfo_table_free(&s.table);
	procinfo_table_free(&s.cgroups);
	col_table_free(t);
	buf_free(&s.b);
	free(s.rings);
	free(o.pids);
	return status;
}
