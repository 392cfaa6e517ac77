/* The pure parts of the move: destination checks, the restart rules, the step table's
 * unwinding, snapshot comparison and the maps range helpers. */
#include "unit.h"

#include "move.h"
#include "ring.h"

#include <errno.h>
#include <stdio.h>

/* --- destination checks --- */

static void dest_ok(void **state)
{
	(void)state;
	assert_null(move_check_dest(0x7f0000000000ull, 4096, 0x500000000000ull));
	/* adjacent on either side is fine */
	assert_null(move_check_dest(0x7f0000001000ull, 4096, 0x7f0000000000ull));
	assert_null(move_check_dest(0x7f0000000000ull, 4096, 0x7f0000001000ull));
	/* the last page below the canonical limit */
	assert_null(move_check_dest(0x7f0000000000ull, 4096, 0x7ffffffff000ull));
}

static void dest_refused(void **state)
{
	(void)state;
	assert_string_equal(move_check_dest(0x7f0000000000ull, 4096, 0x500000000100ull),
			    "not page-aligned");
	assert_non_null(strstr(move_check_dest(0x7f0000000000ull, 4096, 0x800000000000ull),
			       "canonical"));
	assert_non_null(strstr(move_check_dest(0x7f0000000000ull, 8192, 0x7ffffffff000ull),
			       "canonical"));
	assert_non_null(move_check_dest(0x7f0000000000ull, 4096, 0xffff800000000000ull));
	assert_non_null(move_check_dest(0x7f0000000000ull, 4096, 0xfffffffffffff000ull));
	assert_string_equal(move_check_dest(0x7f0000000000ull, 8192, 0x7f0000001000ull),
			    "overlaps the ring itself");
	assert_string_equal(move_check_dest(0x7f0000001000ull, 8192, 0x7f0000000000ull),
			    "overlaps the ring itself");
	assert_string_equal(move_check_dest(0x7f0000000000ull, 4096, 0x7f0000000000ull),
			    "overlaps the ring itself");
	assert_non_null(move_check_dest(0x7f0000000000ull, 4096, 0));
}

/* --- restart rules on synthetic registers --- */

static arch_regs at_exit(long nr, long ret)
{
	arch_regs r;
	memset(&r, 0, sizeof(r));
	r.orig_rax = (unsigned long long)nr;
	r.rax = (unsigned long long)ret;
	r.rip = 0x401002;
	r.rdi = 7;
	return r;
}

static void restart_codes(void **state)
{
	(void)state;
	static const long codes[] = { -512, -513, -514 };
	for (size_t i = 0; i < 3; i++) {
		arch_regs r = at_exit(0 /* read */, codes[i]);
		assert_true(arch_restart_fixup(&r));
		assert_int_equal(r.rip, 0x401000);
		assert_int_equal(r.rax, 0);
		assert_int_equal(r.rdi, 7);
	}
	arch_regs r = at_exit(35 /* nanosleep */, -516);
	assert_true(arch_restart_fixup(&r));
	assert_int_equal(r.rip, 0x401000);
	assert_int_equal(r.rax, ARCH_NR_RESTART_SYSCALL);
}

static void restart_leaves_others(void **state)
{
	(void)state;
	arch_regs r = at_exit(0, -EINTR), c = r;
	assert_false(arch_restart_fixup(&r));
	assert_memory_equal(&r, &c, sizeof(r));
	r = at_exit(0, 5);
	c = r;
	assert_false(arch_restart_fixup(&r));
	assert_memory_equal(&r, &c, sizeof(r));
	/* not in a syscall (orig_rax -1): a -512 in rax is just a value */
	r = at_exit(-1, -512);
	c = r;
	assert_false(arch_restart_fixup(&r));
	assert_memory_equal(&r, &c, sizeof(r));
	/* applying it twice changes nothing the second time */
	r = at_exit(0, -512);
	assert_true(arch_restart_fixup(&r));
	c = r;
	assert_false(arch_restart_fixup(&r));
	assert_memory_equal(&r, &c, sizeof(r));
}

