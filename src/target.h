/* The edge where aioctl reads another process: its maps, its ring memory, its identity.
 * Read-only: nothing here stops or changes the target. */
#ifndef AIOCTL_TARGET_H
#define AIOCTL_TARGET_H

#include "aioctl.h"
#include "ring.h"

/* A ring mapping as /proc/PID/maps shows it. */
struct ring_map {
	uint64_t start, end;
	uint64_t offset, inode;
	unsigned dev_major, dev_minor;
};

/* Reads /proc/PID/maps into b (one read loop, reused buffer) and collects every ring
 * candidate that is really an AIO ring (see target_is_aio_mapping).  *rings is malloc'd
 * (free it), *n set.  0, or -errno (-ESRCH / -ENOENT: no such process, -EACCES). */
int target_find_rings(pid_t pid, struct buf *b, struct ring_map **rings, size_t *n);

/* Reads len bytes at addr in pid with process_vm_readv (several calls if the kernel
 * returns short).  Returns bytes read (short when the range ends in unmapped memory)
 * or -errno when nothing could be read. */
ssize_t target_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* A consistent copy of one ring: header and events from a single process_vm_readv. */
struct ring_snapshot {
	struct ring_map map;
	unsigned char *bytes;     /* copy of [map.start, map.start + len) */
	size_t len;               /* bytes actually read */
	int err;                  /* errno when the ring could not be read at all */
	struct ring_header hdr;
	unsigned problems;        /* ring_problem bits (RING_TRUNCATED when len < 32) */
	size_t mapped;            /* bytes is mmap'd with this length (large rings), 0: malloc'd */
};

/* Reads the whole ring (or only its header when header_only).  Never fails hard: a ring
 * that vanished is reported through s->err / s->problems.  Free with ring_snapshot_free. */
void ring_snapshot_read(pid_t pid, const struct ring_map *m, bool header_only,
			struct ring_snapshot *s);
void ring_snapshot_free(struct ring_snapshot *s);

/* Whether a maps entry that looks like a ring really is an AIO ring and not a deleted
 * real file called "/[aio]": compares the device with the aio filesystem's (learned
 * once from a ring of aioctl's own), or stats /proc/PID/map_files/START-END (an aio
 * ring has no file type bits).  Returns 1 yes, 0 no, -1 cannot tell. */
int target_is_aio_mapping(pid_t pid, const struct ring_map *m);

/* Number of possible CPUs (/sys/devices/system/cpu/possible), for the sizing rules. */
unsigned possible_cpus(void);

/* /proc/sys/fs/aio-nr and aio-max-nr; false if unreadable. */
bool read_aio_budget(uint64_t *aio_nr, uint64_t *aio_max_nr);

/* Does /proc/PID exist (0), not exist (-ESRCH), or other -errno. */
int target_exists(pid_t pid);

#endif
