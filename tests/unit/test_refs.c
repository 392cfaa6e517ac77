/* Unit tests for the pure reference core (src/refs.c). */
#include "unit.h"
#include "refs.h"

#include <stdio.h>
#include <stdlib.h>

#define RING 0x7f0000001000ull
#define RING_END (RING + 0x2000)

static struct map_entry entry(const char *line)
{
	struct map_entry e;
	assert_int_equal(maps_parse_line(line, strlen(line), &e), 0);
	return e;
}

static void test_points_into(void **state)
{
	(void)state;
	assert_true(refs_points_into(RING, RING, RING_END));
	assert_true(refs_points_into(RING_END - 1, RING, RING_END));
	assert_false(refs_points_into(RING_END, RING, RING_END));
	assert_false(refs_points_into(RING - 1, RING, RING_END));
	assert_false(refs_points_into(0, RING, RING_END));
	assert_false(refs_points_into(UINT64_MAX, RING, RING_END));
}

static void test_scan_finds_every_word(void **state)
{
	uint64_t words[300];
	size_t offs[300], n;

	(void)state;
	for (size_t i = 0; i < 300; i++)
		words[i] = 0x5555000000000000ull + i;
	/* start, inside, last byte; and near misses on both sides */
	words[0] = RING;
	words[7] = RING + 32;
	words[8] = RING_END - 1;
	words[9] = RING_END;
	words[10] = RING - 1;
	words[63] = RING + 0x1000;
	words[64] = RING + 8;
	words[299] = RING;       /* in the tail after the last whole block */
	n = refs_scan(words, sizeof(words), 0x10000, RING, RING_END, offs, 300);
	assert_int_equal(n, 6);
	assert_int_equal(offs[0], 0);
	assert_int_equal(offs[1], 7 * 8);
	assert_int_equal(offs[2], 8 * 8);
	assert_int_equal(offs[3], 63 * 8);
	assert_int_equal(offs[4], 64 * 8);
	assert_int_equal(offs[5], 299 * 8);
}

static void test_scan_max_and_resume(void **state)
{
	uint64_t words[100] = { 0 };
	size_t offs[3], n, total = 0, pos = 0;

	(void)state;
	for (size_t i = 0; i < 100; i += 10)
		words[i] = RING + i;
	for (;;) {
		n = refs_scan((char *)words + pos, sizeof(words) - pos, 0x1000 + pos, RING, RING_END, offs, 3);
		for (size_t k = 0; k < n; k++)
			assert_int_equal((pos + offs[k]) % 80, 0);
		total += n;
		if (n < 3)
			break;
		pos += offs[n - 1] + 8;
	}
	assert_int_equal(total, 10);
}

static void test_scan_alignment_follows_target_address(void **state)
{
	unsigned char buf[64 + 16] = { 0 };
	uint64_t v = RING;
	size_t offs[4], n;

	(void)state;
	/* The buffer starts 4 bytes before an aligned target address: a word at buffer
	 * offset 4 is aligned there, one at offset 8 is not. */
	memcpy(buf + 4, &v, 8);
	n = refs_scan(buf, sizeof(buf), 0x1004 - 4 - 4, RING, RING_END, offs, 4);
	/* base 0x0ffc: first aligned word at offset 4 */
	assert_int_equal(n, 1);
	assert_int_equal(offs[0], 4);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 8, &v, 8);
	n = refs_scan(buf, sizeof(buf), 0x0ffc, RING, RING_END, offs, 4);
	assert_int_equal(n, 0);
}

