/* An application that keeps its AIO context id everywhere an application can, and does
 * checked I/O through every copy, so that a move that misses one shows up as a failure:
 *   - a global (.bss), a heap object, a local on main's stack, a TLS variable per worker;
 *   - r12 of a "holder" thread, across blocking nanosleep calls made with inline asm
 *     (callee-saved: only a tracer that rewrites registers can make it follow a move);
 *   - rdi of workers blocked in io_getevents.
 * Workers (-t N) submit writes then reads of their own blocks, through libaio (even
 * workers) or raw syscalls (odd workers), reap any worker's completions, with
 * io_getevents both blocking and with a zero timeout (libaio then reads the ring through
 * the pointer: the path that crashes after a bare move), and check every completion:
 * result, and the data read back.
 *
 *   ctxkeeper [-t THREADS] [-d DIR] [-k BLOCKS_PER_THREAD] [-u]
 *     -u  also keep copies a move cannot rewrite: in a shared mapping and in a read-only
 *         private page ("ref shared ADDR", "ref readonly ADDR"; never used for I/O)
 * Output: "ring ADDR", "ref global|heap|stack ADDR", "ref tls ADDR tid TID",
 * "ref reg r12 tid TID", "ready PID".  On SIGTERM/SIGINT every worker drains its I/O,
 * and the last line is
 *   summary ios=N failed=F lost=L stale=S eintr=E
 * (stale: a copy of the context that no longer works); exit 0 only if F, L and S are 0. */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#define BLOCK 4096
#define PATTERN 0xc0ffee0000000000ull

static io_context_t g_ctx;                 /* the global copy */
static __thread io_context_t tls_ctx;      /* each worker's copy */
static struct shared {
	io_context_t ctx;                  /* the heap copy */
	int fd;
} *heap;

static volatile sig_atomic_t stop;
static atomic_ulong ios, failed, lost, stale, eintr;
static atomic_int started;
static unsigned kblocks = 8;

struct req {
	struct iocb cb;
	unsigned owner;
	int reading;
	uint64_t seq;
	unsigned char *buf;
};

struct worker {
	pthread_t thread;
	unsigned index;
	atomic_uint pending;
	struct req *reqs;
};
static struct worker *workers;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t word_of(const struct req *r, size_t i)
{
	return PATTERN | ((uint64_t)r->owner << 36) | ((r->seq & 0xffffff) << 12) | i;
}

static void complete(const struct io_event *ev)
{
	struct req *r = (struct req *)(uintptr_t)ev->data;
	struct worker *w = &workers[r->owner];

	if (ev->res != BLOCK || ev->res2 != 0) {
		fprintf(stderr, "worker %u: %s seq %llu: res=%ld res2=%ld\n", r->owner,
			r->reading ? "read" : "write", (unsigned long long)r->seq, (long)ev->res, (long)ev->res2);
		atomic_fetch_add(&failed, 1);
	} else if (r->reading) {
		for (size_t i = 0; i < BLOCK / 8; i++) {
			uint64_t v;
			memcpy(&v, r->buf + 8 * i, 8);
			if (v != word_of(r, i)) {
				fprintf(stderr, "worker %u: read seq %llu: bad data at word %zu\n", r->owner,
					(unsigned long long)r->seq, i);
				atomic_fetch_add(&failed, 1);
				break;
			}
		}
	}
	atomic_fetch_add(&ios, 1);
	atomic_fetch_sub(&w->pending, 1);
}

/* Reaps through this thread's TLS copy: a zero-timeout look first (libaio reads the ring
 * itself), then a short blocking wait (the thread sits in io_getevents with ctx in rdi). */
static void reap_some(struct worker *w)
{
	struct io_event ev[64];
	struct timespec zero = { 0, 0 }, wait = { 0, 50 * 1000 * 1000 };
	long n;
	bool raw = w->index % 2;

	for (int pass = 0; pass < 2; pass++) {
		struct timespec *ts = pass ? &wait : &zero;
		if (raw) {
			n = syscall(SYS_io_getevents, tls_ctx, pass, 64, ev, ts);
			if (n < 0)
				n = -errno;
		} else {
			n = io_getevents(tls_ctx, pass, 64, ev, ts);
		}
		if (n == -EINTR) {
			atomic_fetch_add(&eintr, 1);
			return;
		}
		if (n < 0) {
			fprintf(stderr, "worker %u: io_getevents(%p): %s\n", w->index, (void *)tls_ctx, strerror((int)-n));
			atomic_fetch_add(&stale, 1);
			struct timespec pause_ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&pause_ts, NULL);
			return;
		}
		for (long i = 0; i < n; i++)
			complete(&ev[i]);
		if (n > 0)
			return;
	}
}

