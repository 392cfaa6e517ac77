/* Test-only fault injection (issue 6, tests/integration/faults.bats).
 *
 * Compiled in only with -DAIOCTL_TEST_HOOKS: the build/aioctl-test binary that the tests
 * run.  The aioctl that `make install` installs reads no such environment and has none of
 * this code.  In the test build, AIOCTL_TEST_FAULT="STEP:ACTION" acts just before the move
 * step STEP runs (STEP "thaw": after the last step, before the target is resumed):
 *   fail          the step fails without running (the transaction unwinds)
 *   kill-target   the target is SIGKILLed, and aioctl waits 50 ms (it is then a zombie)
 *   kill-target-dying
 *                 the target is SIGKILLed and the step runs at once, on a process still
 *                 dying (no zombie in /proc yet)
 *   sigint, sigterm, sighup, sigpipe
 *                 aioctl sends itself that signal (blocked while the target is frozen)
 *   sigkill-self  aioctl dies at once of SIGKILL
 *   take-dest     the destination is mapped in the target, as if the application had
 *                 mapped it between aioctl's check and its reservation
 *   delay=MS      aioctl pauses MS milliseconds (so that a test can act meanwhile)
 * and AIOCTL_TEST_REFS_FAIL_AFTER=N makes the reference rewrite fail after N words.
 */
#ifndef AIOCTL_TESTHOOK_H
#define AIOCTL_TESTHOOK_H

#include <stdbool.h>

struct move_ctx;

#ifdef AIOCTL_TEST_HOOKS
/* Runs the fault selected for step (if any); true when the step must fail unrun. */
bool test_fault_before_step(struct move_ctx *ctx, const char *step);
/* How many reference rewrites succeed before one fails; -1: no failure. */
long test_refs_fail_after(void);
#else
static inline bool test_fault_before_step(struct move_ctx *ctx, const char *step)
{
	(void)ctx;
	(void)step;
	return false;
}
static inline long test_refs_fail_after(void)
{
	return -1;
}
#endif

#endif
