/* ring.c: header and event decoding, sanity checks, pending counts and the kernel's
 * sizing arithmetic (FACTS "Sizes"). */
#include "unit.h"
#include "ring.h"

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

static void make_header(unsigned char *b, uint32_t id, uint32_t nr, uint32_t head, uint32_t tail)
{
	put32(b + 0, id);
	put32(b + 4, nr);
	put32(b + 8, head);
	put32(b + 12, tail);
	put32(b + 16, AIO_RING_MAGIC);
	put32(b + 20, 1);
	put32(b + 24, 0);
	put32(b + 28, 32);
}

static void decodes_header(void **state)
{
	unsigned char b[32];
	struct ring_header h;

	(void)state;
	make_header(b, 3, 127, 5, 9);
	assert_true(ring_decode_header(b, sizeof(b), &h));
	assert_int_equal(h.id, 3);
	assert_int_equal(h.nr, 127);
	assert_int_equal(h.head, 5);
	assert_int_equal(h.tail, 9);
	assert_int_equal(h.magic, AIO_RING_MAGIC);
	assert_int_equal(ring_check(&h, 4096, 0), 0);
	assert_string_equal(ring_problem_str(0), "ok");
	assert_false(ring_decode_header(b, 31, &h));
	assert_int_equal(h.nr, 0);
	assert_false(ring_decode_header(NULL, 32, &h));
}

static void checks_problems(void **state)
{
	unsigned char b[32];
	struct ring_header h;

	(void)state;
	make_header(b, 0, 127, 0, 0);
	ring_decode_header(b, 32, &h);
	assert_int_equal(ring_check(&h, 8192, 0), RING_BAD_SIZE);          /* split/shrunk */
	assert_string_equal(ring_problem_str(RING_BAD_SIZE), "shrunk/split");
	assert_int_equal(ring_check(&h, 4096, 4096), RING_BAD_OFFSET);
	h.magic = 0;
	assert_true(ring_check(&h, 4096, 0) & RING_BAD_MAGIC);
	assert_string_equal(ring_problem_str(ring_check(&h, 4096, 0)), "bad magic");
	h.magic = AIO_RING_MAGIC;
	h.head = 127;
	assert_int_equal(ring_check(&h, 4096, 0), RING_BAD_HEAD);
	h.head = 0;
	h.tail = 0xffffffffu;
	assert_int_equal(ring_check(&h, 4096, 0), RING_BAD_TAIL);
	h.tail = 0;
	h.compat_features = 2;
	assert_int_equal(ring_check(&h, 4096, 0), RING_BAD_FEATURES);
	h.compat_features = 1;
	h.header_length = 64;
	assert_int_equal(ring_check(&h, 4096, 0), RING_BAD_HDRLEN);
	/* nr near 2^32 must not overflow the size check */
	h.header_length = 32;
	h.nr = 0xffffffffu;
	assert_true(ring_check(&h, 4096, 0) & RING_BAD_SIZE);
	assert_string_equal(ring_problem_str(RING_TRUNCATED | RING_BAD_MAGIC), "unreadable");
}

static void pending_counts(void **state)
{
	struct ring_header h = { .nr = 127 };

	(void)state;
	assert_int_equal(ring_pending(&h), 0);
	h.head = 3, h.tail = 10;
	assert_int_equal(ring_pending(&h), 7);
	/* wrapped: tail has passed the end and come round */
	h.head = 120, h.tail = 5;
	assert_int_equal(ring_pending(&h), 12);
	assert_int_equal(ring_slot(&h, 0), 120);
	assert_int_equal(ring_slot(&h, 6), 126);
	assert_int_equal(ring_slot(&h, 7), 0);
	assert_int_equal(ring_slot(&h, 11), 4);
	/* full: capacity is nr - 1, whether or not it wrapped */
	h.head = 0, h.tail = 126;
	assert_int_equal(ring_pending(&h), 126);
	h.head = 50, h.tail = 49;
	assert_int_equal(ring_pending(&h), 126);
	/* out of range: nothing trustworthy */
	h.head = 127, h.tail = 0;
	assert_int_equal(ring_pending(&h), 0);
	h.nr = 0, h.head = 0;
	assert_int_equal(ring_pending(&h), 0);
	assert_int_equal(ring_slot(&h, 5), 0);
}

