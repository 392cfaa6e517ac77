/* A move-benchmark target: holds one ring (its context kept in a global, like an
 * application would), optionally T idle threads and M MiB of written heap, and one
 * thread that spins on CLOCK_MONOTONIC recording the largest gap it sees — the time the
 * process stood still, seen from inside.
 *   spingap [-t IDLE_THREADS] [-m HEAP_MIB]
 * stdin commands: "gap\n" prints "gap_us=N" (largest gap since the last query) and resets;
 * "check\n" runs io_getevents(ctx, 0, 0) through the global and prints "check=RET";
 * "selfmove\n" prints "selfmove_us=N" (see self_move_us). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/aio_abi.h>

static aio_context_t ctx;
static _Atomic uint64_t max_gap_ns;
static _Atomic int reset;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *spin(void *arg)
{
	uint64_t prev = now_ns();
	(void)arg;
	for (;;) {
		uint64_t t = now_ns();
		if (atomic_exchange(&reset, 0)) {
			atomic_store(&max_gap_ns, 0);
		} else if (t - prev > atomic_load(&max_gap_ns)) {
			atomic_store(&max_gap_ns, t - prev);
		}
		prev = t;
	}
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* The system calls a move makes, made by this process itself on its own ring, without
 * ptrace: reserve the destination, mremap onto it, io_getevents at the new address and at
 * the old one.  The median of 21 such moves (each undone by a second, not timed), in µs:
 * what the kernel alone costs on this machine, the floor under aioctl's frozen time. */
static uint64_t self_move_us(void)
{
	enum { TRIALS = 21 };
	uint64_t took[TRIALS];
	unsigned long home = (unsigned long)ctx, away = 0x520000000000ul, len = 4096;

	for (int i = 0; i < TRIALS; i++) {
		uint64_t t0 = now_ns();
		void *r = mmap((void *)away, len, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		void *m = mremap((void *)home, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)away);
		long live = syscall(SYS_io_getevents, away, 0, 0, NULL, NULL);
		long gone = syscall(SYS_io_getevents, home, 0, 0, NULL, NULL);

		took[i] = (now_ns() - t0) / 1000;
		if (r != (void *)away || m != (void *)away || live != 0 || gone == 0) {
			fprintf(stderr, "selfmove failed\n");
			return 0;
		}
		/* back home (the spinner never uses ctx, the stdin loop is this thread) */
		mmap((void *)home, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		mremap((void *)away, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)home);
	}
	for (int i = 1; i < TRIALS; i++)        /* insertion sort: 21 values */
		for (int j = i; j > 0 && took[j] < took[j - 1]; j--) {
			uint64_t x = took[j];
			took[j] = took[j - 1];
			took[j - 1] = x;
		}
	return took[TRIALS / 2];
}

int main(int argc, char **argv)
{
	unsigned threads = 0, heap_mib = 0;
	int opt;
	pthread_t t;
	char line[64];

	while ((opt = getopt(argc, argv, "t:m:")) != -1) {
		if (opt == 't')
			threads = (unsigned)atoi(optarg);
		else if (opt == 'm')
			heap_mib = (unsigned)atoi(optarg);
		else
			return 2;
	}
	if (syscall(SYS_io_setup, 1, &ctx) != 0) {
		perror("io_setup");
		return 1;
	}
	if (heap_mib) {
		size_t len = (size_t)heap_mib << 20;
		unsigned char *heap = malloc(len);
		if (!heap)
			return 1;
		/* Written memory with pseudo-random words, none equal to the ring address. */
		uint64_t x = 0x9e3779b97f4a7c15ull;
		for (size_t i = 0; i + 8 <= len; i += 8) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			memcpy(heap + i, &x, 8);
		}
	}
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&t, NULL, idle, NULL);
	pthread_create(&t, NULL, spin, NULL);
	printf("ring 0x%llx\nready %d\n", (unsigned long long)ctx, (int)getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (strncmp(line, "gap", 3) == 0) {
			printf("gap_us=%llu\n", (unsigned long long)(atomic_load(&max_gap_ns) / 1000));
			atomic_store(&reset, 1);
		} else if (strncmp(line, "selfmove", 8) == 0) {
			printf("selfmove_us=%llu\n", (unsigned long long)self_move_us());
		} else if (strncmp(line, "check", 5) == 0) {
			long r = syscall(SYS_io_getevents, ctx, 0, 0, NULL, NULL);
			printf("check=%ld\n", r < 0 ? -errno : r);
		}
		fflush(stdout);
	}
	return 0;
}
