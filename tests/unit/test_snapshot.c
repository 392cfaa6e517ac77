/* ring_snapshot_read on memory of our own: a copy byte for byte, whichever buffer it
 * chose (malloc for small rings, huge-page mapping for large ones), and a clean free. */
#include "unit.h"
#include "target.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static void snapshot_of(size_t len, bool header_only, bool want_mapped)
{
	unsigned char *mem = malloc(len);
	struct ring_snapshot s;
	struct ring_map m;

	assert_non_null(mem);
	for (size_t i = 0; i < len; i++)
		mem[i] = (unsigned char)(i * 7 + (i >> 12));
	m = (struct ring_map){ .start = (uintptr_t)mem, .end = (uintptr_t)mem + len };
	ring_snapshot_read(getpid(), &m, header_only, &s);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.len, header_only ? 32 : len);
	assert_memory_equal(s.bytes, mem, s.len);
	assert_int_equal(s.mapped != 0, want_mapped);
	/* Our bytes are no ring: the check says so, and nothing is truncated. */
	assert_true(s.problems & RING_BAD_MAGIC);
	assert_false(s.problems & RING_TRUNCATED);
	ring_snapshot_free(&s);
	assert_null(s.bytes);
	free(mem);
}

static void small_ring(void **state)
{
	(void)state;
	snapshot_of(4096, false, false);
	snapshot_of(17 * 4096, false, false);
}

static void large_ring(void **state)
{
	(void)state;
	snapshot_of(257 * 4096, false, true);        /* io_setup(16384): 1 MiB + 4 KiB */
	snapshot_of(1025 * 4096, false, true);       /* io_setup(65535): 4 MiB + 4 KiB */
}

static void header_only(void **state)
{
	(void)state;
	snapshot_of(1025 * 4096, true, false);
}

static void unmapped(void **state)
{
	struct ring_snapshot s;
	struct ring_map m = { .start = 4096, .end = 4096 + (2u << 20) };

	(void)state;
	ring_snapshot_read(getpid(), &m, false, &s);
	assert_int_equal(s.err, EFAULT);
	assert_int_equal(s.len, 0);
	assert_true(s.problems & RING_TRUNCATED);
	ring_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_ring),
		cmocka_unit_test(large_ring),
		cmocka_unit_test(header_only),
		cmocka_unit_test(unmapped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
