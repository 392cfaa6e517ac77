/* A process that holds AIO rings in a chosen state, reports them, and waits.
 *
 *   ringholder [-r RINGS] [-n NR_EVENTS] [-p PENDING] [-w] [-f] [-k] [-x] [-q]
 *     -r  rings to create (default 1)
 *     -n  nr_events passed to io_setup (default 1)
 *     -p  completions left pending in each ring (default 0)
 *     -w  wrap: cycle submissions and reaps so that head/tail wrap past nr first
 *     -f  fill each ring: leave nr - 1 completions pending
 *     -k  fork after setting up; the child (which inherits the mapping) reports and waits
 *     -x  exit right after reporting (for "target exits while being listed")
 *     -e  exit after SECONDS given by -t... (see -t)
 *     -t  SECONDS: exit after this long (default: wait for SIGTERM)
 *     -c  NAME: set the command name (prctl PR_SET_NAME); "\xNN" gives any byte, so that
 *         control characters, quotes and invalid UTF-8 can be tested
 *     -T  start a second thread, which reports "thread TID" (its /proc/TID/maps shows
 *         the process's rings)
 *
 * Output, one line per ring, then a last line "ready PID":
 *   ring ADDR nr=N head=H tail=T pending=P id=I req=R file=PATH
 */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const char *data_file = "/proc/self/exe";
static int keep_going_on_eagain = 1;

static void submit_reads(io_context_t ctx, int fd, unsigned count, struct iocb **keep)
{
	char *buf = malloc(512);
	unsigned done = 0;

	if (!buf)
		die("malloc");
	while (done < count) {
		struct iocb *cb = calloc(1, sizeof(*cb));
		struct iocb *list[1] = { cb };
		if (!cb)
			die("calloc");
		io_prep_pread(cb, fd, buf, 512, 4096ull * done);
		cb->data = (void *)(uintptr_t)(0x1000 + done);
		int r = io_submit(ctx, 1, list);
		if (r == -EAGAIN && !keep_going_on_eagain)
			break;           /* ring full: the kernel holds back some slots per CPU */
		if (r != 1)
			die("io_submit");
		if (keep)
			keep[done] = cb;
		done++;
	}
}

static void reap(io_context_t ctx, unsigned count)
{
	struct io_event ev[64];

	while (count) {
		unsigned want = count > 64 ? 64 : count;
		int r = io_getevents(ctx, want, want, ev, NULL);
		if (r <= 0)
			die("io_getevents");
		count -= (unsigned)r;
	}
}

static void report(io_context_t *ctxs, unsigned rings, unsigned req)
{
	for (unsigned i = 0; i < rings; i++) {
		struct aio_ring_view *r = ring_of(ctxs[i]);
		unsigned pending = (r->tail + r->nr - r->head) % r->nr;
		printf("ring 0x%lx nr=%u head=%u tail=%u pending=%u id=%u req=%u file=%s\n",
		       (unsigned long)ctxs[i], r->nr, r->head, r->tail, pending, r->id, req, data_file);
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
}

static pthread_mutex_t thread_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thread_told = PTHREAD_COND_INITIALIZER;
static int thread_reported;

static void *second_thread(void *arg)
{
	(void)arg;
	printf("thread %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	pthread_mutex_lock(&thread_lock);
	thread_reported = 1;
	pthread_cond_signal(&thread_told);
	pthread_mutex_unlock(&thread_lock);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned rings = 1, nr_events = 1, pending = 0, seconds = 0;
	int wrap = 0, fill = 0, do_fork = 0, exit_now = 0, thread = 0, opt, fd;
	io_context_t *ctxs;

	while ((opt = getopt(argc, argv, "r:n:p:wfkxt:c:T")) != -1) {
		switch (opt) {
		case 'r': rings = (unsigned)atoi(optarg); break;
		case 'n': nr_events = (unsigned)atoi(optarg); break;
		case 'p': pending = (unsigned)atoi(optarg); break;
		case 'w': wrap = 1; break;
		case 'f': fill = 1; break;
		case 'k': do_fork = 1; break;
		case 'x': exit_now = 1; break;
		case 't': seconds = (unsigned)atoi(optarg); break;
		case 'c': set_name(optarg); break;
		case 'T': thread = 1; break;
		default: fprintf(stderr, "bad option\n"); return 2;
		}
	}
	if (fill) {
		/* Submitting from one CPU lets the kernel hand out every slot but one. */
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
		sched_setaffinity(0, sizeof(one), &one);
		keep_going_on_eagain = 0;
	}
	fd = open(data_file, O_RDONLY);
	if (fd < 0)
		die("open");
	ctxs = calloc(rings ? rings : 1, sizeof(*ctxs));
	for (unsigned i = 0; i < rings; i++) {
		unsigned want;
		if (io_setup((int)nr_events, &ctxs[i]) != 0)
			die("io_setup");
		want = fill ? ring_of(ctxs[i])->nr - 1 : pending;
		if (wrap) {
			/* Move head and tail most of the way round, then past the end. */
			unsigned nr = ring_of(ctxs[i])->nr, step = nr / 2;
			for (unsigned moved = 0; moved < nr - want / 2 + 3;) {
				unsigned n = step;
				submit_reads(ctxs[i], fd, n, NULL);
				reap(ctxs[i], n);
				moved += n;
				if (ring_of(ctxs[i])->tail < step)
					break;
			}
		}
		if (want) {
			struct iocb **keep = calloc(want, sizeof(*keep));
			submit_reads(ctxs[i], fd, want, keep);
			/* The events land synchronously for buffered reads; wait for all. */
			for (int spin = 0; spin < 1000; spin++) {
				struct aio_ring_view *r = ring_of(ctxs[i]);
				if ((r->tail + r->nr - r->head) % r->nr == want)
					break;
				usleep(1000);
			}
		}
	}
	if (do_fork) {
		pid_t child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			printf("child %d\n", (int)getpid());
			fflush(stdout);
			wait_forever();
		}
		/* parent: wait until the child reported, then report ourselves */
		usleep(100000);
	}
	if (thread) {
		pthread_t th;
		if (pthread_create(&th, NULL, second_thread, NULL) != 0)
			die("pthread_create");
		pthread_mutex_lock(&thread_lock);
		while (!thread_reported)
			pthread_cond_wait(&thread_told, &thread_lock);
		pthread_mutex_unlock(&thread_lock);
	}
	report(ctxs, rings, nr_events);
	if (exit_now)
		return 0;
	if (seconds) {
		sleep(seconds);
		return 0;
	}
	wait_forever();
}
