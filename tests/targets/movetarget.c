/* A multi-threaded process whose ring aioctl moves, and which checks that it did not
 * notice anything else.  It uses raw io_* system calls on a context id it re-reads each
 * time (libaio would read the ring through the old pointer and crash after a move), and
 * learns the new address from a "ctx ADDR" command until aioctl rewrites references.
 *
 *   movetarget [-n NR_EVENTS] [-p PENDING] [-r RINGS] [-t SLEEPERS] [-g SPINNERS] [-G]
 *              [-b] [-R] [-c] [-k] [-P] [-S] [-B]
 *     -p  completions left pending in the first ring
 *     -r  rings (default 1); the first is the one commands act on
 *     -t  threads looping in nanosleep(20 ms), counting EINTR and early wake-ups
 *     -g  threads spinning in user space with known values in rbx, rsi, rdi, r8-r15 and
 *         xmm0-xmm15, verifying them after each round
 *     -G  a thread blocked in read() on a pipe from inline asm with known values in the
 *         callee-saved and vector registers, verifying them when the read returns (poke)
 *     -b  a thread blocked in io_getevents(ctx, 1, 1, ...) that reports every return
 *     -R  a thread blocked in read() on a pipe, reporting every return (poke)
 *     -c  a thread creating and joining short-lived threads without pause
 *     -k  fork; the child inherits the ring mapping, prints "child PID" and waits
 *     -P  get traced: a helper process PTRACE_SEIZEs this one ("tracer PID")
 *     -S  install an allow-everything seccomp filter
 *     -B  corrupt the first ring's magic (a ring that must never be moved)
 *
 * stdin commands (one line each, one reply line each):
 *   ctx ADDR   use ADDR as the first ring's context id        -> "ok ctx ADDR"
 *   submit N   submit N reads on it                           -> "submitted R"
 *   reap N     io_getevents(ctx, N, N, ev, 5 s)               -> "reaped R data=D,D,.. res=X,X,.."
 *   probe      io_getevents(ctx, 0, 0, NULL, NULL)            -> "probe R ERRNO"
 *   poke       one byte to the -R and -G threads' pipes      -> "poked"
 *   status     counters                                       -> "status regerr=.. rounds=.. sleeperr=.. readerr=.. geterr=.. created=.. gread=.."
 * Reports: "ring ADDR nr=.. head=.. tail=.. pending=.." per ring, then "ready PID". */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <stdarg.h>

static _Atomic unsigned long ctx;           /* the first ring's context id */
static int data_fd;
static _Atomic unsigned long regerr, rounds, sleeperr, readerr, geterr, created, gread_bad;
static _Atomic long gread_count;
static int read_pipe[2], gread_pipe[2];
static _Atomic unsigned seq;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static long submit(unsigned long c, unsigned n)
{
	static char buf[512];
	long done = 0;

	for (unsigned i = 0; i < n; i++) {
		struct iocb *cb = calloc(1, sizeof(*cb));
		struct iocb *list[1] = { cb };
		unsigned s = seq++;
		/* libaio's struct iocb is the kernel's layout; only the calls are raw. */
		io_prep_pread(cb, data_fd, buf, sizeof(buf), 512ll * (s % 8));
		cb->data = (void *)(uintptr_t)(0x1000 + s);
		long r = syscall(SYS_io_submit, c, 1, list);
		if (r != 1)
			return done ? done : -errno;
		done++;
	}
	return done;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec a, b, d = { 0, 20 * 1000000L };
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (nanosleep(&d, NULL) != 0)
			sleeperr++;
		clock_gettime(CLOCK_MONOTONIC, &b);
		/* A nanosleep restarted with its remaining time still lasts the full 20 ms. */
		if ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 20 * 1000000L)
			sleeperr++;
	}
	return NULL;
}

