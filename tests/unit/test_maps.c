/* maps.c: parsing /proc/PID/maps lines, the ring pre-filter and candidates, path decoding. */
#include "unit.h"
#include "maps.h"

#define LINE(s) (s), strlen(s)

static void parses_a_ring_line(void **state)
{
	struct map_entry e;
	const char *l = "7f1234560000-7f1234561000 rw-s 00000000 00:12 40193                      /[aio] (deleted)";

	(void)state;
	assert_int_equal(maps_parse_line(LINE(l), &e), 0);
	assert_true(e.start == 0x7f1234560000ull);
	assert_true(e.end == 0x7f1234561000ull);
	assert_string_equal(e.perms, "rw-s");
	assert_int_equal(e.offset, 0);
	assert_int_equal(e.dev_major, 0);
	assert_int_equal(e.dev_minor, 0x12);
	assert_int_equal(e.inode, 40193);
	assert_int_equal(e.path_len, strlen(AIO_RING_PATH));
	assert_memory_equal(e.path, AIO_RING_PATH, e.path_len);
	assert_true(maps_entry_is_ring_candidate(&e));
}

static void parses_anonymous_and_bracketed(void **state)
{
	struct map_entry e;
	char name[64];

	(void)state;
	assert_int_equal(maps_parse_line(LINE("00400000-00452000 r-xp 00000000 fe:00 123 "), &e), 0);
	assert_int_equal(e.path_len, 0);
	maps_short_name(&e, name, sizeof(name));
	assert_string_equal(name, "[anon]");
	assert_int_equal(maps_parse_line(LINE("7ffd1000-7ffd2000 rw-p 00000000 00:00 0   [stack]"), &e), 0);
	maps_short_name(&e, name, sizeof(name));
	assert_string_equal(name, "[stack]");
	assert_int_equal(maps_parse_line(LINE("7f00-8f00 r--p 00001000 fe:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6"), &e), 0);
	maps_short_name(&e, name, sizeof(name));
	assert_string_equal(name, "libc.so.6");
	assert_false(maps_entry_is_ring_candidate(&e));
}

static void huge_addresses_and_numbers(void **state)
{
	struct map_entry e;

	(void)state;
	/* vsyscall page: the top of the address space */
	assert_int_equal(maps_parse_line(LINE("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]"), &e), 0);
	assert_true(e.start == 0xffffffffff600000ull);
	assert_true(e.end == 0xffffffffff601000ull);
	/* largest device numbers and inode */
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00000000 fff:fffff 18446744073709551615 /x"), &e), 0);
	assert_int_equal(e.dev_major, 0xfff);
	assert_int_equal(e.dev_minor, 0xfffff);
	assert_true(e.inode == UINT64_MAX);
	/* 17 hex digits and an inode past 2^64 overflow */
	assert_int_equal(maps_parse_line(LINE("10000000000000000-10000000000000001 rw-s 00000000 00:12 1 /x"), &e), -1);
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00000000 00:12 18446744073709551616 /x"), &e), -1);
}