static void reissue_and_injection(void **state)
{
	(void)state;
	arch_regs r = at_exit(ARCH_NR_IO_GETEVENTS, -EINTR);
	const long args[6] = { 1, 2, 3, 4, 5, 6 };

	arch_reissue_syscall(&r);
	assert_int_equal(r.rax, ARCH_NR_IO_GETEVENTS);
	assert_int_equal(r.rip, 0x401000);
	arch_prepare_syscall(&r, 0x7fff1000, 9, args);
	assert_int_equal(r.rip, 0x7fff1000);
	assert_int_equal(r.rax, 9);
	assert_int_equal((long)r.orig_rax, -1);
	assert_int_equal(r.rdi, 1);
	assert_int_equal(r.rsi, 2);
	assert_int_equal(r.rdx, 3);
	assert_int_equal(r.r10, 4);
	assert_int_equal(r.r8, 5);
	assert_int_equal(r.r9, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(arch_arg(&r, i), (uint64_t)args[i]);
}

/* --- step table unwinding --- */

static char trace[256];
static int fail_at = -1, undo_fail_at = -1;
static bool stop_now;

#define STEP(n) \
	static int run##n(struct move_ctx *c) { (void)c; char s[8]; snprintf(s, sizeof(s), "r%d ", n); \
		strcat(trace, s); return fail_at == n ? EXIT_REFUSED : EXIT_OK; } \
	static __attribute__((unused)) int undo##n(struct move_ctx *c) { (void)c; char s[8]; snprintf(s, sizeof(s), "u%d ", n); \
		strcat(trace, s); return undo_fail_at == n ? -1 : 0; }
STEP(0) STEP(1) STEP(2) STEP(3)

static const struct move_step steps[] = {
	{ "zero", run0, NULL, true },
	{ "one", run1, undo1, true },
	{ "two", run2, undo2, false },
	{ "three", run3, undo3, false },
};

static int reset(void **state)
{
	(void)state;
	trace[0] = '\0';
	fail_at = undo_fail_at = -1;
	stop_now = false;
	return 0;
}

static void steps_all_done(void **state)
{
	struct move_ctx c = { 0 };
	(void)state;
	assert_int_equal(move_run_steps(steps, 4, &c, false, NULL), EXIT_OK);
	assert_string_equal(trace, "r0 r1 r2 r3 ");
	assert_int_equal(c.nreport, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c.report[i].result, STEP_DONE);
}

static void steps_unwind_in_reverse(void **state)
{
	struct move_ctx c = { 0 };
	(void)state;
	fail_at = 3;
	assert_int_equal(move_run_steps(steps, 4, &c, false, NULL), EXIT_REFUSED);
	assert_string_equal(trace, "r0 r1 r2 r3 u2 u1 ");
	assert_int_equal(c.report[0].result, STEP_DONE);    /* no undo: read-only */
	assert_int_equal(c.report[1].result, STEP_UNDONE);
	assert_int_equal(c.report[2].result, STEP_UNDONE);
	assert_int_equal(c.report[3].result, STEP_FAILED);
}

static void steps_first_fails(void **state)
{
	struct move_ctx c = { 0 };
	(void)state;
	fail_at = 0;
	assert_int_equal(move_run_steps(steps, 4, &c, false, NULL), EXIT_REFUSED);
	assert_string_equal(trace, "r0 ");
	assert_int_equal(c.report[1].result, STEP_NOT_RUN);
}

static void steps_undo_failure_is_broken(void **state)
{
	struct move_ctx c = { 0 };
	(void)state;
	fail_at = 3;
	undo_fail_at = 2;
	assert_int_equal(move_run_steps(steps, 4, &c, false, NULL), EXIT_BROKEN);
	/* the other undos still run */
	assert_string_equal(trace, "r0 r1 r2 r3 u2 u1 ");
	assert_int_equal(c.report[2].result, STEP_UNDO_FAILED);
	assert_int_equal(c.report[1].result, STEP_UNDONE);
}

static bool stop_after_two(void)
{
	return strstr(trace, "r1 ") != NULL;
}

static void steps_interrupted(void **state)
{
	struct move_ctx c = { 0 };
	(void)state;
	assert_int_equal(move_run_steps(steps, 4, &c, false, stop_after_two), EXIT_REFUSED);
	assert_string_equal(trace, "r0 r1 u1 ");
	assert_non_null(strstr(c.why, "interrupted"));
}

