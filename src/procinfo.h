/* The libproc2 edge: process details, for the ring holders in batches or for every
 * process in one pass, and enumeration (libproc2's, or /proc read directly where list
 * needs the PIDs at once).  Enumeration asks libproc2 for the PID only, so that it costs
 * a readdir and a stat per process and no file reads. */
#ifndef AIOCTL_PROCINFO_H
#define AIOCTL_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

struct proc_iter;

/* Starts enumerating the processes (not threads) of the machine.  NULL on failure, with
 * errno set. */
struct proc_iter *proc_iter_new(void);
/* The next PID, or 0 at the end. */
pid_t proc_iter_next(struct proc_iter *it);
void proc_iter_free(struct proc_iter *it);

/* What to fetch besides PID, parent, command and start time (all from /proc/PID/stat). */
enum procinfo_want {
	PROCINFO_USER   = 1u << 0,   /* effective user name (/proc/PID/status) */
	PROCINFO_CGROUP = 1u << 1,   /* /proc/PID/cgroup */
};

struct proc_info {
	pid_t pid;            /* 0 when the process was gone or unreadable */
	pid_t ppid;
	uint64_t start;       /* clock ticks after boot */
	char *comm;           /* as libproc2 gives it (it replaces unprintable bytes) */
	char *user;
	char *cgroup;         /* libproc2's form: the lines joined by commas */
};

/* Fills out[i] for pids[i], i < n; pids ascending.  nprocs, the number of processes on
 * the machine (0 if unknown), lets it read every process in one pass instead of selecting
 * when most of them are wanted anyway.  0, or -errno when libproc2 failed altogether. */
int procinfo_fetch(const pid_t *pids, size_t n, size_t nprocs, unsigned want,
		   struct proc_info *out);
void procinfo_free(struct proc_info *infos, size_t n);

/* Every process's details in one libproc2 pass, sorted by PID: what list asks, in a
 * thread of its own, while it reads maps, before it knows which processes hold rings. */
struct proc_table {
	struct proc_info *v;
	size_t n, cap;
};
int procinfo_reap_all(unsigned want, struct proc_table *t);
/* The entry for pid, or NULL (the process started after the pass).  The caller may
 * take its strings (set them to NULL). */
struct proc_info *procinfo_lookup(struct proc_table *t, pid_t pid);
void procinfo_table_free(struct proc_table *t);

/* /proc/PID/cgroup read directly (b is the read buffer) and added to t as an entry with
 * only pid and cgroup: list's scan threads read it for the ring holders they find, so that
 * libproc2's serial pass need not read it for every process.  cgroup_pick_path takes the
 * file's lines as it takes libproc2's comma-joined form.  0 or -errno. */
int procinfo_add_cgroup(struct proc_table *t, pid_t pid, struct buf *b);
/* Moves src's entries into dst and sorts dst by PID.  0 or -ENOMEM (src is then freed). */
int procinfo_table_take(struct proc_table *dst, struct proc_table *src);

/* The PIDs of /proc, read directly (getdents): the list of processes to scan, needed
 * at once, while libproc2's pass runs beside.  *pids is malloc'd; 0 or -errno. */
int procinfo_list_pids(pid_t **pids, size_t *n);

#endif
