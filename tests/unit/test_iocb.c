/* iocb decoding against the kernel's own struct iocb, and the batched-read plan. */
#include "unit.h"
#include "iocb.h"

#include <linux/aio_abi.h>

static void decode_matches_kernel_layout(void **state)
{
	struct iocb k;
	struct iocb_view v;

	(void)state;
	_Static_assert(sizeof(struct iocb) == IOCB_SIZE, "iocb size");
	memset(&k, 0, sizeof(k));
	k.aio_data = 0x1122334455667788ull;
	k.aio_rw_flags = 0x10;             /* RWF_APPEND */
	k.aio_lio_opcode = IOCB_CMD_PWRITE;
	k.aio_reqprio = -3;
	k.aio_fildes = 0xfffffff0u;
	k.aio_buf = 0x7f0000001000ull;
	k.aio_nbytes = 1ull << 40;
	k.aio_offset = -4096;
	k.aio_flags = IOCB_FLAG_RESFD;
	k.aio_resfd = 9;
	assert_true(iocb_decode(&k, sizeof(k), &v));
	assert_int_equal(v.data, 0x1122334455667788ull);
	assert_int_equal(v.rw_flags, 0x10);
	assert_int_equal(v.key, 0);
	assert_int_equal(v.opcode, IOCB_CMD_PWRITE);
	assert_int_equal(v.reqprio, -3);
	assert_int_equal(v.fd, 0xfffffff0u);
	assert_int_equal(v.buf, 0x7f0000001000ull);
	assert_int_equal(v.nbytes, 1ull << 40);
	assert_true(v.offset == -4096);
	assert_int_equal(v.flags, IOCB_FLAG_RESFD);
	assert_int_equal(v.resfd, 9);
}

static void decode_short_buffer(void **state)
{
	unsigned char b[IOCB_SIZE];
	struct iocb_view v;

	(void)state;
	memset(b, 0xff, sizeof(b));
	assert_false(iocb_decode(b, IOCB_SIZE - 1, &v));
	assert_int_equal(v.data, 0);
	assert_false(iocb_decode(NULL, IOCB_SIZE, &v));
	assert_true(iocb_decode(b, IOCB_SIZE, &v));
	assert_int_equal(v.opcode, 0xffff);
}

static void opcode_names(void **state)
{
	(void)state;
	assert_string_equal(iocb_opcode_name(IOCB_CMD_PREAD), "PREAD");
	assert_string_equal(iocb_opcode_name(IOCB_CMD_PWRITE), "PWRITE");
	assert_string_equal(iocb_opcode_name(IOCB_CMD_FSYNC), "FSYNC");
	assert_string_equal(iocb_opcode_name(IOCB_CMD_FDSYNC), "FDSYNC");
	assert_string_equal(iocb_opcode_name(IOCB_CMD_POLL), "POLL");
	assert_string_equal(iocb_opcode_name(IOCB_CMD_NOOP), "NOOP");
	assert_string_equal(iocb_opcode_name(IOCB_CMD_PREADV), "PREADV");
	assert_string_equal(iocb_opcode_name(IOCB_CMD_PWRITEV), "PWRITEV");
	assert_null(iocb_opcode_name(4));       /* PREADX never existed */
	assert_null(iocb_opcode_name(9));
	assert_null(iocb_opcode_name(0xffff));
}

static void plausible_addresses(void **state)
{
	(void)state;
	assert_false(iocb_addr_plausible(0));
	assert_false(iocb_addr_plausible(4095));
	assert_true(iocb_addr_plausible(4096));
	assert_true(iocb_addr_plausible(0x55d0c3a2b2a0ull));
	assert_true(iocb_addr_plausible(0x7ffffffff000ull));
	assert_false(iocb_addr_plausible(0xffff888000000000ull));   /* kernel half */
	assert_false(iocb_addr_plausible(UINT64_MAX - 10));        /* would wrap */
}

static void spans_coalesce_neighbours(void **state)
{
	/* calloc'd iocbs 80 bytes apart, then a far one, then one just past the gap. */
	uint64_t a[] = { 0x1000, 0x1050, 0x10a0, 0x900000, 0x900000 + 64 + 192 + 1 };
	struct iocb_span s[5];
	size_t n;

	(void)state;
	n = iocb_plan_spans(a, 5, 192, 65536, s);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].addr, 0x1000);
	assert_int_equal(s[0].len, 0xa0 + 64);
	assert_int_equal(s[0].first, 0);
	assert_int_equal(s[0].count, 3);
	assert_int_equal(s[1].addr, 0x900000);
	assert_int_equal(s[1].len, 64);
	assert_int_equal(s[2].first, 4);
	assert_int_equal(s[2].count, 1);
}

static void spans_duplicates_and_overlaps(void **state)
{
	/* The same iocb twice (reused while its first event was pending) and two
	 * overlapping ones: one span, every address covered. */
	uint64_t a[] = { 0x2000, 0x2000, 0x2010 };
	struct iocb_span s[3];
	size_t n;

	(void)state;
	n = iocb_plan_spans(a, 3, 0, 65536, s);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].len, 0x10 + 64);
	assert_int_equal(s[0].count, 3);
}

static void spans_respect_max(void **state)
{
	uint64_t a[64];
	struct iocb_span s[64];
	size_t n, covered = 0;

	(void)state;
	for (size_t i = 0; i < 64; i++)
		a[i] = 0x10000 + i * 64;          /* back to back */
	n = iocb_plan_spans(a, 64, 192, 256, s);
	assert_int_equal(n, 16);
	for (size_t i = 0; i < n; i++) {
		assert_true(s[i].len <= 256);
		assert_int_equal(s[i].first, covered);
		covered += s[i].count;
		/* Every address of the span lies inside it. */
		for (size_t k = s[i].first; k < s[i].first + s[i].count; k++)
			assert_true(a[k] >= s[i].addr && a[k] + 64 <= s[i].addr + s[i].len);
	}
	assert_int_equal(covered, 64);
	assert_int_equal(iocb_plan_spans(a, 0, 192, 256, s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_matches_kernel_layout),
		cmocka_unit_test(decode_short_buffer),
		cmocka_unit_test(opcode_names),
		cmocka_unit_test(plausible_addresses),
		cmocka_unit_test(spans_coalesce_neighbours),
		cmocka_unit_test(spans_duplicates_and_overlaps),
		cmocka_unit_test(spans_respect_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
