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
#include <sys/prctl.h>

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

/* PR_SET_NAME with "\xNN" escapes decoded (the kernel keeps 15 bytes). */
static inline void set_name(const char *escaped)
{
	char out[16];
	size_t o = 0;

	for (const char *p = escaped; *p && o < sizeof(out) - 1; p++) {
		unsigned v;
		if (p[0] == '\\' && p[1] == 'x' && sscanf(p + 2, "%2x", &v) == 1) {
			out[o++] = (char)v;
			p += 3;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	if (prctl(PR_SET_NAME, out) != 0)
		die("prctl");
}

#endif