static void test_scan_short_and_empty(void **state)
{
	uint64_t v = RING;
	size_t offs[2];

	(void)state;
	assert_int_equal(refs_scan(&v, 7, 0, RING, RING_END, offs, 2), 0);
	assert_int_equal(refs_scan(&v, 8, 0, RING, RING_END, offs, 2), 1);
	assert_int_equal(refs_scan(&v, 8, 0, RING, RING_END, offs, 0), 0);
	assert_int_equal(refs_scan(&v, 8, 0, RING_END, RING, offs, 2), 0);
	assert_int_equal(refs_scan(&v, 0, 0, RING, RING_END, offs, 2), 0);
	/* alignment skip larger than the buffer */
	assert_int_equal(refs_scan(&v, 3, 1, RING, RING_END, offs, 2), 0);
}

static void test_classify(void **state)
{
	struct map_entry e;

	(void)state;
	e = entry("55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_REWRITABLE);
	e = entry("7f0000001000-7f0000003000 rw-s 00000000 00:12 5                          /[aio] (deleted)");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_SKIPPED);
	/* another ring (shared) is scanned but can't be rewritten */
	e = entry("7f0000005000-7f0000006000 rw-s 00000000 00:12 6                          /[aio] (deleted)");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_UNSAFE);
	e = entry("7f0000000000-7f0000002000 rw-p 00000000 00:00 0 ");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_SKIPPED);
	e = entry("7ffd1e3f0000-7ffd1e3f4000 r--p 00000000 00:00 0                          [vvar]");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_SKIPPED);
	e = entry("7ffd1e3f4000-7ffd1e3f6000 r-xp 00000000 00:00 0                          [vdso]");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_SKIPPED);
	e = entry("7f5a00000000-7f5a00021000 ---p 00000000 00:00 0 ");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_SKIPPED);
	e = entry("7f5a1c3d6000-7f5a1c3d8000 r--p 001d6000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_UNSAFE);
	e = entry("7f5a1c3d8000-7f5a1c3da000 rw-p 001d8000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_REWRITABLE);
	e = entry("7f5a1c000000-7f5a1c100000 rw-s 00000000 00:05 99                         /dev/shm/x");
	assert_int_equal(refs_classify(&e, RING, RING_END), REFS_UNSAFE);
	assert_string_equal(refs_class_str(REFS_REWRITABLE), "rewrite");
	assert_string_equal(refs_class_str(REFS_UNSAFE), "unsafe");
	assert_string_equal(refs_class_str(REFS_SKIPPED), "skipped");
}

static void test_names(void **state)
{
	struct map_entry data, bss, heap, anon, ro, shm, stack;
	char out[96];

	(void)state;
	data = entry("7f5a1c3d8000-7f5a1c3da000 rw-p 001d8000 08:01 1234 /usr/lib/x86_64-linux-gnu/libfoo.so");
	bss = entry("7f5a1c3da000-7f5a1c3e7000 rw-p 00000000 00:00 0 ");
	heap = entry("55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0 [heap]");
	anon = entry("7f5a1c400000-7f5a1c500000 rw-p 00000000 00:00 0");
	ro = entry("7f5a1c3d6000-7f5a1c3d8000 r--p 001d6000 08:01 1234 /usr/lib/x86_64-linux-gnu/libfoo.so");
	shm = entry("7f5a1c000000-7f5a1c100000 rw-s 00000000 00:05 99 /dev/shm/x");
	stack = entry("7ffd1e300000-7ffd1e321000 rw-p 00000000 00:00 0 [stack]");

	refs_mapping_name(&data, &ro, 0, out, sizeof(out));
	assert_string_equal(out, "libfoo.so rw");
	refs_mapping_name(&bss, &data, 0, out, sizeof(out));
	assert_string_equal(out, "libfoo.so .bss");
	/* not adjacent: plain anonymous memory */
	refs_mapping_name(&anon, &data, 0, out, sizeof(out));
	assert_string_equal(out, "[anon]");
	refs_mapping_name(&anon, NULL, 0, out, sizeof(out));
	assert_string_equal(out, "[anon]");
	refs_mapping_name(&anon, NULL, 4321, out, sizeof(out));
	assert_string_equal(out, "[stack tid 4321]");
	/* after the heap: anonymous, not ".bss" */
	bss.start = heap.end;
	refs_mapping_name(&bss, &heap, 0, out, sizeof(out));
	assert_string_equal(out, "[anon]");
	refs_mapping_name(&heap, NULL, 0, out, sizeof(out));
	assert_string_equal(out, "[heap]");
	refs_mapping_name(&stack, NULL, 0, out, sizeof(out));
	assert_string_equal(out, "[stack]");
	refs_mapping_name(&ro, NULL, 0, out, sizeof(out));
	assert_string_equal(out, "libfoo.so ro");
	refs_mapping_name(&shm, NULL, 0, out, sizeof(out));
	assert_string_equal(out, "x shared");
	/* truncation keeps the output terminated */
	char tiny[4];
	refs_mapping_name(&data, NULL, 0, tiny, sizeof(tiny));
	assert_string_equal(tiny, "lib");
}

static void test_registers(void **state)
{
	arch_regs r;
	size_t idx[32], n, r12 = SIZE_MAX, rdi = SIZE_MAX;
	char out[64];

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_true(refs_reg_count() >= 8);
	for (size_t i = 0; i < refs_reg_count(); i++) {
		if (strcmp(refs_reg_name(i), "r12") == 0)
			r12 = i;
		if (strcmp(refs_reg_name(i), "rdi") == 0)
			rdi = i;
	}
	assert_true(r12 != SIZE_MAX && rdi != SIZE_MAX);
	refs_reg_set(&r, r12, RING);
	refs_reg_set(&r, rdi, RING + 64);
	assert_int_equal(refs_reg_get(&r, r12), RING);
	n = refs_scan_regs(&r, RING, RING_END, idx, 32);
	assert_int_equal(n, 2);
	assert_true((idx[0] == r12 && idx[1] == rdi) || (idx[0] == rdi && idx[1] == r12));
	/* the instruction pointer is never a reference, even if it looked like one */
	memset(&r, 0, sizeof(r));
	r.rip = RING;
	assert_int_equal(refs_scan_regs(&r, RING, RING_END, idx, 32), 0);
	assert_int_equal(refs_scan_regs(&r, RING, RING_END, idx, 0), 0);
	refs_reg_location(1234, rdi, out, sizeof(out));
	assert_string_equal(out, "tid 1234 rdi");
	assert_string_equal(refs_reg_name(9999), "?");
	assert_int_equal(refs_reg_get(&r, 9999), 0);
}

static void test_rewrite_value(void **state)
{
	(void)state;
	assert_int_equal(refs_rewrite_value(RING, RING, 0x600000000000ull), 0x600000000000ull);
	assert_int_equal(refs_rewrite_value(RING + 0x40, RING, 0x600000000000ull), 0x600000000040ull);
	/* moving up works the same */
	assert_int_equal(refs_rewrite_value(RING + 8, RING, RING + 0x10000), RING + 0x10008);
}

static void test_list(void **state)
{
	struct ref_list l = { 0 };
	struct ref r = { .where = REF_MEMORY, .cls = REFS_REWRITABLE, .addr = 8 };

	(void)state;
	for (int i = 0; i < 100; i++) {
		r.cls = i % 10 == 0 ? REFS_UNSAFE : REFS_REWRITABLE;
		r.addr = (uint64_t)i * 8;
		assert_true(ref_list_add(&l, &r));
	}
	assert_int_equal(l.n, 100);
	assert_int_equal(l.n_unsafe, 10);
	assert_int_equal(l.v[99].addr, 99 * 8);
	ref_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_into),
		cmocka_unit_test(test_scan_finds_every_word),
		cmocka_unit_test(test_scan_max_and_resume),
		cmocka_unit_test(test_scan_alignment_follows_target_address),
		cmocka_unit_test(test_scan_short_and_empty),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_rewrite_value),
		cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests_name("refs", tests, NULL, NULL);
}
