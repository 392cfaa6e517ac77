/* Exit statuses, error messages and the small helpers every command uses. */
#include "aioctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int exit_for_errno(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return EXIT_PERM;
	case ESRCH:
	case ENOENT:
		return EXIT_NOPROC;
	default:
		return EXIT_REFUSED;
	}
}

static void vmsg(int err, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (err == EPERM || err == EACCES)
		fprintf(stderr, "aioctl: %s: %s (run as root or the process's owner)\n", line, strerror(err));
	else if (err)
		fprintf(stderr, "aioctl: %s: %s\n", line, strerror(err));
	else
		fprintf(stderr, "aioctl: %s\n", line);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void errmsg_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(err, fmt, ap);
	va_end(ap);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try 'aioctl %s --help' for more information.\n", cmd);
	else
		fprintf(stderr, "Try 'aioctl --help' for more information.\n");
	return EXIT_USAGE;
}

bool parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 4194304)
		return false;
	*pid = (pid_t)v;
	return true;
}

bool parse_addr(const char *s, uint64_t *addr)
{
	char *end;
	unsigned long long v;

	if (!s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (const char *c = s; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F')))
			return false;
	if (!*s || strlen(s) > 16)
		return false;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || *end)
		return false;
	*addr = v;
	return true;
}

int buf_read_file(struct buf *b, const char *path)
{
	return buf_read_file_until(b, path, NULL);
}

int buf_read_file_until(struct buf *b, const char *path, const char *last)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t last_len = last ? strlen(last) : 0;

	if (fd < 0)
		return -errno;
	b->len = 0;
	for (;;) {
		if (b->cap - b->len < 4096) {
			size_t ncap = b->cap ? b->cap * 2 : 65536;
			char *n = realloc(b->data, ncap + 1);
			if (!n) {
				close(fd);
				return -ENOMEM;
			}
			b->data = n;
			b->cap = ncap;
		}
		ssize_t r = read(fd, b->data + b->len, b->cap - b->len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
		if (last_len && b->len >= last_len &&
		    !memcmp(b->data + b->len - last_len, last, last_len))
			break;
	}
	b->data[b->len] = '\0';
	close(fd);
	return 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