static void steps_dry_run(void **state)
{
	struct move_ctx c = { 0 };
	(void)state;
	assert_int_equal(move_run_steps(steps, 4, &c, true, NULL), EXIT_OK);
	/* the steps a dry run tries are undone again */
	assert_string_equal(trace, "r0 r1 u1 ");
	assert_int_equal(c.report[1].result, STEP_UNDONE);
	assert_int_equal(c.report[2].result, STEP_SKIPPED);
}

/* --- snapshots --- */

static void make_ring(unsigned char *b, uint32_t nr, uint32_t head, uint32_t tail)
{
	uint32_t h[8] = { 0, nr, head, tail, AIO_RING_MAGIC, 1, 0, 32 };
	memset(b, 0, (nr + 1) * 32);
	memcpy(b, h, sizeof(h));
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t ev[4] = { 0x1000 + i, 0x5000 + i, 512, 0 };
		memcpy(b + 32 + 32 * i, ev, sizeof(ev));
	}
}

static void snapshots(void **state)
{
	static unsigned char a[4096], b[4096];
	(void)state;
	make_ring(a, 127, 125, 2);       /* wrapped: 4 pending */
	make_ring(b, 127, 125, 2);
	assert_null(move_compare_snapshots(a, b, sizeof(a)));
	make_ring(b, 127, 125, 5);       /* more arrived */
	assert_null(move_compare_snapshots(a, b, sizeof(a)));
	make_ring(b, 127, 125, 1);       /* lost one */
	assert_non_null(move_compare_snapshots(a, b, sizeof(a)));
	make_ring(b, 127, 126, 2);
	assert_string_equal(move_compare_snapshots(a, b, sizeof(a)), "head moved");
	make_ring(b, 127, 125, 2);
	b[32 + 32 * 0 + 16] = 7;         /* slot 0 is pending (wrapped) */
	assert_string_equal(move_compare_snapshots(a, b, sizeof(a)), "a pending completion differs");
	make_ring(b, 127, 125, 2);
	b[32 + 32 * 50] = 7;             /* slot 50 is not pending: ignored */
	assert_null(move_compare_snapshots(a, b, sizeof(a)));
	make_ring(b, 127, 125, 2);
	b[16] = 0;
	assert_string_equal(move_compare_snapshots(a, b, sizeof(a)), "ring header differs");
}

/* --- maps ranges --- */

static const char maps[] =
	"00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/x\n"
	"7f0000000000-7f0000002000 rw-s 00000000 00:12 99 /[aio] (deleted)\n"
	"7f0000010000-7f0000020000 rw-p 00000000 00:00 0\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n";

static void ranges(void **state)
{
	uint64_t a;
	(void)state;
	assert_true(move_range_free(maps, strlen(maps), 0x500000000000ull, 4096));
	assert_false(move_range_free(maps, strlen(maps), 0x7f0000001000ull, 4096));
	assert_false(move_range_free(maps, strlen(maps), 0x7efffffff000ull, 0x2000));
	assert_true(move_range_free(maps, strlen(maps), 0x7f0000002000ull, 0xe000));
	assert_false(move_range_free(maps, strlen(maps), 0x7f0000002000ull, 0xf000));
	assert_true(move_find_free(maps, strlen(maps), 0x2000, 0x7f0000010000ull, &a));
	assert_int_equal(a, 0x7f000000d000ull);
	assert_true(move_range_free(maps, strlen(maps), a, 0x2000));
	assert_false(move_find_free(maps, strlen(maps), 0x100000, 0x7f0000010000ull, &a) &&
		     a >= 0x7f0000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dest_ok),
		cmocka_unit_test(dest_refused),
		cmocka_unit_test(restart_codes),
		cmocka_unit_test(restart_leaves_others),
		cmocka_unit_test(reissue_and_injection),
		cmocka_unit_test_setup(steps_all_done, reset),
		cmocka_unit_test_setup(steps_unwind_in_reverse, reset),
		cmocka_unit_test_setup(steps_first_fails, reset),
		cmocka_unit_test_setup(steps_undo_failure_is_broken, reset),
		cmocka_unit_test_setup(steps_interrupted, reset),
		cmocka_unit_test_setup(steps_dry_run, reset),
		cmocka_unit_test(snapshots),
		cmocka_unit_test(ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
