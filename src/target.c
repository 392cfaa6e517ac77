/* Reading other processes: /proc/PID/maps and process_vm_readv.  Never stops them. */
#include "target.h"
#include "maps.h"
#include "arch/arch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <pthread.h>

/* Device of the aio pseudo filesystem; learned from a ring aioctl creates and destroys,
 * once, under a lock (list scans with several threads). */
static _Atomic int aio_dev_known = -1;   /* -1 not tried, 0 unknown, 1 known */
static unsigned aio_dev_major, aio_dev_minor;
static pthread_mutex_t aio_dev_lock = PTHREAD_MUTEX_INITIALIZER;

static void learn_aio_dev(void)
{
	aio_context_t ctx = 0;
	struct buf b = { 0 };
	size_t pos = 0, ll;
	const char *line;

	aio_dev_known = 0;
	/* Fails with EAGAIN when the budget is exhausted: then we fall back to map_files. */
	if (syscall(SYS_io_setup, 1, &ctx) != 0)
		return;
	if (buf_read_file(&b, "/proc/self/maps") == 0) {
		while ((line = maps_next_line(b.data, b.len, &pos, &ll))) {
			struct map_entry e;
			if (maps_parse_line(line, ll, &e) == 0 && e.start == ctx) {
				aio_dev_major = e.dev_major;
				aio_dev_minor = e.dev_minor;
				aio_dev_known = 1;
				break;
			}
		}
	}
	buf_free(&b);
	syscall(SYS_io_destroy, ctx);
}

int target_is_aio_mapping(pid_t pid, const struct ring_map *m)
{
	char path[128];
	struct stat st;

	if (aio_dev_known < 0) {
		pthread_mutex_lock(&aio_dev_lock);
		/* Where map_files can be read (root), the ring's own inode tells, and gives the
		 * aio device for the rest: learn_aio_dev()'s io_destroy waits for an RCU grace
		 * period, 30+ ms, longer than a whole dump of a full ring. */
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
			 (unsigned long long)m->start, (unsigned long long)m->end);
		if (aio_dev_known >= 0) {
			/* another thread learned it meanwhile */
		} else if (stat(path, &st) == 0) {
			if ((st.st_mode & S_IFMT) != 0) {
				pthread_mutex_unlock(&aio_dev_lock);
				return 0;
			}
			aio_dev_major = major(st.st_dev);
			aio_dev_minor = minor(st.st_dev);
			aio_dev_known = 1;
		} else {
			learn_aio_dev();
		}
		pthread_mutex_unlock(&aio_dev_lock);
	}
	if (aio_dev_known == 1)
		return m->dev_major == aio_dev_major && m->dev_minor == aio_dev_minor;
	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	if (stat(path, &st) == 0)
		return (st.st_mode & S_IFMT) == 0;
	return -1;
}

int target_find_rings(pid_t pid, struct buf *b, struct ring_map **rings, size_t *n)
{
	char path[64];
	size_t pos = 0, ll, cap = 0;
	const char *line;
	int r;

	*rings = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	/* On x86-64 the vsyscall page, when the kernel has it, is always the last line. */
	r = buf_read_file_until(b, path, ARCH_MAPS_LAST_LINE);
	if (r < 0)
		return r;
	/* An exited process reads as empty; tell it apart from one without mappings. */
	if (b->len == 0 && target_exists(pid) == -ESRCH)
		return -ESRCH;
	/* Most processes hold no ring: one memmem over the buffer and done. */
	if (!maps_may_contain_ring(b->data, b->len))
		return 0;
	while ((line = maps_next_ring_line(b->data, b->len, &pos, &ll))) {
		struct map_entry e;
		struct ring_map m;

		if (maps_parse_line(line, ll, &e) != 0 || !maps_entry_is_ring_candidate(&e))
			continue;
		m = (struct ring_map){ .start = e.start, .end = e.end, .offset = e.offset,
				       .inode = e.inode, .dev_major = e.dev_major,
				       .dev_minor = e.dev_minor };
		if (target_is_aio_mapping(pid, &m) == 0)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct ring_map *nr = realloc(*rings, ncap * sizeof(**rings));
			if (!nr) {
				free(*rings);
				*rings = NULL;
				*n = 0;
				return -ENOMEM;
			}
			*rings = nr;
			cap = ncap;
		}
		(*rings)[(*n)++] = m;
	}
	return 0;
}

ssize_t target_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct iovec local = { (char *)buf + done, len - done };
		struct iovec remote = { (void *)(uintptr_t)(addr + done), len - done };
		ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (done)
				break;
			return -errno;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* Faults a large fresh buffer in with one call: page by page, from inside
 * process_vm_readv, costs more than the copy itself (a full ring is 4 MiB). */
