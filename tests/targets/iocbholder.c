/* A process that leaves completed, unreaped AIO requests of every kind in its ring, with
 * known aio_data, and reports what it submitted so tests can compare with `aioctl dump`.
 *
 *   iocbholder -d DIR [-n NR_EVENTS] [-c COUNT] [-w] [-r REUSE] [-u UNMAP] [-e]
 *     -d  directory for the two data files (the test's temporary directory)
 *     -n  nr_events passed to io_setup (default 32)
 *     -c  requests to leave pending (default 9: one of each kind, cycling)
 *     -w  wrap: move head and tail close to the end of the ring first, so the pending
 *         events wrap at nr
 *     -r  after completion, reuse the iocbs of the first REUSE requests: they get a new
 *         aio_data (0xbeef0000 + i) as if the application had prepared them again
 *     -u  the iocbs of the first UNMAP requests live in their own mapping, which is
 *         unmapped after completion (the application freed them)
 *     -x  after completion, make file A's descriptor point at file B (dup2): the fd an
 *         iocb names is now another file
 *     -e  exit right after reporting
 *
 * Requests cycle through: PREAD of file A, PWRITE of file B, FSYNC A, FDSYNC B,
 * PREADV A (2 iovecs), PWRITEV B (2 iovecs), POLL on a pipe with data (POLLIN),
 * PREAD into an unmapped buffer (res -EFAULT), PREAD past the end of A (res 0).
 *
 * Output: one line per request in submission order
 *   req I data=0x.. obj=0x.. op=NAME fd=N file=PATH buf=0x.. nbytes=N offset=N res=N state=keep|reused|unmapped
 * then "ring ADDR nr=.. head=.. tail=.. pending=..", then "ready PID". */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/uio.h>

#define FILE_SIZE (64 * 1024)

struct req {
	struct iocb *cb;
	const char *op;
	const char *file;
	int64_t res;
	const char *state;
};

static char path_a[PATH_MAX], path_b[PATH_MAX];

static int make_file(const char *dir, const char *name, char *path)
{
	static char block[FILE_SIZE];
	int fd;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open");
	memset(block, 'x', sizeof(block));
	if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
		die("write");
	return fd;
}

static unsigned pending_of(io_context_t ctx)
{
	struct aio_ring_view *r = ring_of(ctx);
	return (r->tail + r->nr - r->head) % r->nr;
}

/* Moves head and tail to a few slots before the end: submit and reap NOOP-like reads. */
static void wrap_ring(io_context_t ctx, int fd, unsigned leave)
{
	struct aio_ring_view *r = ring_of(ctx);
	static char buf[512];
	struct io_event ev[64];

	while (r->tail < r->nr - leave) {
		unsigned want = r->nr - leave - r->tail;
		struct iocb cbs[64], *list[64];
		if (want > 64)
			want = 64;
		for (unsigned i = 0; i < want; i++) {
			io_prep_pread(&cbs[i], fd, buf, sizeof(buf), 0);
			list[i] = &cbs[i];
		}
		if (io_submit(ctx, (long)want, list) != (int)want)
			die("io_submit (wrap)");
		if (io_getevents(ctx, want, want, ev, NULL) != (int)want)
			die("io_getevents (wrap)");
	}
}

