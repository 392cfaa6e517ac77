/* dump's formatting and slot selection: wrapped and full rings, forged headers,
 * reused iocbs, and the JSON shape (parsed back with jansson). */
#include "unit.h"
#include "dumpfmt.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

static struct ring_header hdr(uint32_t nr, uint32_t head, uint32_t tail)
{
	return (struct ring_header){ .nr = nr, .head = head, .tail = tail, .magic = AIO_RING_MAGIC,
				     .compat_features = 1, .header_length = 32 };
}

/* Every slot the ranges cover, in order. */
static size_t walk(const struct ring_header *h, uint32_t cap, bool all, uint32_t *out, size_t max)
{
	uint32_t from[2], to[2];
	size_t nr = dumpfmt_slot_ranges(h, cap, all, from, to), n = 0;

	for (size_t r = 0; r < nr; r++)
		for (uint32_t s = from[r]; s < to[r]; s++) {
			assert_true(n < max);
			out[n++] = s;
		}
	return n;
}

static void ranges_simple(void **state)
{
	struct ring_header h = hdr(127, 3, 7);
	uint32_t s[200];
	size_t n;

	(void)state;
	n = walk(&h, 127, false, s, 200);
	assert_int_equal(n, 4);
	assert_int_equal(s[0], 3);
	assert_int_equal(s[3], 6);
	for (uint32_t i = 0; i < 127; i++)
		assert_int_equal(dumpfmt_slot_pending(&h, i), i >= 3 && i < 7);
	h = hdr(127, 5, 5);
	assert_int_equal(walk(&h, 127, false, s, 200), 0);
}

static void ranges_wrapped(void **state)
{
	struct ring_header h = hdr(127, 125, 2);
	uint32_t s[200];
	size_t n;

	(void)state;
	n = walk(&h, 127, false, s, 200);
	assert_int_equal(n, ring_pending(&h));
	assert_int_equal(n, 4);
	assert_int_equal(s[0], 125);
	assert_int_equal(s[1], 126);
	assert_int_equal(s[2], 0);
	assert_int_equal(s[3], 1);
	/* The order is ring_slot's order. */
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(s[i], ring_slot(&h, i));
	assert_true(dumpfmt_slot_pending(&h, 126));
	assert_true(dumpfmt_slot_pending(&h, 0));
	assert_false(dumpfmt_slot_pending(&h, 2));
	assert_false(dumpfmt_slot_pending(&h, 124));
	/* tail 0: wrapped exactly at the end */
	h = hdr(127, 120, 0);
	n = walk(&h, 127, false, s, 200);
	assert_int_equal(n, 7);
	assert_int_equal(s[6], 126);
}

static void ranges_full(void **state)
{
	/* Full: nr - 1 pending, whether or not it wraps. */
	struct ring_header h = hdr(255, 0, 254);
	uint32_t s[300];

	(void)state;
	assert_int_equal(walk(&h, 255, false, s, 300), 254);
	h = hdr(255, 100, 99);
	assert_int_equal(walk(&h, 255, false, s, 300), 254);
	assert_int_equal(s[0], 100);
	assert_int_equal(s[253], 98);
	assert_false(dumpfmt_slot_pending(&h, 99));
}

static void ranges_all_slots(void **state)
{
	struct ring_header h = hdr(127, 10, 12);
	uint32_t s[200];

	(void)state;
	assert_int_equal(walk(&h, 127, true, s, 200), 127);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[126], 126);
}

static void ranges_hostile(void **state)
{
	uint32_t s[200];
	struct ring_header h;

	(void)state;
	/* nr 0: nothing, not a division by zero. */
	h = hdr(0, 0, 0);
	assert_int_equal(walk(&h, 127, false, s, 200), 0);
	assert_int_equal(walk(&h, 127, true, s, 200), 0);
	/* head or tail past nr: nothing trustworthy to walk. */
	h = hdr(127, 500, 3);
	assert_int_equal(walk(&h, 127, false, s, 200), 0);
	h = hdr(127, 3, 0xffffffffu);
	assert_int_equal(walk(&h, 127, false, s, 200), 0);
	/* A huge nr: never past the slots the mapping holds (cap). */
	h = hdr(0xffffffffu, 5, 0x7fffffffu);
	assert_int_equal(walk(&h, 127, false, s, 200), 122);
	assert_int_equal(walk(&h, 127, true, s, 200), 127);
	h = hdr(0xffffffffu, 0x7fffffffu, 5);
	assert_int_equal(walk(&h, 127, false, s, 200), 5);
	/* cap 0 (header only): nothing. */
	h = hdr(127, 0, 5);
	assert_int_equal(walk(&h, 0, false, s, 200), 0);
	assert_int_equal(walk(&h, 0, true, s, 200), 0);
}

