/* Pure parsing of /proc/PID/maps text.  No system calls here. */
#ifndef AIOCTL_MAPS_H
#define AIOCTL_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The exact path the kernel shows for an AIO ring's mapping. */
#define AIO_RING_PATH "/[aio] (deleted)"

struct map_entry {
	uint64_t start, end;      /* [start, end) */
	char perms[5];            /* "rw-s", NUL-terminated */
	uint64_t offset;
	unsigned dev_major, dev_minor;
	uint64_t inode;
	const char *path;         /* into the parsed line, NOT NUL-terminated; "" if none */
	size_t path_len;
};

/* Parses one line (without its '\n').  0 on success, -1 if the line is malformed:
 * every numeric field must be present and in range, start < end. */
int maps_parse_line(const char *line, size_t len, struct map_entry *e);

/* Iterates lines of a maps buffer: returns the next line and its length (without '\n')
 * starting at *pos, advancing *pos; NULL at the end. */
const char *maps_next_line(const char *buf, size_t len, size_t *pos, size_t *line_len);

/* True if the entry has the shape of an AIO ring mapping: shared rw, offset 0, a
 * device with major 0 (pseudo filesystem) and path exactly AIO_RING_PATH.  A deleted
 * real file named "/[aio]" on tmpfs passes this too: target_ring_kind() settles it. */
bool maps_entry_is_ring_candidate(const struct map_entry *e);

/* Cheap pre-filter over a whole maps buffer: false when no line can be a ring, so the
 * caller can skip parsing entirely (the common case for most processes). */
bool maps_may_contain_ring(const char *buf, size_t len);

/* The next line at or after *pos that ends in AIO_RING_PATH, found with memmem so that
 * the lines in between are never parsed (a process has hundreds of mappings and at most
 * a few rings).  Returns the line and its length (without '\n'), advancing *pos past it;
 * NULL when there is none.  The line still needs maps_parse_line and
 * maps_entry_is_ring_candidate: a longer path can end the same way. */
const char *maps_next_ring_line(const char *buf, size_t len, size_t *pos, size_t *line_len);

/* Copies the path, decoding the kernel's octal escapes ("\012" for '\n'), into out
 * (always NUL-terminated, truncated to outsz).  Returns the decoded length. */
size_t maps_path_decode(const struct map_entry *e, char *out, size_t outsz);

/* The mapping name a human wants ("[heap]", "libc.so.6", "/usr/bin/x"): basename of
 * the decoded path, or the bracketed name, or "[anon]" for an anonymous mapping. */
void maps_short_name(const struct map_entry *e, char *out, size_t outsz);

#endif