static bool submit_all(struct worker *w, int reading, uint64_t seq)
{
	struct iocb *list[kblocks];
	long r;

	for (unsigned i = 0; i < kblocks; i++) {
		struct req *q = &w->reqs[i];
		off_t off = ((off_t)w->index * kblocks + i) * BLOCK;
		q->reading = reading;
		q->seq = seq;
		if (reading) {
			memset(q->buf, 0, BLOCK);
			io_prep_pread(&q->cb, heap->fd, q->buf, BLOCK, off);
		} else {
			for (size_t k = 0; k < BLOCK / 8; k++) {
				uint64_t v = word_of(q, k);
				memcpy(q->buf + 8 * k, &v, 8);
			}
			io_prep_pwrite(&q->cb, heap->fd, q->buf, BLOCK, off);
		}
		q->cb.data = q;
		list[i] = &q->cb;
	}
	atomic_store(&w->pending, kblocks);
	for (unsigned done = 0; done < kblocks;) {
		if (w->index % 2) {
			r = syscall(SYS_io_submit, tls_ctx, (long)(kblocks - done), list + done);
			if (r < 0)
				r = -errno;
		} else {
			r = io_submit(tls_ctx, (long)(kblocks - done), list + done);
		}
		if (r == -EAGAIN || r == -EINTR) {
			reap_some(w);
			continue;
		}
		if (r <= 0) {
			fprintf(stderr, "worker %u: io_submit(%p): %s\n", w->index, (void *)tls_ctx, strerror((int)-r));
			atomic_fetch_add(&stale, 1);
			atomic_fetch_sub(&w->pending, kblocks - done);
			return false;
		}
		done += (unsigned)r;
	}
	return true;
}

/* Waits until this worker's own requests completed (reaping anyone's); 20 s without
 * progress means they are lost (3 s once asked to stop: a stale context never drains). */
static bool drain(struct worker *w)
{
	struct timespec t0, t;
	unsigned last = atomic_load(&w->pending);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&w->pending)) {
		reap_some(w);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (atomic_load(&w->pending) != last) {
			last = atomic_load(&w->pending);
			t0 = t;
		} else if (t.tv_sec - t0.tv_sec > (stop ? 3 : 20)) {
			fprintf(stderr, "worker %u: %u requests never completed\n", w->index, last);
			atomic_fetch_add(&lost, last);
			/* Their iocbs may still complete later: the thread ends without reusing
			 * them (nothing is freed), and main reports. */
			return false;
		}
	}
	return true;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t seq = 0;

	tls_ctx = heap->ctx;
	printf("ref tls %p tid %d\n", (void *)&tls_ctx, (int)gettid());
	atomic_fetch_add(&started, 1);
	while (!stop) {
		seq++;
		bool ok = submit_all(w, 0, seq);
		if (!drain(w))
			return NULL;
		if (ok && submit_all(w, 1, seq) && !drain(w))
			return NULL;
		/* Other workers may still wait for events this one would reap. */
	}
	/* Keep reaping for the others until everyone drained. */
	return NULL;
}

/* Holds the context in r12 only, across blocking nanosleeps made without libc (which
 * could spill it), and uses what comes out of r12 as the context afterwards. */
static void *holder(void *arg)
{
	io_context_t ctx = g_ctx;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	(void)arg;
	printf("ref reg r12 tid %d\n", (int)gettid());
	atomic_fetch_add(&started, 1);
	while (!stop) {
		unsigned long out;
		long count = 10;
		__asm__ volatile(
			"mov %[in], %%r12\n"
			"1:\n\t"
			"mov $35, %%eax\n\t"        /* nanosleep(&ts, NULL) */
			"mov %[ts], %%rdi\n\t"
			"xor %%esi, %%esi\n\t"
			"syscall\n\t"
			"decq %[count]\n\t"
			"jnz 1b\n\t"
			"mov %%r12, %[out]\n"
			: [out] "=r"(out), [count] "+r"(count)
			: [in] "r"(ctx), [ts] "r"(&ts)
			: "rax", "rcx", "r11", "rdi", "rsi", "r12", "memory", "cc");
		ctx = (io_context_t)out;
		if (syscall(SYS_io_getevents, ctx, 0, 0, NULL, NULL) != 0) {
			fprintf(stderr, "holder: io_getevents(r12 = %p): %s\n", (void *)ctx, strerror(errno));
			atomic_fetch_add(&stale, 1);
			ctx = g_ctx;
		}
	}
	return NULL;
}

