/* Test-only fault injection: see testhook.h.  Empty unless built with AIOCTL_TEST_HOOKS. */
#ifdef AIOCTL_TEST_HOOKS
#include "testhook.h"
#include "move.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Maps one page at the destination in the target, as the application itself might. */
static void take_destination(struct move_ctx *ctx)
{
	long args[6] = { (long)ctx->dest, 4096, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0 };
	long res;

	if (remote_syscall(&ctx->f, SYS_mmap, args, &res) != 0 || (unsigned long)res != ctx->dest)
		fprintf(stderr, "aioctl: test hook: could not take the destination\n");
}

bool test_fault_before_step(struct move_ctx *ctx, const char *step)
{
	const char *spec = getenv("AIOCTL_TEST_FAULT");
	const char *colon, *action;

	if (!spec || !(colon = strchr(spec, ':')))
		return false;
	if ((size_t)(colon - spec) != strlen(step) || strncmp(spec, step, strlen(step)) != 0)
		return false;
	action = colon + 1;
	if (!strcmp(action, "fail"))
		return true;
	if (!strcmp(action, "kill-target")) {
		kill(ctx->pid, SIGKILL);
		sleep_ms(50);     /* let the kernel tear it down before the step runs */
	} else if (!strcmp(action, "kill-target-dying")) {
		/* The step then meets a process still dying: exit_aio waits out an RCU grace
		 * period, so /proc shows no zombie for tens of ms yet. */
		kill(ctx->pid, SIGKILL);
	} else if (!strcmp(action, "sigint")) {
		raise(SIGINT);
	} else if (!strcmp(action, "sigterm")) {
		raise(SIGTERM);
	} else if (!strcmp(action, "sighup")) {
		raise(SIGHUP);
	} else if (!strcmp(action, "sigpipe")) {
		raise(SIGPIPE);
	} else if (!strcmp(action, "sigkill-self")) {
		raise(SIGKILL);
	} else if (!strcmp(action, "take-dest")) {
		take_destination(ctx);
	} else if (!strncmp(action, "delay=", 6)) {
		sleep_ms(atol(action + 6));
	} else {
		fprintf(stderr, "aioctl: test hook: unknown fault '%s'\n", action);
	}
	return false;
}

long test_refs_fail_after(void)
{
	const char *s = getenv("AIOCTL_TEST_REFS_FAIL_AFTER");

	return s ? atol(s) : -1;
}
#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int testhook_unused;
#endif
