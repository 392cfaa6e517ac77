/* Helpers shared by the test target programs: they report what they hold on stdout so
 * tests can compare aioctl's view with the truth. */
#ifndef TARGET_H
#define TARGET_H

#include <libaio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct aio_ring_view {
	unsigned id, nr, head, tail, magic, compat, incompat, header_length;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static inline struct aio_ring_view *ring_of(io_context_t ctx)
{
	return (struct aio_ring_view *)(void *)ctx;
}

static inline void die(const char *what)
{
	perror(what);
	exit(99);
}

/* Blocks until stdin closes or SIGTERM; the test harness owns our lifetime. */
static inline void wait_forever(void)
{
	for (;;)
		pause();
}

#endif