static void decodes_events(void **state)
{
	unsigned char ring[4096] = { 0 };
	struct ring_event ev;

	(void)state;
	make_header(ring, 0, 127, 126, 1);
	put64(ring + 32 + 32 * 126, 0x1234);
	put64(ring + 32 + 32 * 126 + 8, 0x7f0000001000ull);
	put64(ring + 32 + 32 * 126 + 16, (uint64_t)-5);           /* -EIO */
	put64(ring + 32 + 32 * 126 + 24, 0);
	put64(ring + 32, 0x99);
	put64(ring + 32 + 16, 512);
	assert_true(ring_decode_event(ring, sizeof(ring), 126, &ev));
	assert_true(ev.data == 0x1234);
	assert_true(ev.obj == 0x7f0000001000ull);
	assert_true(ev.res == -5);
	/* the wrapped second pending event sits in slot 0 */
	struct ring_header h;
	ring_decode_header(ring, sizeof(ring), &h);
	assert_int_equal(ring_pending(&h), 2);
	assert_true(ring_decode_event(ring, sizeof(ring), ring_slot(&h, 1), &ev));
	assert_true(ev.data == 0x99);
	assert_true(ev.res == 512);
	/* slot 127 would be past the page */
	assert_false(ring_decode_event(ring, sizeof(ring), 127, &ev));
	assert_false(ring_decode_event(ring, 32 + 31, 0, &ev));
	assert_false(ring_decode_event(ring, sizeof(ring), 0xffffffffu, &ev));
}

static void sizes_from_facts(void **state)
{
	static const struct { uint32_t req; uint64_t bytes; uint32_t nr; } ex[] = {
		{ 1, 4096, 127 }, { 63, 8192, 255 }, { 127, 12288, 383 }, { 1024, 17 * 4096, 2175 },
	};
	uint32_t nr;

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		assert_int_equal(ring_size_for_request(ex[i].req, 2, &nr), ex[i].bytes);
		assert_int_equal(nr, ex[i].nr);
		assert_int_equal(ring_nr_for_len(ex[i].bytes), ex[i].nr);
	}
	assert_int_equal(ring_size_for_request(62, 2, &nr), 4096);
	assert_int_equal(ring_size_for_request(0, 2, &nr), 0);
	assert_int_equal(nr, 0);
	assert_int_equal(ring_size_for_request(RING_MAX_REQUEST + 1, 2, &nr), 0);
	assert_true(ring_size_for_request(RING_MAX_REQUEST, 2, &nr) > 0);
	/* the per-CPU floor: 64 CPUs make even io_setup(1) a 5-page ring */
	assert_int_equal(ring_size_for_request(1, 64, &nr), 5 * 4096);
	assert_int_equal(ring_nr_for_len(100), 0);
}

static void request_ranges(void **state)
{
	static const struct { uint64_t bytes; uint32_t lo, hi; } ex[] = {
		{ 4096, 1, 62 }, { 8192, 63, 126 }, { 12288, 127, 190 }, { 17 * 4096, 1023, 1086 },
	};
	uint32_t lo, hi;

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		assert_true(ring_request_range(ex[i].bytes, 2, &lo, &hi));
		assert_int_equal(lo, ex[i].lo);
		assert_int_equal(hi, ex[i].hi);
		/* the bounds really give that size, one beyond them does not */
		assert_int_equal(ring_size_for_request(lo, 2, NULL), ex[i].bytes);
		assert_int_equal(ring_size_for_request(hi, 2, NULL), ex[i].bytes);
		assert_true(ring_size_for_request(hi + 1, 2, NULL) != ex[i].bytes);
		if (lo > 1)
			assert_true(ring_size_for_request(lo - 1, 2, NULL) != ex[i].bytes);
	}
	/* no request gives these */
	assert_false(ring_request_range(0, 2, &lo, &hi));
	assert_false(ring_request_range(4095, 2, &lo, &hi));
	assert_false(ring_request_range(4096, 64, &lo, &hi));
	assert_int_equal(lo, 0);
	/* 64 CPUs: everything below the floor lands in the first possible size */
	assert_true(ring_request_range(5 * 4096, 64, &lo, &hi));
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 318);
	/* the biggest ring the kernel makes */
	assert_true(ring_request_range(ring_size_for_request(RING_MAX_REQUEST, 2, NULL), 2, &lo, &hi));
	assert_int_equal(hi, RING_MAX_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_header),
		cmocka_unit_test(checks_problems),
		cmocka_unit_test(pending_counts),
		cmocka_unit_test(decodes_events),
		cmocka_unit_test(sizes_from_facts),
		cmocka_unit_test(request_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
