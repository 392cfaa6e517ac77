/* util.c: argument parsing, errno to exit status, the reusable read buffer. */
#include "unit.h"
#include "aioctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void pids(void **state)
{
	pid_t p;

	(void)state;
	assert_true(parse_pid("1", &p));
	assert_int_equal(p, 1);
	assert_true(parse_pid("4194304", &p));
	assert_int_equal(p, 4194304);
	assert_false(parse_pid("4194305", &p));
	assert_false(parse_pid("0", &p));
	assert_false(parse_pid("-1", &p));
	assert_false(parse_pid("+1", &p));
	assert_false(parse_pid(" 1", &p));
	assert_false(parse_pid("1 ", &p));
	assert_false(parse_pid("12a", &p));
	assert_false(parse_pid("", &p));
	assert_false(parse_pid(NULL, &p));
	assert_false(parse_pid("99999999999999999999", &p));
}

static void addresses(void **state)
{
	uint64_t a;

	(void)state;
	assert_true(parse_addr("0x7f0000001000", &a));
	assert_true(a == 0x7f0000001000ull);
	assert_true(parse_addr("7F0000001000", &a));
	assert_true(a == 0x7f0000001000ull);
	assert_true(parse_addr("ffffffffffffffff", &a));
	assert_true(a == UINT64_MAX);
	assert_false(parse_addr("1ffffffffffffffff", &a));
	assert_false(parse_addr("0x", &a));
	assert_false(parse_addr("", &a));
	assert_false(parse_addr("-1", &a));
	assert_false(parse_addr("0x 1", &a));
	assert_false(parse_addr("12g", &a));
	assert_false(parse_addr(NULL, &a));
}

static void exit_statuses(void **state)
{
	(void)state;
	assert_int_equal(exit_for_errno(EPERM), EXIT_PERM);
	assert_int_equal(exit_for_errno(EACCES), EXIT_PERM);
	assert_int_equal(exit_for_errno(ESRCH), EXIT_NOPROC);
	assert_int_equal(exit_for_errno(ENOENT), EXIT_NOPROC);
	assert_int_equal(exit_for_errno(EINVAL), EXIT_REFUSED);
}

static void read_buffer(void **state)
{
	char path[] = "/tmp/aioctl-test-util.XXXXXX";
	int fd = mkstemp(path);
	struct buf b = { 0 };
	char *big = malloc(200000);

	(void)state;
	assert_true(fd >= 0);
	/* bigger than the first allocation: the buffer grows and keeps every byte */
	for (size_t i = 0; i < 200000; i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, big, 200000), 200000);
	close(fd);
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 200000);
	assert_memory_equal(b.data, big, 200000);
	assert_int_equal(b.data[b.len], '\0');
	/* reused for a smaller file: replaced, not appended */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "xyz", 3), 3);
	close(fd);
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "xyz");
	unlink(path);
	assert_int_equal(buf_read_file(&b, path), -ENOENT);
	buf_free(&b);
	assert_null(b.data);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pids),
		cmocka_unit_test(addresses),
		cmocka_unit_test(exit_statuses),
		cmocka_unit_test(read_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