static void errno_names(void **state)
{
	(void)state;
	assert_string_equal(dumpfmt_errno_name(-EAGAIN), "EAGAIN");
	assert_string_equal(dumpfmt_errno_name(-EINVAL), "EINVAL");
	assert_string_equal(dumpfmt_errno_name(-EIO), "EIO");
	assert_null(dumpfmt_errno_name(0));
	assert_null(dumpfmt_errno_name(512));
	assert_null(dumpfmt_errno_name(-100000));
	assert_null(dumpfmt_errno_name(INT64_MIN));
}

static void problem_names(void **state)
{
	const char *n[16];

	(void)state;
	assert_int_equal(dumpfmt_problems(0, n, 16), 0);
	assert_int_equal(dumpfmt_problems(RING_BAD_MAGIC | RING_BAD_HEAD | RING_BAD_SIZE, n, 16), 3);
	assert_string_equal(n[0], "bad magic");
	assert_string_equal(n[1], "size mismatch");
	assert_string_equal(n[2], "head past nr");
	assert_int_equal(dumpfmt_problems(0xff, n, 16), 8);
	assert_int_equal(dumpfmt_problems(0xff, n, 2), 2);
}

static struct dump_event event(uint32_t slot, uint64_t data, uint64_t obj, int64_t res)
{
	struct dump_event e = { .slot = slot, .pending = true,
				.ev = { .data = data, .obj = obj, .res = res, .res2 = 0 } };
	e.iocb_err = DUMP_IOCB_OK;
	e.cb = (struct iocb_view){ .data = data, .opcode = 1, .fd = 3, .buf = 0x7f0000002000ull,
				   .nbytes = 512, .offset = 8192 };
	e.file = "/tmp/data";
	e.file_len = strlen(e.file);
	return e;
}

static json_t *parse(struct sbuf *b)
{
	json_error_t err;
	json_t *j = json_loadb(b->p, b->len, 0, &err);

	if (!j)
		fail_msg("JSON does not parse: %s at %d: %.*s", err.text, err.position, (int)b->len, b->p);
	return j;
}

