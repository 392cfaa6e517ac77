/* Shared by every part of aioctl: exit statuses, error reporting, small helpers. */
#ifndef AIOCTL_H
#define AIOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit statuses: the same for every command, documented in aioctl(8). */
enum aioctl_exit {
	EXIT_OK = 0,          /* success; for list/dump: at least one ring shown */
	EXIT_NOTHING = 1,     /* nothing found */
	EXIT_USAGE = 2,       /* usage error */
	EXIT_PERM = 3,        /* permission denied */
	EXIT_NOPROC = 4,      /* no such process */
	EXIT_REFUSED = 5,     /* refused or failed, target unchanged */
	EXIT_BROKEN = 6,      /* failed and the target could not be restored */
};

/* The exit status that describes a failed system call's errno. */
int exit_for_errno(int err);

/* "aioctl: <message>\n" on stderr.  Messages name pid, ring and cause. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like errmsg, adds a hint for EPERM/EACCES ("run as root or the process's owner"). */
void errmsg_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error: message plus the one-line hint, returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a PID argument ("812"); false on anything else. */
bool parse_pid(const char *s, pid_t *pid);
/* Parses an address, always hexadecimal as /proc/PID/maps and our output show it, with or
 * without "0x".  false on junk, signs, spaces, overflow or trailing characters. */
bool parse_addr(const char *s, uint64_t *addr);

/* A growable byte buffer reused across reads (one maps file after another). */
struct buf {
	char *data;
	size_t len, cap;
};
/* Reads the whole of path into b (replacing its contents).  0 or -errno. */
int buf_read_file(struct buf *b, const char *path);
/* The same, stopping without the final empty read once the text ends with `last`: for a
 * file known to end with that line, it saves a system call per file. */
int buf_read_file_until(struct buf *b, const char *path, const char *last);
void buf_free(struct buf *b);

/* Monotonic clock in microseconds. */
uint64_t now_us(void);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