#define P1 "0x1111111111111111"
#define P2 "0x2222222222222222"
#define P3 "0x3333333333333333"
#define P4 "0x4444444444444444"
#define P5 "0x5555555555555555"
#define P6 "0x6666666666666666"
#define P7 "0x7777777777777777"
#define P8 "0x0888888888888888"
#define P9 "0x0999999999999999"
#define PA "0x0aaaaaaaaaaaaaaa"
#define PB "0x0bbbbbbbbbbbbbbb"

/* Loads known values, then either spins (user-mode stop) or reads one byte from a pipe
 * (syscall stop), then compares every register with what it loaded. */
#define LOAD_REGS \
	"movabs $" P1 ", %%rbx\n" "movabs $" P2 ", %%r12\n" "movabs $" P3 ", %%r13\n" \
	"movabs $" P4 ", %%r14\n" "movabs $" P5 ", %%r15\n" "movabs $" P6 ", %%r8\n" \
	"movabs $" P7 ", %%r9\n" "movabs $" P8 ", %%r10\n" \
	"movq %%rbx, %%xmm0\n" "movq %%r12, %%xmm1\n" "movq %%r13, %%xmm2\n" "movq %%r14, %%xmm3\n" \
	"movq %%r15, %%xmm4\n" "movq %%r8, %%xmm5\n" "movq %%r9, %%xmm6\n" "movq %%r10, %%xmm7\n" \
	"movq %%rbx, %%xmm8\n" "movq %%r12, %%xmm9\n" "movq %%r13, %%xmm10\n" "movq %%r14, %%xmm11\n" \
	"movq %%r15, %%xmm12\n" "movq %%r8, %%xmm13\n" "movq %%r9, %%xmm14\n" "movq %%r10, %%xmm15\n"

#define CHECK(reg, pat) "movabs $" pat ", %%rax\n" "cmp %%rax, " reg "\n" "jne 9f\n"
#define CHECKX(x, pat) "movq " x ", %%rdx\n" "movabs $" pat ", %%rax\n" "cmp %%rax, %%rdx\n" "jne 9f\n"
#define CHECK_REGS \
	CHECK("%%rbx", P1) CHECK("%%r12", P2) CHECK("%%r13", P3) CHECK("%%r14", P4) \
	CHECK("%%r15", P5) CHECK("%%r8", P6) CHECK("%%r9", P7) CHECK("%%r10", P8) \
	CHECKX("%%xmm0", P1) CHECKX("%%xmm1", P2) CHECKX("%%xmm2", P3) CHECKX("%%xmm3", P4) \
	CHECKX("%%xmm4", P5) CHECKX("%%xmm5", P6) CHECKX("%%xmm6", P7) CHECKX("%%xmm7", P8) \
	CHECKX("%%xmm8", P1) CHECKX("%%xmm9", P2) CHECKX("%%xmm10", P3) CHECKX("%%xmm11", P4) \
	CHECKX("%%xmm12", P5) CHECKX("%%xmm13", P6) CHECKX("%%xmm14", P7) CHECKX("%%xmm15", P8)

#define CLOBBERS "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", \
	"r13", "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory"

static void *spinner(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long bad;
		__asm__ volatile(
			LOAD_REGS
			"movabs $" P9 ", %%rsi\n" "movabs $" PA ", %%rdi\n"
			"mov $20000000, %%rcx\n"
			"1: dec %%rcx\n" "jnz 1b\n"
			CHECK_REGS
			CHECK("%%rsi", P9) CHECK("%%rdi", PA)
			"movq $0, %0\n" "jmp 8f\n"
			"9: movq $1, %0\n"
			"8:\n"
			: "=m"(bad) : : CLOBBERS);
		regerr += bad;
		rounds++;
	}
	return NULL;
}

static void *gread(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long bad;
		long got;
		char c;
		__asm__ volatile(
			LOAD_REGS
			"mov $0, %%eax\n"              /* read(fd, &c, 1) */
			"mov %3, %%edi\n"
			"mov %2, %%rsi\n"
			"mov $1, %%edx\n"
			"syscall\n"
			"mov %%rax, %1\n"
			CHECK_REGS
			"movq $0, %0\n" "jmp 8f\n"
			"9: movq $1, %0\n"
			"8:\n"
			: "=m"(bad), "=m"(got) : "m"(*(char **)&(char *){ &c }), "m"(gread_pipe[0]) : CLOBBERS);
		if (got != 1 || bad)
			gread_bad++;
		gread_count++;
		if (got <= 0 && got != -EINTR)
			return NULL;
	}
}