int main(int argc, char **argv)
{
	unsigned nr_events = 32, count = 9, reuse = 0, unmap_n = 0;
	int wrap = 0, exit_now = 0, swap_fd = 0, opt, fa, fb, pfd[2];
	const char *dir = NULL;
	io_context_t ctx = 0;
	struct req *reqs;
	struct iocb *unmapped = NULL;
	size_t unmapped_len = 0;
	static char rbuf[4][512], wbuf[512];
	static struct iovec riov[2], wiov[2];

	while ((opt = getopt(argc, argv, "d:n:c:wr:u:xe")) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'n': nr_events = (unsigned)atoi(optarg); break;
		case 'c': count = (unsigned)atoi(optarg); break;
		case 'w': wrap = 1; break;
		case 'r': reuse = (unsigned)atoi(optarg); break;
		case 'u': unmap_n = (unsigned)atoi(optarg); break;
		case 'x': swap_fd = 1; break;
		case 'e': exit_now = 1; break;
		default: fprintf(stderr, "bad option\n"); return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "usage: iocbholder -d DIR [-n NR] [-c COUNT] [-w] [-r N] [-u N] [-x] [-e]\n");
		return 2;
	}
	fa = make_file(dir, "data-a", path_a);
	fb = make_file(dir, "data-b", path_b);
	if (pipe(pfd) != 0 || write(pfd[1], "!", 1) != 1)
		die("pipe");
	if ((errno = -io_setup((int)nr_events, &ctx)) != 0)
		die("io_setup");
	if (count >= ring_of(ctx)->nr - 1) {
		fprintf(stderr, "count %u does not fit a ring of nr %u\n", count, ring_of(ctx)->nr);
		return 2;
	}
	if (wrap)
		wrap_ring(ctx, fa, count / 2 + 1);

	reqs = calloc(count, sizeof(*reqs));
	if (unmap_n) {
		unmapped_len = ((unmap_n * sizeof(struct iocb)) + 4095) & ~(size_t)4095;
		unmapped = mmap(NULL, unmapped_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (unmapped == MAP_FAILED)
			die("mmap");
	}
	riov[0] = (struct iovec){ rbuf[2], 100 };
	riov[1] = (struct iovec){ rbuf[3], 200 };
	wiov[0] = (struct iovec){ wbuf, 50 };
	wiov[1] = (struct iovec){ wbuf, 70 };
	for (unsigned i = 0; i < count; i++) {
		struct req *q = &reqs[i];
		struct iocb *cb = i < unmap_n ? &unmapped[i] : calloc(1, sizeof(*cb));
		long long off = 512ll * i;

		q->cb = cb;
		switch (i % 9) {
		case 0: io_prep_pread(cb, fa, rbuf[0], 512, off); q->op = "PREAD"; q->file = path_a; break;
		case 1: io_prep_pwrite(cb, fb, wbuf, 256, off); q->op = "PWRITE"; q->file = path_b; break;
		case 2: io_prep_fsync(cb, fa); q->op = "FSYNC"; q->file = path_a; break;
		case 3: io_prep_fdsync(cb, fb); q->op = "FDSYNC"; q->file = path_b; break;
		case 4: io_prep_preadv(cb, fa, riov, 2, off); q->op = "PREADV"; q->file = path_a; break;
		case 5: io_prep_pwritev(cb, fb, wiov, 2, off); q->op = "PWRITEV"; q->file = path_b; break;
		case 6: io_prep_poll(cb, pfd[0], POLLIN); q->op = "POLL"; q->file = "pipe"; break;
		case 7: io_prep_pread(cb, fa, (void *)(uintptr_t)4096, 512, 0); q->op = "PREAD"; q->file = path_a; break;
		case 8: io_prep_pread(cb, fa, rbuf[1], 512, FILE_SIZE + off); q->op = "PREAD"; q->file = path_a; break;
		}
		cb->data = (void *)(uintptr_t)(0xd000 + i);
		int r = io_submit(ctx, 1, &cb);
		if (r != 1) {
			errno = r < 0 ? -r : EIO;
			die("io_submit");
		}
	}
	/* fsync and poll complete from a workqueue: wait until everything is in the ring. */
	for (int spin = 0; spin < 10000 && pending_of(ctx) < count; spin++)
		usleep(1000);
	if (pending_of(ctx) != count) {
		fprintf(stderr, "only %u of %u completions arrived\n", pending_of(ctx), count);
		return 3;
	}
	/* Each request's result, as the ring holds it (events may complete out of order). */
	{
		struct aio_ring_view *r = ring_of(ctx);
		struct io_event *ev = (struct io_event *)(r + 1);
		for (unsigned k = r->head; k != r->tail; k = (k + 1) % r->nr)
			for (unsigned i = 0; i < count; i++)
				if (ev[k].obj == reqs[i].cb)
					reqs[i].res = ev[k].res;
	}
	for (unsigned i = 0; i < count; i++) {
		struct req *q = &reqs[i];
		struct iocb *cb = q->cb;
		printf("req %u data=0x%lx obj=%p op=%s fd=%d file=%s buf=%p nbytes=%lu offset=%lld res=%lld state=%s\n",
		       i, (unsigned long)(uintptr_t)cb->data, (void *)cb, q->op, cb->aio_fildes, q->file,
		       cb->u.c.buf, cb->u.c.nbytes, cb->u.c.offset, (long long)q->res,
		       i < unmap_n ? "unmapped" : i < reuse ? "reused" : "keep");
	}
	for (unsigned i = 0; i < reuse && i < count; i++)
		if (i >= unmap_n)
			reqs[i].cb->data = (void *)(uintptr_t)(0xbeef0000u + i);
	if (unmapped && munmap(unmapped, unmapped_len) != 0)
		die("munmap");
	if (swap_fd && dup2(fb, fa) != fa)
		die("dup2");
	{
		struct aio_ring_view *r = ring_of(ctx);
		printf("ring 0x%lx nr=%u head=%u tail=%u pending=%u id=%u\n", (unsigned long)ctx, r->nr,
		       r->head, r->tail, pending_of(ctx), r->id);
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (exit_now)
		return 0;
	wait_forever();
}