static void json_shape(void **state)
{
	struct sbuf b = { 0 };
	struct dump_ring r = { .addr = 0x7f12345000ull, .size = 4096, .inode = 77, .have_hdr = true,
			       .hdr = hdr(127, 125, 1), .state = "ok" };
	struct dump_event e[4];
	json_t *j, *ring, *ev, *cb;

	(void)state;
	r.pending = ring_pending(&r.hdr);
	r.shown = 3;
	e[0] = event(125, 0x1000, 0x55d0c3a2b2a0ull, 512);
	e[1] = event(126, 0x1001, 0x55d0c3a2b2f0ull, -EAGAIN);
	e[1].cb.data = 0x9999;                 /* the application reused this iocb */
	e[2] = event(0, 0x1002, 0, 0);
	e[2].iocb_err = DUMP_IOCB_NOT_USER;
	e[3] = event(1, 0x1003, 0x55d0c3a2b340ull, 0);
	e[3].iocb_err = EFAULT;

	dumpfmt_json_begin(&b, 812);
	dumpfmt_json_ring_begin(&b, &r, true);
	for (int i = 0; i < 4; i++)
		dumpfmt_json_event(&b, &e[i], i == 0, false);
	dumpfmt_json_ring_end(&b);
	r.addr = 0x7f12346000ull;
	r.have_hdr = false;
	r.state = "vanished";
	r.message = "the ring was unmapped while it was read";
	r.pending = 0;
	dumpfmt_json_ring_begin(&b, &r, false);
	dumpfmt_json_ring_end(&b);
	dumpfmt_json_end(&b);
	assert_false(b.oom);
	j = parse(&b);

	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 812);
	assert_int_equal(json_array_size(json_object_get(j, "rings")), 2);
	ring = json_array_get(json_object_get(j, "rings"), 0);
	assert_string_equal(json_string_value(json_object_get(ring, "addr")), "0x7f12345000");
	assert_int_equal(json_integer_value(json_object_get(ring, "size")), 4096);
	assert_int_equal(json_integer_value(json_object_get(ring, "inode")), 77);
	assert_int_equal(json_integer_value(json_object_get(ring, "nr")), 127);
	assert_int_equal(json_integer_value(json_object_get(ring, "head")), 125);
	assert_int_equal(json_integer_value(json_object_get(ring, "tail")), 1);
	assert_int_equal(json_integer_value(json_object_get(ring, "magic")), AIO_RING_MAGIC);
	assert_int_equal(json_integer_value(json_object_get(ring, "compat_features")), 1);
	assert_int_equal(json_integer_value(json_object_get(ring, "incompat_features")), 0);
	assert_int_equal(json_integer_value(json_object_get(ring, "header_length")), 32);
	assert_int_equal(json_integer_value(json_object_get(ring, "pending")), 3);
	assert_int_equal(json_array_size(json_object_get(ring, "problems")), 0);
	assert_string_equal(json_string_value(json_object_get(ring, "state")), "ok");
	assert_true(json_is_null(json_object_get(ring, "message")));
	assert_int_equal(json_array_size(json_object_get(ring, "events")), 4);

	ev = json_array_get(json_object_get(ring, "events"), 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "slot")), 125);
	assert_string_equal(json_string_value(json_object_get(ev, "data")), "0x1000");
	assert_string_equal(json_string_value(json_object_get(ev, "obj")), "0x55d0c3a2b2a0");
	assert_int_equal(json_integer_value(json_object_get(ev, "res")), 512);
	assert_int_equal(json_integer_value(json_object_get(ev, "res2")), 0);
	assert_null(json_object_get(ev, "pending"));    /* only with --all-slots */
	cb = json_object_get(ev, "iocb");
	assert_true(json_is_object(cb));
	assert_true(json_is_true(json_object_get(cb, "read_now")));
	assert_string_equal(json_string_value(json_object_get(cb, "opcode")), "PWRITE");
	assert_int_equal(json_integer_value(json_object_get(cb, "fd")), 3);
	assert_string_equal(json_string_value(json_object_get(cb, "file")), "/tmp/data");
	assert_string_equal(json_string_value(json_object_get(cb, "buf")), "0x7f0000002000");
	assert_int_equal(json_integer_value(json_object_get(cb, "nbytes")), 512);
	assert_int_equal(json_integer_value(json_object_get(cb, "offset")), 8192);
	assert_int_equal(json_integer_value(json_object_get(cb, "flags")), 0);
	assert_int_equal(json_integer_value(json_object_get(cb, "resfd")), 0);
	assert_int_equal(json_integer_value(json_object_get(cb, "reqprio")), 0);
	assert_string_equal(json_string_value(json_object_get(cb, "data")), "0x1000");
	assert_true(json_is_false(json_object_get(cb, "reused")));

	ev = json_array_get(json_object_get(ring, "events"), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "res")), -EAGAIN);
	assert_string_equal(json_string_value(json_object_get(ev, "res_errno")), "EAGAIN");
	cb = json_object_get(ev, "iocb");
	assert_true(json_is_true(json_object_get(cb, "reused")));
	assert_string_equal(json_string_value(json_object_get(cb, "data")), "0x9999");

	ev = json_array_get(json_object_get(ring, "events"), 2);
	assert_string_equal(json_string_value(json_object_get(ev, "obj")), "0x0");
	assert_true(json_is_null(json_object_get(ev, "iocb")));
	assert_string_equal(json_string_value(json_object_get(ev, "iocb_error")), "obj is not a user address");
	ev = json_array_get(json_object_get(ring, "events"), 3);
	assert_true(json_is_null(json_object_get(ev, "iocb")));
	assert_string_equal(json_string_value(json_object_get(ev, "iocb_error")), strerror(EFAULT));

	ring = json_array_get(json_object_get(j, "rings"), 1);
	assert_string_equal(json_string_value(json_object_get(ring, "state")), "vanished");
	assert_string_equal(json_string_value(json_object_get(ring, "message")),
			    "the ring was unmapped while it was read");
	assert_true(json_is_null(json_object_get(ring, "nr")));
	assert_int_equal(json_array_size(json_object_get(ring, "events")), 0);
	json_decref(j);
	sb_free(&b);
}