static void *blocked_getevents(void *arg)
{
	(void)arg;
	for (;;) {
		struct io_event ev;
		long r = syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL);
		if (r < 0) {
			int e = errno;
			geterr++;
			say("getevents r=-1 err=%s\n", e == EINTR ? "EINTR" : e == EINVAL ? "EINVAL" : strerror(e));
			if (e != EINTR)
				return NULL;
			continue;
		}
		say("getevents r=%ld data=0x%llx res=%lld\n", r, (unsigned long long)(uintptr_t)ev.data,
		    (long long)ev.res);
	}
}

static void *reader(void *arg)
{
	(void)arg;
	for (;;) {
		char c;
		ssize_t r = read(read_pipe[0], &c, 1);
		if (r != 1) {
			readerr++;
			say("read r=%zd err=%s\n", r, strerror(errno));
			if (r == 0)
				return NULL;
		}
	}
}

static void *noop(void *arg)
{
	return arg;
}

static void *churn(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;
		if (pthread_create(&t, NULL, noop, NULL) == 0) {
			pthread_join(t, NULL);
			created++;
		}
	}
	return NULL;
}

static void start(void *(*fn)(void *))
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL) != 0)
		die("pthread_create");
}

static void get_traced(void)
{
	pid_t me = getpid();
	int ready[2];
	char c;
	pid_t child;

	if (pipe(ready) != 0)
		die("pipe");
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		if (ptrace(PTRACE_SEIZE, me, NULL, NULL) != 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			int st;
			/* Seized without interrupting: the tracee runs; we only let events pass. */
			pid_t w = waitpid(-1, &st, __WALL);
			if (w < 0) {
				if (errno == ECHILD)
					pause();
				continue;
			}
			if (WIFSTOPPED(st))
				ptrace(PTRACE_CONT, w, NULL, (void *)(long)((st >> 16) ? 0 : WSTOPSIG(st)));
			if (w == me && (WIFEXITED(st) || WIFSIGNALED(st)))
				_exit(0);
		}
	}
	if (read(ready[0], &c, 1) != 1)
		die("tracer");
	say("tracer %d\n", (int)child);
}

static void install_seccomp(void)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		die("seccomp");
}

static void report_ring(unsigned long c)
{
	struct aio_ring_view *r = (struct aio_ring_view *)(uintptr_t)c;
	unsigned pending = (r->tail + r->nr - r->head) % r->nr;
	say("ring 0x%lx nr=%u head=%u tail=%u pending=%u\n", c, r->nr, r->head, r->tail, pending);
}

static void command(char *line)
{
	unsigned long a;
	unsigned n;

	if (sscanf(line, "ctx %lx", &a) == 1) {
		ctx = a;
		say("ok ctx 0x%lx\n", a);
	} else if (sscanf(line, "submit %u", &n) == 1) {
		say("submitted %ld\n", submit(ctx, n));
	} else if (sscanf(line, "reap %u", &n) == 1) {
		struct io_event ev[64];
		struct timespec ts = { 5, 0 };
		char data[1024] = "", res[1024] = "";
		if (n > 64)
			n = 64;
		long r = syscall(SYS_io_getevents, ctx, n, n, ev, &ts);
		if (r < 0) {
			say("reaped -1 err=%s\n", strerror(errno));
			return;
		}
		for (long i = 0; i < r; i++) {
			size_t dl = strlen(data), rl = strlen(res);
			snprintf(data + dl, sizeof(data) - dl, "%s0x%llx", i ? "," : "",
				 (unsigned long long)(uintptr_t)ev[i].data);
			snprintf(res + rl, sizeof(res) - rl, "%s%lld", i ? "," : "", (long long)ev[i].res);
		}
		say("reaped %ld data=%s res=%s\n", r, data, res);
	} else if (!strncmp(line, "probe", 5)) {
		long r = syscall(SYS_io_getevents, ctx, 0, 0, NULL, NULL);
		say("probe %ld %s\n", r, r < 0 ? strerror(errno) : "ok");
	} else if (!strncmp(line, "poke", 4)) {
		(void)!write(read_pipe[1], "p", 1);
		(void)!write(gread_pipe[1], "p", 1);
		say("poked\n");
	} else if (!strncmp(line, "status", 6)) {
		say("status regerr=%lu rounds=%lu sleeperr=%lu readerr=%lu geterr=%lu created=%lu "
		    "gread=%ld greadbad=%lu\n", regerr, rounds, sleeperr, readerr, geterr, created,
		    gread_count, gread_bad);
	} else {
		say("unknown %s", line);
	}
}