static void rejects_malformed(void **state)
{
	struct map_entry e;
	static const char *bad[] = {
		"",
		"1000",
		"1000-",
		"2000-1000 rw-s 00000000 00:12 1 /x",        /* start >= end */
		"1000-1000 rw-s 00000000 00:12 1 /x",
		"1000-2000 rwxx 00000000 00:12 1 /x",        /* bad perms */
		"1000-2000 rw-s zz 00:12 1 /x",
		"1000-2000 rw-s 00000000 0012 1 /x",
		"1000-2000 rw-s 00000000 00:12 x /x",
		"1000-2000 rw-s 00000000 00:12 1x /x",       /* junk after the inode */
		"1000-2000 rw-s 00000000 1000:12 1 /x",      /* major out of range */
		"g000-2000 rw-s 00000000 00:12 1 /x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(maps_parse_line(bad[i], strlen(bad[i]), &e), -1);
}

static void odd_file_names(void **state)
{
	struct map_entry e;
	char out[128];

	(void)state;
	/* Spaces inside the name, and the kernel's escape of a newline. */
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00000000 00:05 7    /tmp/a b\\012c (deleted)"), &e), 0);
	assert_int_equal(maps_path_decode(&e, out, sizeof(out)), strlen("/tmp/a b\nc (deleted)"));
	assert_string_equal(out, "/tmp/a b\nc (deleted)");
	maps_short_name(&e, out, sizeof(out));
	assert_string_equal(out, "a b\nc (deleted)");
	/* A name that merely contains the ring's path is not a candidate. */
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00000000 00:05 7 /x/[aio] (deleted)"), &e), 0);
	assert_false(maps_entry_is_ring_candidate(&e));
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00000000 00:05 7 /[aio] (deleted) "), &e), 0);
	assert_false(maps_entry_is_ring_candidate(&e));
	/* A backslash not followed by three octal digits stays as it is. */
	assert_int_equal(maps_parse_line(LINE("1000-2000 r--p 00000000 00:05 7 /a\\9b\\01"), &e), 0);
	maps_path_decode(&e, out, sizeof(out));
	assert_string_equal(out, "/a\\9b\\01");
	/* Decoding truncates but reports the full length. */
	assert_int_equal(maps_parse_line(LINE("1000-2000 r--p 00000000 00:05 7 /abcdef"), &e), 0);
	assert_int_equal(maps_path_decode(&e, out, 4), 7);
	assert_string_equal(out, "/ab");
}

static void ring_candidates(void **state)
{
	struct map_entry e;

	(void)state;
	/* private, read-only, offset, real device: all not a ring */
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-p 00000000 00:12 1 /[aio] (deleted)"), &e), 0);
	assert_false(maps_entry_is_ring_candidate(&e));
	assert_int_equal(maps_parse_line(LINE("1000-2000 r--s 00000000 00:12 1 /[aio] (deleted)"), &e), 0);
	assert_false(maps_entry_is_ring_candidate(&e));
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00001000 00:12 1 /[aio] (deleted)"), &e), 0);
	assert_false(maps_entry_is_ring_candidate(&e));
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00000000 fe:00 1 /[aio] (deleted)"), &e), 0);
	assert_false(maps_entry_is_ring_candidate(&e));
	/* A deleted tmpfs file named /[aio] looks the same here: target.c settles it. */
	assert_int_equal(maps_parse_line(LINE("1000-2000 rw-s 00000000 00:27 2 /[aio] (deleted)"), &e), 0);
	assert_true(maps_entry_is_ring_candidate(&e));
}

static void prefilter_and_iteration(void **state)
{
	const char *buf = "1000-2000 r--p 00000000 fe:00 1 /bin/x\n"
			  "3000-4000 rw-s 00000000 00:12 5 /[aio] (deleted)\n"
			  "5000-6000 rw-p 00000000 00:00 0";
	size_t pos = 0, ll, n = 0;
	const char *line;

	(void)state;
	assert_true(maps_may_contain_ring(buf, strlen(buf)));
	assert_false(maps_may_contain_ring(buf, 40));
	assert_false(maps_may_contain_ring("", 0));
	while ((line = maps_next_line(buf, strlen(buf), &pos, &ll))) {
		struct map_entry e;
		assert_int_equal(maps_parse_line(line, ll, &e), 0);
		n++;
		if (n == 2)
			assert_true(maps_entry_is_ring_candidate(&e));
		if (n == 3)
			assert_true(e.start == 0x5000);
	}
	assert_int_equal(n, 3);
}

static void finds_ring_lines_without_parsing_the_rest(void **state)
{
	const char *buf =
		"1000-2000 r--p 00000000 fe:00 1 /bin/x\n"
		"3000-4000 rw-s 00000000 00:12 5 /[aio] (deleted)\n"
		"5000-6000 rw-s 00000000 00:05 9 /tmp/[aio] (deleted)x\n"
		"7000-8000 rw-s 00000000 00:05 9 /[aio] (deleted)/[aio] (deleted)\n"
		"9000-a000 rw-p 00000000 00:00 0\n"
		"b000-c000 rw-s 00000000 00:12 6 /[aio] (deleted)";
	size_t pos = 0, ll, len = strlen(buf);
	const char *line;
	struct map_entry e;

	(void)state;
	line = maps_next_ring_line(buf, len, &pos, &ll);
	assert_non_null(line);
	assert_int_equal(maps_parse_line(line, ll, &e), 0);
	assert_true(e.start == 0x3000 && maps_entry_is_ring_candidate(&e));
	/* a line that ends in the ring's path but has a longer one: found, then rejected */
	line = maps_next_ring_line(buf, len, &pos, &ll);
	assert_non_null(line);
	assert_int_equal(maps_parse_line(line, ll, &e), 0);
	assert_true(e.start == 0x7000);
	assert_false(maps_entry_is_ring_candidate(&e));
	/* the last line, without a newline */
	line = maps_next_ring_line(buf, len, &pos, &ll);
	assert_non_null(line);
	assert_int_equal(maps_parse_line(line, ll, &e), 0);
	assert_true(e.start == 0xb000 && maps_entry_is_ring_candidate(&e));
	assert_int_equal(pos, len);
	assert_null(maps_next_ring_line(buf, len, &pos, &ll));
	pos = 0;
	assert_null(maps_next_ring_line(buf, 40, &pos, &ll));
	assert_int_equal(pos, 40);
	pos = 0;
	assert_null(maps_next_ring_line("", 0, &pos, &ll));
	/* the first line of the buffer */
	pos = 0;
	line = maps_next_ring_line(buf + 39, len - 39, &pos, &ll);
	assert_ptr_equal(line, buf + 39);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_ring_line),
		cmocka_unit_test(parses_anonymous_and_bracketed),
		cmocka_unit_test(huge_addresses_and_numbers),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(odd_file_names),
		cmocka_unit_test(ring_candidates),
		cmocka_unit_test(prefilter_and_iteration),
		cmocka_unit_test(finds_ring_lines_without_parsing_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
