/* A process that abuses its own AIO rings while aioctl looks at it (issue 6).
 *   hostile garbage   : rewrites its ring header in a loop (nr 0, nr huge, head/tail past
 *                       nr, wrong magic, random words) — the kernel lets user space write
 *                       the ring, so aioctl must survive any header
 *   hostile remap     : unmaps/re-creates its ring in a loop (io_destroy + io_setup), so the
 *                       ring vanishes between reading maps and reading memory
 *   hostile many N    : holds N rings (io_setup(1) each)
 *   hostile maps N    : holds one ring and N separate small mappings (alternating
 *                       protections so that they never merge)
 *   hostile name STR  : sets its command name (prctl PR_SET_NAME) to STR, which may hold
 *                       control characters, quotes or invalid UTF-8 (given as \xNN escapes)
 * Prints "ring ADDR ..." lines for the rings it holds at start, then "ready PID". */
#include "target.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>


static void report_ready(void)
{
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
}

static void report_ring(io_context_t ctx)
{
	struct aio_ring_view *r = (struct aio_ring_view *)(uintptr_t)ctx;
	printf("ring 0x%lx nr=%u head=%u tail=%u pending=0 id=%u req=1\n", (unsigned long)ctx,
	       r->nr, r->head, r->tail, r->id);
}

static io_context_t new_ring(unsigned nr)
{
	io_context_t ctx = 0;
	if (io_setup((int)nr, &ctx) != 0)
		die("io_setup");
	return ctx;
}

static void garbage(void)
{
	io_context_t ctx = new_ring(1);
	volatile uint32_t *h = (volatile uint32_t *)(uintptr_t)ctx;
	uint32_t seed = 12345;
	const uint32_t nrs[] = { 0, 1, 127, 0xffffffffu, 0x7fffffffu, 128, 4096 };

	report_ring(ctx);
	report_ready();
	for (unsigned i = 0;; i++) {
		seed = seed * 1103515245u + 12345u;
		h[1] = nrs[i % ARRAY_LEN(nrs)];           /* nr */
		h[2] = seed;                               /* head past nr */
		h[3] = seed >> 3;                          /* tail past nr */
		h[4] = (i & 1) ? 0xa10a10a1u : seed;       /* magic, sometimes right */
		h[5] = (i & 2) ? 1 : seed;
		h[7] = (i & 4) ? 32 : seed;
		if ((i & 1023) == 0)
			usleep(100);
	}
}

static void remap(void)
{
	io_context_t ctx = new_ring(1);

	report_ring(ctx);
	report_ready();
	for (;;) {
		io_destroy(ctx);
		ctx = new_ring((unsigned)(1 + ((uintptr_t)ctx >> 12) % 300));
		/* and move it around, so maps and memory disagree as often as possible */
		void *dst = mmap(NULL, 2 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst != MAP_FAILED) {
			struct aio_ring_view *r = (struct aio_ring_view *)(uintptr_t)ctx;
			size_t len = ((size_t)r->nr + 1) * 32;
			void *moved = mremap((void *)(uintptr_t)ctx, len, len,
					     MREMAP_MAYMOVE | MREMAP_FIXED, dst);
			if (moved != MAP_FAILED)
				ctx = (io_context_t)moved;
			else
				munmap(dst, 2 << 20);
		}
	}
}

static void many(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		io_context_t ctx = new_ring(1);
		if (i < 3)
			report_ring(ctx);
	}
	report_ready();
	wait_forever();
}

static void maps(unsigned n)
{
	report_ring(new_ring(1));
	for (unsigned i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, (i & 1) ? PROT_READ : PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
	}
	report_ready();
	wait_forever();
}

static void name(const char *escaped)
{
	set_name(escaped);
	report_ring(new_ring(1));
	report_ready();
	wait_forever();
}

int main(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "garbage"))
		garbage();
	else if (!strcmp(argv[1], "remap"))
		remap();
	else if (!strcmp(argv[1], "many") && argc > 2)
		many((unsigned)atoi(argv[2]));
	else if (!strcmp(argv[1], "maps") && argc > 2)
		maps((unsigned)atoi(argv[2]));
	else if (!strcmp(argv[1], "name") && argc > 2)
		name(argv[2]);
usage:
	fprintf(stderr, "usage: hostile garbage|remap|many N|maps N|name STR\n");
	return 2;
}
