/* Parsing /proc/PID/maps lines:
 *   start-end perms offset major:minor inode   path
 * The path starts after the inode and a run of spaces; it may contain spaces, and the
 * kernel escapes '\n' (and only a few other bytes) as backslash-octal. */
#include "maps.h"

#include <stdio.h>
#include <string.h>

static bool hexval(char c, unsigned *v)
{
	if (c >= '0' && c <= '9')
		*v = (unsigned)(c - '0');
	else if (c >= 'a' && c <= 'f')
		*v = (unsigned)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		*v = (unsigned)(c - 'A' + 10);
	else
		return false;
	return true;
}

/* Reads a hex number of 1..16 digits ending at a character in stops. */
static bool take_hex(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned d, n = 0;

	while (*p < end && hexval(**p, &d)) {
		if (++n > 16)
			return false;
		v = (v << 4) | d;
		(*p)++;
	}
	*out = v;
	return n > 0;
}

static bool take_dec(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		unsigned d = (unsigned)(**p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0;
}

static bool take_char(const char **p, const char *end, char c)
{
	if (*p < end && **p == c) {
		(*p)++;
		return true;
	}
	return false;
}

int maps_parse_line(const char *line, size_t len, struct map_entry *e)
{
	const char *p = line, *end = line + len;
	uint64_t maj, min;

	memset(e, 0, sizeof(*e));
	if (!take_hex(&p, end, &e->start) || !take_char(&p, end, '-') ||
	    !take_hex(&p, end, &e->end) || !take_char(&p, end, ' '))
		return -1;
	if (e->start >= e->end)
		return -1;
	if (end - p < 5)
		return -1;
	memcpy(e->perms, p, 4);
	e->perms[4] = '\0';
	for (int i = 0; i < 4; i++)
		if (!strchr(i == 0 ? "r-" : i == 1 ? "w-" : i == 2 ? "x-" : "ps", e->perms[i]))
			return -1;
	p += 4;
	if (!take_char(&p, end, ' ') || !take_hex(&p, end, &e->offset) || !take_char(&p, end, ' ') ||
	    !take_hex(&p, end, &maj) || !take_char(&p, end, ':') || !take_hex(&p, end, &min) ||
	    !take_char(&p, end, ' ') || !take_dec(&p, end, &e->inode))
		return -1;
	if (maj > 0xfff || min > 0xfffff)
		return -1;
	e->dev_major = (unsigned)maj;
	e->dev_minor = (unsigned)min;
	if (p < end && *p != ' ')
		return -1;
	while (p < end && *p == ' ')
		p++;
	e->path = p;
	e->path_len = (size_t)(end - p);
	return 0;
}

const char *maps_next_line(const char *buf, size_t len, size_t *pos, size_t *line_len)
{
	const char *start, *nl;

	if (*pos >= len)
		return NULL;
	start = buf + *pos;
	nl = memchr(start, '\n', len - *pos);
	if (nl) {
		*line_len = (size_t)(nl - start);
		*pos += *line_len + 1;
	} else {
		*line_len = len - *pos;
		*pos = len;
	}
	return start;
}

bool maps_entry_is_ring_candidate(const struct map_entry *e)
{
	return strcmp(e->perms, "rw-s") == 0 && e->offset == 0 && e->dev_major == 0 &&
	       e->path_len == strlen(AIO_RING_PATH) &&
	       memcmp(e->path, AIO_RING_PATH, e->path_len) == 0;
}

bool maps_may_contain_ring(const char *buf, size_t len)
{
	return memmem(buf, len, "/[aio] (deleted)", 16) != NULL;
}

size_t maps_path_decode(const struct map_entry *e, char *out, size_t outsz)
{
	size_t o = 0;

	if (!outsz)
		return 0;
	for (size_t i = 0; i < e->path_len; i++) {
		char c = e->path[i];
		if (c == '\\' && i + 3 < e->path_len &&
		    e->path[i + 1] >= '0' && e->path[i + 1] <= '3' &&
		    e->path[i + 2] >= '0' && e->path[i + 2] <= '7' &&
		    e->path[i + 3] >= '0' && e->path[i + 3] <= '7') {
			c = (char)(((e->path[i + 1] - '0') << 6) | ((e->path[i + 2] - '0') << 3) |
				   (e->path[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 < outsz)
			out[o] = c;
		o++;
	}
	out[o < outsz ? o : outsz - 1] = '\0';
	return o;
}

void maps_short_name(const struct map_entry *e, char *out, size_t outsz)
{
	char path[4096];
	const char *slash;

	if (!outsz)
		return;
	if (e->path_len == 0) {
		snprintf(out, outsz, "[anon]");
		return;
	}
	maps_path_decode(e, path, sizeof(path));
	if (path[0] == '[') {
		snprintf(out, outsz, "%s", path);
		return;
	}
	slash = strrchr(path, '/');
	snprintf(out, outsz, "%s", slash ? slash + 1 : path);
}

const char *maps_next_ring_line(const char *buf, size_t len, size_t *pos, size_t *line_len)
{
	const size_t plen = sizeof(AIO_RING_PATH) - 1;

	while (*pos < len) {
		const char *hit = memmem(buf + *pos, len - *pos, AIO_RING_PATH, plen), *start, *end;

		if (!hit)
			break;
		end = hit + plen;
		if (end < buf + len && *end != '\n') {
			*pos = (size_t)(end - buf);      /* more follows on this line: not the end */
			continue;
		}
		start = memrchr(buf, '\n', (size_t)(hit - buf));
		start = start ? start + 1 : buf;
		*line_len = (size_t)(end - start);
		*pos = (size_t)(end - buf) + (end < buf + len);
		return start;
	}
	*pos = len;
	return NULL;
}