int main(int argc, char **argv)
{
	unsigned nr_events = 1, pending = 0, rings = 1, sleepers = 0, spinners = 0;
	int do_gread = 0, do_block = 0, do_read = 0, do_churn = 0, do_fork = 0, do_trace = 0;
	int do_seccomp = 0, corrupt = 0, opt;
	char line[256];

	while ((opt = getopt(argc, argv, "n:p:r:t:g:GbRckPSB")) != -1) {
		switch (opt) {
		case 'n': nr_events = (unsigned)atoi(optarg); break;
		case 'p': pending = (unsigned)atoi(optarg); break;
		case 'r': rings = (unsigned)atoi(optarg); break;
		case 't': sleepers = (unsigned)atoi(optarg); break;
		case 'g': spinners = (unsigned)atoi(optarg); break;
		case 'G': do_gread = 1; break;
		case 'b': do_block = 1; break;
		case 'R': do_read = 1; break;
		case 'c': do_churn = 1; break;
		case 'k': do_fork = 1; break;
		case 'P': do_trace = 1; break;
		case 'S': do_seccomp = 1; break;
		case 'B': corrupt = 1; break;
		default: fprintf(stderr, "bad option\n"); return 2;
		}
	}
	data_fd = open("/proc/self/exe", O_RDONLY);
	if (data_fd < 0 || pipe(read_pipe) != 0 || pipe(gread_pipe) != 0)
		die("setup");
	for (unsigned i = 0; i < rings; i++) {
		unsigned long c = 0;
		if (syscall(SYS_io_setup, nr_events, &c) != 0)
			die("io_setup");
		if (i == 0)
			ctx = c;
		else
			report_ring(c);
	}
	if (pending) {
		if (submit(ctx, pending) != (long)pending)
			die("submit");
		for (int spin = 0; spin < 1000; spin++) {
			struct aio_ring_view *r = (struct aio_ring_view *)(uintptr_t)ctx;
			if ((r->tail + r->nr - r->head) % r->nr == pending)
				break;
			usleep(1000);
		}
	}
	report_ring(ctx);
	if (corrupt)
		((struct aio_ring_view *)(uintptr_t)ctx)->magic = 0x12345678;
	if (do_seccomp)
		install_seccomp();
	if (do_fork) {
		pid_t child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			say("child %d\n", (int)getpid());
			wait_forever();
		}
		usleep(100000);
	}
	for (unsigned i = 0; i < sleepers; i++)
		start(sleeper);
	for (unsigned i = 0; i < spinners; i++)
		start(spinner);
	if (do_gread)
		start(gread);
	if (do_block)
		start(blocked_getevents);
	if (do_read)
		start(reader);
	if (do_churn)
		start(churn);
	if (do_trace)
		get_traced();
	/* Let every thread reach its blocking call or loop before saying ready. */
	usleep(100000);
	say("ready %d\n", (int)getpid());
	while (fgets(line, sizeof(line), stdin))
		command(line);
	return 0;
}
