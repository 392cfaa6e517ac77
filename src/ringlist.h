/* The pure part of `aioctl list`: what a ring's STATE is, which processes share a ring
 * and who likely owns it, how much of the aio-nr budget each process holds, and what a
 * cgroup says about the systemd unit.  No system calls here. */
#ifndef AIOCTL_RINGLIST_H
#define AIOCTL_RINGLIST_H

#include "ring.h"
#include "target.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the liveness probe (io_getevents(addr, 0, 0, NULL, NULL) run inside the target,
 * see FACTS "Contexts, fork and liveness") found; UNKNOWN when nobody probed. */
enum ring_liveness {
	LIVENESS_UNKNOWN = 0,
	LIVENESS_LIVE,        /* the context is live in this process */
	LIVENESS_INHERITED,   /* a copy mapped by fork; the process owns no context for it */
	LIVENESS_DEAD,        /* no context behind the mapping at all */
};

/* One ring as one process maps it. */
struct list_ring {
	pid_t pid;
	struct ring_map map;
	struct ring_header hdr;      /* valid when !(problems & RING_TRUNCATED) */
	unsigned problems;           /* ring_problem bits */
	int err;                     /* errno when the header could not be read */
	enum ring_liveness liveness;

	/* Identity of the process, for picking the likely owner of a shared ring. */
	uint64_t start;              /* start time in clock ticks since boot; 0 unknown */
	pid_t ppid;
	size_t proc;                 /* the caller's index of the process's details */

	/* Set by list_group_rings. */
	size_t group_size;           /* processes mapping this ring (same dev and inode) */
	size_t next_in_group;        /* index of the next ring of the group, circular */
	pid_t owner;                 /* likely owner (the process that started first) */
};

/* The ring's STATE, the one place it is decided: "unreadable", then the header problem
 * ("bad magic", "shrunk/split", ...), then what a probe found ("live", "inherited",
 * "dead"), then "shared" when several processes map it, else "ok". */
const char *list_ring_state(const struct list_ring *r);

/* Groups rings mapped by several processes (same device and inode), sets group_size,
 * next_in_group and owner: the process that started first; at equal start times a parent
 * before its child, then the lower PID. */
int list_group_rings(struct list_ring *rings, size_t n);

/* After a liveness probe: the process in which a shared ring is live is its owner,
 * whatever the start times said. */
void list_owner_from_liveness(struct list_ring *rings, size_t n);

/* The PIDs of the other processes mapping ring i, ascending; returns how many (up to max
 * are stored). */
size_t list_sharers(const struct list_ring *rings, size_t i, uint64_t *out, size_t max);

/* The aio-nr share of each ring.  aio-nr counts what callers asked io_setup for, which
 * only lies within [lo, hi] per ring (see ring_request_range).  With every ring seen,
 * sum(lo) <= aio-nr <= sum(hi); the fit places each ring at the same fraction f of its
 * range so that the estimates add up to aio-nr.  f is clamped to [0, 1] (rings unseen or
 * contexts without a mapping make aio-nr larger than sum(hi)).  Returns f. */
double budget_fit(uint64_t sum_lo, uint64_t sum_hi, uint64_t aio_nr);

/* Per-process totals for --summary. */
struct proc_summary {
	pid_t pid;
	size_t proc;                 /* as in list_ring */
	unsigned rings;              /* rings mapped */
	unsigned owned;              /* of which this process is the likely owner */
	uint64_t slots;              /* sum of nr over rings mapped */
	uint64_t req_lo, req_hi;     /* bounds of what the owned rings asked for */
	double req_est;              /* fitted estimate, see budget_fit */
};

/* Builds one summary per process from rings grouped by list_group_rings (a shared ring
 * counts toward its owner's request only).  *out is malloc'd, sorted by estimate
 * descending, then PID.  Returns the count, or -1 on allocation failure.  *fit gets f. */
long list_summarize(const struct list_ring *rings, size_t n, unsigned ncpus, uint64_t aio_nr,
		    struct proc_summary **out, double *fit);

/* From /proc/PID/cgroup content (lines "ID:CONTROLLERS:PATH", or the same joined by
 * commas as libproc2 gives them), the path that says most: the cgroup v2 one ("0::"),
 * else name=systemd's, else the first that is not "/".  false if none. */
bool cgroup_pick_path(const char *cgroup, char *out, size_t outsz);

/* The systemd unit a cgroup path belongs to: its first component that names a unit
 * other than a slice ("/system.slice/mysql.service/x" -> "mysql.service";
 * "/user.slice/user-1000.slice/user@1000.service/app.slice/a.service" -> "user@1000.service",
 * as sd_pid_get_unit says).  false if none. */
bool cgroup_unit(const char *path, char *out, size_t outsz);

#endif