static void prefault(void *p, size_t len)
{
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, e = ((uintptr_t)p + len) & ~(uintptr_t)4095;

	if (len >= (64u << 10) && e > a)
		madvise((void *)a, e - a, MADV_POPULATE_WRITE);   /* best effort: 5.14+ */
}

#define SNAP_HUGE (2u << 20)

/* A buffer for want bytes.  From 1 MiB on it is a mapping of whole, aligned transparent
 * huge pages (*mapped set): in a virtual machine every fresh 4 KiB page the kernel fills and
 * we then read costs microseconds, ten times the copy of a full ring. */
static unsigned char *snapshot_alloc(size_t want, size_t *mapped)
{
	unsigned char *p;

	*mapped = 0;
	if (want >= SNAP_HUGE / 2) {
		/* Only whole, aligned 2 MiB pieces get a huge page.  A tail of at least 1 MiB
		 * gets one too; a smaller tail (a full ring is 4 MiB + 4 KiB) lies in ordinary
		 * pages rather than in a mostly empty huge page that must be zeroed. */
		size_t len = (want + 4095) & ~(size_t)4095, rem = len % SNAP_HUGE, span;

		if (rem >= SNAP_HUGE / 2)
			len += SNAP_HUGE - rem;
		span = len + SNAP_HUGE;
		p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			uintptr_t a = ((uintptr_t)p + SNAP_HUGE - 1) & ~(uintptr_t)(SNAP_HUGE - 1);
			/* Keep only [a, a + len): the rest was room to align. */
			if (a > (uintptr_t)p)
				munmap(p, a - (uintptr_t)p);
			if ((uintptr_t)p + span > a + len)
				munmap((void *)(a + len), (uintptr_t)p + span - (a + len));
			madvise((void *)a, len, MADV_HUGEPAGE);      /* best effort */
			*mapped = len;
			return (unsigned char *)a;
		}
	}
	p = malloc(want);
	if (p)
		prefault(p, want);
	return p;
}

void ring_snapshot_read(pid_t pid, const struct ring_map *m, bool header_only,
			struct ring_snapshot *s)
{
	size_t want = header_only ? AIO_RING_HEADER_SIZE : (size_t)(m->end - m->start);
	ssize_t r;

	memset(s, 0, sizeof(*s));
	s->map = *m;
	s->bytes = snapshot_alloc(want, &s->mapped);
	if (!s->bytes) {
		s->err = ENOMEM;
		s->problems = RING_TRUNCATED;
		return;
	}
	r = target_read(pid, m->start, s->bytes, want);
	if (r < 0) {
		s->err = (int)-r;
		s->problems = RING_TRUNCATED;
		return;
	}
	s->len = (size_t)r;
	if (!ring_decode_header(s->bytes, s->len, &s->hdr)) {
		s->problems = RING_TRUNCATED;
		return;
	}
	s->problems = ring_check(&s->hdr, m->end - m->start, m->offset);
	if (!header_only && s->len < want)
		s->problems |= RING_TRUNCATED;
}

void ring_snapshot_free(struct ring_snapshot *s)
{
	if (s->mapped)
		munmap(s->bytes, s->mapped);
	else
		free(s->bytes);
	s->bytes = NULL;
}

unsigned possible_cpus(void)
{
	static unsigned cached;
	struct buf b = { 0 };
	unsigned count = 0;

	if (cached)
		return cached;
	/* Format: "0-3,5,7-8" */
	if (buf_read_file(&b, "/sys/devices/system/cpu/possible") == 0) {
		char *p = b.data;
		while (*p && *p != '\n') {
			char *end;
			unsigned long a = strtoul(p, &end, 10), z = a;
			if (end == p)
				break;
			if (*end == '-')
				z = strtoul(end + 1, &end, 10);
			if (z >= a)
				count += (unsigned)(z - a + 1);
			p = end;
			if (*p == ',')
				p++;
		}
	}
	buf_free(&b);
	if (!count) {
		long n = sysconf(_SC_NPROCESSORS_CONF);
		count = n > 0 ? (unsigned)n : 1;
	}
	cached = count;
	return count;
}

static bool read_u64_file(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	unsigned long long x;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", &x) == 1;
	fclose(f);
	if (ok)
		*v = x;
	return ok;
}

bool read_aio_budget(uint64_t *aio_nr, uint64_t *aio_max_nr)
{
	return read_u64_file("/proc/sys/fs/aio-nr", aio_nr) &&
	       read_u64_file("/proc/sys/fs/aio-max-nr", aio_max_nr);
}

int target_exists(pid_t pid)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) == 0)
		return 0;
	return errno == ENOENT ? -ESRCH : -errno;
}