static void json_problems_and_all_slots(void **state)
{
	struct sbuf b = { 0 };
	struct dump_ring r = { .addr = 0x1000, .size = 4096, .have_hdr = true,
			       .hdr = hdr(0xffffffffu, 1, 2), .state = "bad" };
	struct dump_event e = event(0, 0, 0, 0);
	json_t *j, *ring, *p;

	(void)state;
	r.hdr.magic = 0x12345678;
	r.problems = ring_check(&r.hdr, 4096, 0);
	r.pending = ring_pending(&r.hdr);
	e.pending = false;
	dumpfmt_json_begin(&b, 1);
	dumpfmt_json_ring_begin(&b, &r, true);
	dumpfmt_json_event(&b, &e, true, true);
	dumpfmt_json_ring_end(&b);
	dumpfmt_json_end(&b);
	j = parse(&b);
	ring = json_array_get(json_object_get(j, "rings"), 0);
	p = json_object_get(ring, "problems");
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(json_string_value(json_array_get(p, 0)), "bad magic");
	assert_string_equal(json_string_value(json_array_get(p, 1)), "size mismatch");
	assert_int_equal(json_integer_value(json_object_get(ring, "nr")), 0xffffffffu);
	assert_true(json_is_false(json_object_get(json_array_get(json_object_get(ring, "events"), 0),
						  "pending")));
	json_decref(j);
	sb_free(&b);
}

static void json_extreme_numbers(void **state)
{
	struct sbuf b = { 0 };
	struct dump_event e = event(0xffffffffu, UINT64_MAX, 0x7ffffffff000ull, INT64_MIN);
	json_t *j;

	(void)state;
	e.ev.res2 = INT64_MAX;
	e.cb.offset = INT64_MIN;
	e.cb.nbytes = 0;
	e.cb.reqprio = -32768;
	e.cb.opcode = 4;
	e.file = NULL;
	e.file_err = ENOENT;
	dumpfmt_json_event(&b, &e, true, false);
	j = parse(&b);
	assert_string_equal(json_string_value(json_object_get(j, "data")), "0xffffffffffffffff");
	assert_true(json_integer_value(json_object_get(j, "res")) == INT64_MIN);
	assert_true(json_integer_value(json_object_get(j, "res2")) == INT64_MAX);
	assert_null(json_object_get(j, "res_errno"));
	json_t *cb = json_object_get(j, "iocb");
	assert_true(json_integer_value(json_object_get(cb, "offset")) == INT64_MIN);
	assert_int_equal(json_integer_value(json_object_get(cb, "nbytes")), 0);
	assert_int_equal(json_integer_value(json_object_get(cb, "reqprio")), -32768);
	assert_string_equal(json_string_value(json_object_get(cb, "opcode")), "unknown 4");
	assert_true(json_is_null(json_object_get(cb, "file")));
	json_decref(j);
	sb_free(&b);
}