static void check_copy(const char *what, io_context_t ctx)
{
	if (syscall(SYS_io_getevents, ctx, 0, 0, NULL, NULL) != 0) {
		fprintf(stderr, "main: io_getevents(%s = %p): %s\n", what, (void *)ctx, strerror(errno));
		atomic_fetch_add(&stale, 1);
	}
}

int main(int argc, char **argv)
{
	unsigned threads = 1;
	const char *dir = "/tmp";
	char path[4096];
	volatile io_context_t stack_ctx;
	pthread_t hold;
	int opt;
	bool unsafe = false;

	while ((opt = getopt(argc, argv, "t:d:k:u")) != -1) {
		if (opt == 't')
			threads = (unsigned)atoi(optarg);
		else if (opt == 'd')
			dir = optarg;
		else if (opt == 'k')
			kblocks = (unsigned)atoi(optarg);
		else if (opt == 'u')
			unsafe = true;
		else
			return 2;
	}
	if (threads < 1 || threads > 256 || kblocks < 1 || kblocks > 64)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	heap = calloc(1, sizeof(*heap));
	workers = calloc(threads, sizeof(*workers));
	if (!heap || !workers)
		die("calloc");
	snprintf(path, sizeof(path), "%s/ctxkeeper.XXXXXX", dir);
	heap->fd = mkstemp(path);
	if (heap->fd < 0)
		die("mkstemp");
	unlink(path);
	/* O_DIRECT where the filesystem has it, so completions really are asynchronous. */
	int fl = fcntl(heap->fd, F_GETFL);
	if (fcntl(heap->fd, F_SETFL, fl | O_DIRECT) != 0)
		fcntl(heap->fd, F_SETFL, fl);
	if (ftruncate(heap->fd, (off_t)threads * kblocks * BLOCK) != 0)
		die("ftruncate");

	int r = io_setup((int)(threads * kblocks * 2 + 16), &g_ctx);
	if (r != 0) {
		errno = -r;
		die("io_setup");
	}
	heap->ctx = g_ctx;
	stack_ctx = g_ctx;
	printf("ring %p\n", (void *)g_ctx);
	printf("ref global %p\n", (void *)&g_ctx);
	printf("ref heap %p\n", (void *)&heap->ctx);
	printf("ref stack %p\n", (void *)&stack_ctx);
	if (unsafe) {
		io_context_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		io_context_t *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (sh == MAP_FAILED || ro == MAP_FAILED)
			die("mmap");
		sh[3] = g_ctx;
		ro[5] = g_ctx;
		if (mprotect(ro, 4096, PROT_READ) != 0)
			die("mprotect");
		printf("ref shared %p\n", (void *)&sh[3]);
		printf("ref readonly %p\n", (void *)&ro[5]);
	}

	for (unsigned i = 0; i < threads; i++) {
		workers[i].index = i;
		workers[i].reqs = calloc(kblocks, sizeof(struct req));
		if (!workers[i].reqs)
			die("calloc");
		for (unsigned k = 0; k < kblocks; k++) {
			workers[i].reqs[k].owner = i;
			if (posix_memalign((void **)&workers[i].reqs[k].buf, BLOCK, BLOCK) != 0)
				die("posix_memalign");
		}
	}
	if (pthread_create(&hold, NULL, holder, NULL) != 0)
		die("pthread_create");
	for (unsigned i = 0; i < threads; i++)
		if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0)
			die("pthread_create");
	while (atomic_load(&started) < (int)threads + 1)
		usleep(1000);
	printf("ready %d\n", (int)getpid());

	while (!stop) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		check_copy("global", g_ctx);
		check_copy("heap", heap->ctx);
		check_copy("stack", stack_ctx);
	}
	pthread_join(hold, NULL);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(workers[i].thread, NULL);
	io_destroy(g_ctx);
	printf("summary ios=%lu failed=%lu lost=%lu stale=%lu eintr=%lu\n", atomic_load(&ios),
	       atomic_load(&failed), atomic_load(&lost), atomic_load(&stale), atomic_load(&eintr));
	return atomic_load(&failed) || atomic_load(&lost) || atomic_load(&stale) ? 1 : 0;
}