static void json_strings_escaped(void **state)
{
	/* Paths are bytes: quotes, control characters and invalid UTF-8 must still give
	 * valid JSON, and valid UTF-8 must survive. */
	const char path[] = "/tmp/a\"b\\c\n\x01\xff\xc3\xa9\xe2\x82\xac\xed\xa0\x80";
	struct sbuf b = { 0 };
	json_t *j;

	(void)state;
	sb_json_str(&b, path, sizeof(path) - 1);
	j = json_loadb(b.p, b.len, JSON_DECODE_ANY, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(j),
			    "/tmp/a\"b\\c\n\x01\xef\xbf\xbd\xc3\xa9\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(j);
	sb_free(&b);
}

static char *text_of(struct sbuf *b)
{
	sb_put(b, "", 1);
	return b->p;
}

static void text_ring_and_events(void **state)
{
	struct sbuf b = { 0 };
	struct dump_ring r = { .addr = 0x7f12345000ull, .size = 4096, .inode = 77, .have_hdr = true,
			       .hdr = hdr(127, 0, 2), .state = "ok" };
	struct dump_event e0 = event(0, 0x1000, 0x55d0c3a2b2a0ull, -EIO), e1 = event(1, 0x1001, 0x5000, 4096);
	char *t;

	(void)state;
	r.pending = r.shown = 2;
	e1.cb.data = 0x77;
	e1.file = "/tmp/with space";
	e1.file_len = strlen(e1.file);
	dumpfmt_text_ring(&b, 812, &r, false);
	dumpfmt_text_event(&b, &e0, false);
	dumpfmt_text_event(&b, &e1, false);
	t = text_of(&b);
	assert_non_null(strstr(t, "pid 812 ring 0x7f12345000: 4096 bytes, inode 77, state ok\n"));
	assert_non_null(strstr(t, "id 0, nr 127, head 0, tail 2, magic 0xa10a10a1, compat_features 1, "
				  "incompat_features 0, header_length 32\n"));
	assert_non_null(strstr(t, "check: ok\n"));
	assert_non_null(strstr(t, "2 pending completions\n"));
	assert_non_null(strstr(t, "-5(EIO)"));
	assert_non_null(strstr(t, "PWRITE fd 3 /tmp/data buf 0x7f0000002000 nbytes 512 offset 8192"));
	assert_non_null(strstr(t, "/tmp/with\\x20space"));
	assert_non_null(strstr(t, "data 0x77 REUSED"));
	/* One line per event. */
	assert_non_null(strstr(t, "\n  0 "));
	assert_non_null(strstr(t, "\n  1 "));
	sb_free(&b);
}

static void text_problems_spelled_out(void **state)
{
	struct sbuf b = { 0 };
	struct dump_ring r = { .addr = 0x1000, .size = 4096, .have_hdr = true,
			       .hdr = hdr(200, 300, 1), .state = "bad" };
	char *t;

	(void)state;
	r.hdr.magic = 0xdeadbeef;
	r.hdr.header_length = 64;
	r.problems = ring_check(&r.hdr, 4096, 0);
	dumpfmt_text_ring(&b, 1, &r, false);
	t = text_of(&b);
	assert_non_null(strstr(t, "NOT a sane ring"));
	assert_non_null(strstr(t, "bad magic: 0xdeadbeef, expected 0xa10a10a1"));
	assert_non_null(strstr(t, "bad header length: 64, expected 32"));
	assert_non_null(strstr(t, "size mismatch: nr 200 needs 6432 bytes, the mapping has 4096"));
	assert_non_null(strstr(t, "head past nr: head 300, nr 200"));
	assert_null(strstr(t, "tail past nr"));
	sb_free(&b);
}

static void text_all_slots_marks_pending(void **state)
{
	struct sbuf b = { 0 };
	struct dump_event e0 = event(5, 1, 0, 0), e1 = event(6, 2, 0, 0);
	char *t;

	(void)state;
	e0.iocb_err = e1.iocb_err = DUMP_IOCB_NOT_USER;
	e1.pending = false;
	dumpfmt_text_event(&b, &e0, true);
	dumpfmt_text_event(&b, &e1, true);
	t = text_of(&b);
	assert_true(!strncmp(t, "* 5 ", 4));
	assert_non_null(strstr(t, "\n  6 "));
	sb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranges_simple),
		cmocka_unit_test(ranges_wrapped),
		cmocka_unit_test(ranges_full),
		cmocka_unit_test(ranges_all_slots),
		cmocka_unit_test(ranges_hostile),
		cmocka_unit_test(errno_names),
		cmocka_unit_test(problem_names),
		cmocka_unit_test(json_shape),
		cmocka_unit_test(json_problems_and_all_slots),
		cmocka_unit_test(json_extreme_numbers),
		cmocka_unit_test(json_strings_escaped),
		cmocka_unit_test(text_ring_and_events),
		cmocka_unit_test(text_problems_spelled_out),
		cmocka_unit_test(text_all_slots_marks_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
