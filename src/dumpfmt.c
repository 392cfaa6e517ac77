/* Text and JSON for `aioctl dump`.  Numbers are formatted by hand: printf would cost
 * more than everything else together on a ring of 131072 events. */
#include "dumpfmt.h"

#include <stdlib.h>
#include <string.h>

/* Most one event can take besides its file name (which is escaped, 6 bytes a byte at worst). */
#define EVENT_MAX 1024

bool sb_reserve(struct sbuf *b, size_t more)
{
	size_t ncap;
	char *n;

	if (b->oom)
		return false;
	if (b->cap - b->len >= more)
		return true;
	ncap = b->cap ? b->cap : 4096;
	while (ncap - b->len < more) {
		if (ncap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		ncap *= 2;
	}
	n = realloc(b->p, ncap);
	if (!n) {
		b->oom = true;
		return false;
	}
	b->p = n;
	b->cap = ncap;
	return true;
}

void sb_put(struct sbuf *b, const void *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void sb_free(struct sbuf *b)
{
	free(b->p);
	*b = (struct sbuf){ 0 };
}

/* ---- raw writers: the caller has reserved room ---- */

static char *w_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

#define W_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

static char *w_u64(char *p, uint64_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char tmp[20], *t = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		*--t = pairs[d + 1];
		*--t = pairs[d];
	}
	if (v >= 10) {
		*--t = pairs[v * 2 + 1];
		*--t = pairs[v * 2];
	} else {
		*--t = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - t);
	memcpy(p, t, n);
	return p + n;
}

static char *w_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return w_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return w_u64(p, (uint64_t)v);
}

/* "0x" and lower-case hex digits without leading zeros, as /proc/PID/maps and list. */
static char *w_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int n = v ? (67 - __builtin_clzll(v)) / 4 : 1;
	char *q;

	*p++ = '0';
	*p++ = 'x';
	for (q = p + n; q > p; v >>= 4)
		*--q = digits[v & 15];
	return p + n;
}

/* Pads with spaces from start to width characters. */
static char *w_pad(char *p, char *start, size_t width)
{
	while ((size_t)(p - start) < width)
		*p++ = ' ';
	*p++ = ' ';
	return p;
}

/* Length of the valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF are invalid. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static char *w_json_str(char *p, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	*p++ = '"';
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t l;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*p++ = (char)c;
			i++;
		} else if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			p = W_LIT(p, "\\u00");
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
			i++;
		} else if ((l = utf8_len(s + i, n - i))) {
			memcpy(p, s + i, l);
			p += l;
			i += l;
		} else {
			p = W_LIT(p, "\\ufffd");
			i++;
		}
	}
	*p++ = '"';
	return p;
}

static char *w_text_str(char *p, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t l;

		if (c > 0x20 && c < 0x7f && c != '\\') {
			*p++ = (char)c;
			i++;
		} else if (c >= 0x80 && (l = utf8_len(s + i, n - i)) > 1) {
			memcpy(p, s + i, l);
			p += l;
			i += l;
		} else {
			/* Spaces too: the file name stays one word in the table. */
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
			i++;
		}
	}
	return p;
}

void sb_json_str(struct sbuf *b, const char *s, size_t n)
{
	if (n > (SIZE_MAX - 2) / 6 || !sb_reserve(b, n * 6 + 2))
		return;
	b->len = (size_t)(w_json_str(b->p + b->len, s, n) - b->p);
}

void sb_text_str(struct sbuf *b, const char *s, size_t n)
{
	if (n > SIZE_MAX / 4 || !sb_reserve(b, n * 4))
		return;
	b->len = (size_t)(w_text_str(b->p + b->len, s, n) - b->p);
}

/* ---- pure helpers ---- */

const char *dumpfmt_errno_name(int64_t res)
{
	if (res >= 0 || res < -4095)
		return NULL;
	return strerrorname_np((int)-res);
}

static const struct {
	unsigned bit;
	const char *name;
} problem_names[] = {
	{ RING_TRUNCATED, "truncated" },
	{ RING_BAD_MAGIC, "bad magic" },
	{ RING_BAD_FEATURES, "bad features" },
	{ RING_BAD_HDRLEN, "bad header length" },
	{ RING_BAD_SIZE, "size mismatch" },
	{ RING_BAD_HEAD, "head past nr" },
	{ RING_BAD_TAIL, "tail past nr" },
	{ RING_BAD_OFFSET, "file offset not 0" },
};

size_t dumpfmt_problems(unsigned problems, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(problem_names) / sizeof(problem_names[0]) && n < max; i++)
		if (problems & problem_names[i].bit)
			names[n++] = problem_names[i].name;
	return n;
}

size_t dumpfmt_slot_ranges(const struct ring_header *h, uint32_t cap, bool all,
			   uint32_t from[2], uint32_t to[2])
{
	uint32_t lim = h->nr < cap ? h->nr : cap;
	size_t n = 0;

	if (all) {
		if (!lim)
			return 0;
		from[0] = 0;
		to[0] = lim;
		return 1;
	}
	if (ring_pending(h) == 0)
		return 0;
	if (h->head < h->tail) {
		if (h->head < lim) {
			from[n] = h->head;
			to[n++] = h->tail < lim ? h->tail : lim;
		}
		return n;
	}
	/* Wrapped: head..nr, then 0..tail. */
	if (h->head < lim) {
		from[n] = h->head;
		to[n++] = lim;
	}
	if (h->tail > 0 && lim > 0) {
		from[n] = 0;
		to[n++] = h->tail < lim ? h->tail : lim;
	}
	return n;
}

bool dumpfmt_slot_pending(const struct ring_header *h, uint32_t slot)
{
	if (ring_pending(h) == 0 || slot >= h->nr)
		return false;
	if (h->head < h->tail)
		return slot >= h->head && slot < h->tail;
	return slot >= h->head || slot < h->tail;
}

/* ---- text ---- */

static void text_problem_details(struct sbuf *b, const struct dump_ring *r)
{
	const struct ring_header *h = &r->hdr;
	char *p;

	if (!sb_reserve(b, 1024))
		return;
	p = b->p + b->len;
	if (r->problems & RING_TRUNCATED)
		p = W_LIT(p, "    truncated: fewer bytes could be read than the mapping holds\n");
	if (r->problems & RING_BAD_MAGIC) {
		p = W_LIT(p, "    bad magic: ");
		p = w_hex(p, h->magic);
		p = W_LIT(p, ", expected 0xa10a10a1\n");
	}
	if (r->problems & RING_BAD_FEATURES) {
		p = W_LIT(p, "    bad features: compat ");
		p = w_u64(p, h->compat_features);
		p = W_LIT(p, ", incompat ");
		p = w_u64(p, h->incompat_features);
		p = W_LIT(p, ", expected 1 and 0\n");
	}
	if (r->problems & RING_BAD_HDRLEN) {
		p = W_LIT(p, "    bad header length: ");
		p = w_u64(p, h->header_length);
		p = W_LIT(p, ", expected 32\n");
	}
	if (r->problems & RING_BAD_SIZE) {
		p = W_LIT(p, "    size mismatch: nr ");
		p = w_u64(p, h->nr);
		p = W_LIT(p, " needs ");
		p = w_u64(p, ((uint64_t)h->nr + 1) * AIO_EVENT_SIZE);
		p = W_LIT(p, " bytes, the mapping has ");
		p = w_u64(p, r->size);
		p = W_LIT(p, " (shrunk, split or forged)\n");
	}
	if (r->problems & RING_BAD_HEAD) {
		p = W_LIT(p, "    head past nr: head ");
		p = w_u64(p, h->head);
		p = W_LIT(p, ", nr ");
		p = w_u64(p, h->nr);
		*p++ = '\n';
	}
	if (r->problems & RING_BAD_TAIL) {
		p = W_LIT(p, "    tail past nr: tail ");
		p = w_u64(p, h->tail);
		p = W_LIT(p, ", nr ");
		p = w_u64(p, h->nr);
		*p++ = '\n';
	}
	if (r->problems & RING_BAD_OFFSET)
		p = W_LIT(p, "    file offset not 0: only part of the ring is mapped here\n");
	b->len = (size_t)(p - b->p);
}

void dumpfmt_text_ring(struct sbuf *b, pid_t pid, const struct dump_ring *r, bool all)
{
	const struct ring_header *h = &r->hdr;
	char *p;

	if (!sb_reserve(b, 1024))
		return;
	p = b->p + b->len;
	p = W_LIT(p, "pid ");
	p = w_u64(p, (uint64_t)pid);
	p = W_LIT(p, " ring ");
	p = w_hex(p, r->addr);
	p = W_LIT(p, ": ");
	p = w_u64(p, r->size);
	p = W_LIT(p, " bytes, inode ");
	p = w_u64(p, r->inode);
	p = W_LIT(p, ", state ");
	p = w_str(p, r->state);
	*p++ = '\n';
	b->len = (size_t)(p - b->p);
	if (r->message) {
		sb_puts(b, "  ");
		sb_text_str(b, r->message, strlen(r->message));
		sb_puts(b, "\n");
	}
	if (!r->have_hdr)
		return;
	if (!sb_reserve(b, 512))
		return;
	p = b->p + b->len;
	p = W_LIT(p, "  id ");
	p = w_u64(p, h->id);
	p = W_LIT(p, ", nr ");
	p = w_u64(p, h->nr);
	p = W_LIT(p, ", head ");
	p = w_u64(p, h->head);
	p = W_LIT(p, ", tail ");
	p = w_u64(p, h->tail);
	p = W_LIT(p, ", magic ");
	p = w_hex(p, h->magic);
	p = W_LIT(p, ", compat_features ");
	p = w_u64(p, h->compat_features);
	p = W_LIT(p, ", incompat_features ");
	p = w_u64(p, h->incompat_features);
	p = W_LIT(p, ", header_length ");
	p = w_u64(p, h->header_length);
	*p++ = '\n';
	if (!r->problems) {
		p = W_LIT(p, "  check: ok\n");
	} else {
		p = W_LIT(p, "  check: NOT a sane ring:\n");
	}
	b->len = (size_t)(p - b->p);
	if (r->problems)
		text_problem_details(b, r);
	if (!sb_reserve(b, 512))
		return;
	p = b->p + b->len;
	p = W_LIT(p, "  ");
	p = w_u64(p, r->pending);
	p = W_LIT(p, " pending completion");
	if (r->pending != 1)
		*p++ = 's';
	if (all) {
		p = W_LIT(p, "; all ");
		p = w_u64(p, r->shown);
		p = W_LIT(p, " slots shown, * marks the pending ones");
	} else if (r->shown != r->pending) {
		p = W_LIT(p, "; ");
		p = w_u64(p, r->shown);
		p = W_LIT(p, " lie inside the mapping and are shown");
	}
	*p++ = '\n';
	if (r->shown) {
		char *start = p;
		p = W_LIT(p, "  SLOT");
		p = w_pad(p, start, 9);
		p = W_LIT(p, "DATA");
		p = w_pad(p, start, 28);
		p = W_LIT(p, "OBJ");
		p = w_pad(p, start, 47);
		p = W_LIT(p, "RES");
		p = w_pad(p, start, 64);
		p = W_LIT(p, "RES2");
		p = w_pad(p, start, 70);
		p = W_LIT(p, "IOCB (read now)\n");
	}
	b->len = (size_t)(p - b->p);
}

static char *w_text_iocb(char *p, const struct dump_event *e)
{
	const struct iocb_view *cb = &e->cb;
	const char *op = iocb_opcode_name(cb->opcode);
	bool vec = cb->opcode == 7 || cb->opcode == 8;

	if (op) {
		p = w_str(p, op);
	} else {
		p = W_LIT(p, "opcode?");
		p = w_u64(p, cb->opcode);
	}
	p = W_LIT(p, " fd ");
	p = w_u64(p, cb->fd);
	*p++ = ' ';
	if (e->file) {
		p = w_text_str(p, e->file, e->file_len);
	} else if (e->file_err == 2 /* ENOENT */) {
		p = W_LIT(p, "(not-open-now)");
	} else {
		p = W_LIT(p, "(unknown)");
	}
	p = vec ? W_LIT(p, " iov ") : W_LIT(p, " buf ");
	p = w_hex(p, cb->buf);
	p = vec ? W_LIT(p, " iovcnt ") : W_LIT(p, " nbytes ");
	p = w_u64(p, cb->nbytes);
	p = W_LIT(p, " offset ");
	p = w_i64(p, cb->offset);
	p = W_LIT(p, " flags ");
	p = w_hex(p, cb->flags);
	p = W_LIT(p, " resfd ");
	p = w_u64(p, cb->resfd);
	p = W_LIT(p, " reqprio ");
	p = w_i64(p, cb->reqprio);
	if (cb->rw_flags) {
		p = W_LIT(p, " rw_flags ");
		p = w_hex(p, cb->rw_flags);
	}
	p = W_LIT(p, " data ");
	p = w_hex(p, cb->data);
	if (cb->data != e->ev.data)
		p = W_LIT(p, " REUSED (aio_data differs from the event's data)");
	return p;
}

void dumpfmt_text_event(struct sbuf *b, const struct dump_event *e, bool mark_pending)
{
	char *p, *start;
	const char *name;

	if (!sb_reserve(b, EVENT_MAX + (e->file ? e->file_len * 4 : 0)))
		return;
	p = start = b->p + b->len;
	p = W_LIT(p, "  ");
	if (mark_pending && e->pending)
		p[-2] = '*';
	p = w_u64(p, e->slot);
	p = w_pad(p, start, 9);
	p = w_hex(p, e->ev.data);
	p = w_pad(p, start, 28);
	p = w_hex(p, e->ev.obj);
	p = w_pad(p, start, 47);
	p = w_i64(p, e->ev.res);
	if ((name = dumpfmt_errno_name(e->ev.res))) {
		*p++ = '(';
		p = w_str(p, name);
		*p++ = ')';
	}
	p = w_pad(p, start, 64);
	p = w_i64(p, e->ev.res2);
	p = w_pad(p, start, 70);
	if (e->iocb_err == DUMP_IOCB_OK) {
		p = w_text_iocb(p, e);
	} else if (e->iocb_err == DUMP_IOCB_NOT_USER) {
		p = e->ev.obj ? W_LIT(p, "- (obj is not a user address)") : W_LIT(p, "-");
	} else if (e->iocb_err == DUMP_IOCB_NOT_READ) {
		p = W_LIT(p, "-");
	} else {
		p = W_LIT(p, "- (unreadable: ");
		p = w_str(p, strerror(e->iocb_err));
		*p++ = ')';
	}
	*p++ = '\n';
	b->len = (size_t)(p - b->p);
}

/* ---- JSON ---- */

void dumpfmt_json_begin(struct sbuf *b, pid_t pid)
{
	char *p;

	if (!sb_reserve(b, 64))
		return;
	p = b->p + b->len;
	p = W_LIT(p, "{\"pid\":");
	p = w_u64(p, (uint64_t)pid);
	p = W_LIT(p, ",\"rings\":[");
	b->len = (size_t)(p - b->p);
}

void dumpfmt_json_ring_begin(struct sbuf *b, const struct dump_ring *r, bool first)
{
	const struct ring_header *h = &r->hdr;
	const char *names[16];
	size_t np = dumpfmt_problems(r->problems, names, 16);
	char *p;

	if (!sb_reserve(b, 2048))
		return;
	p = b->p + b->len;
	if (!first)
		*p++ = ',';
	p = W_LIT(p, "{\"addr\":\"");
	p = w_hex(p, r->addr);
	p = W_LIT(p, "\",\"size\":");
	p = w_u64(p, r->size);
	p = W_LIT(p, ",\"inode\":");
	p = w_u64(p, r->inode);
	p = W_LIT(p, ",\"state\":\"");
	p = w_str(p, r->state);
	p = W_LIT(p, "\",\"message\":");
	b->len = (size_t)(p - b->p);
	if (r->message)
		sb_json_str(b, r->message, strlen(r->message));
	else
		sb_puts(b, "null");
	if (!sb_reserve(b, 1024))
		return;
	p = b->p + b->len;
	if (r->have_hdr) {
		p = W_LIT(p, ",\"id\":");
		p = w_u64(p, h->id);
		p = W_LIT(p, ",\"nr\":");
		p = w_u64(p, h->nr);
		p = W_LIT(p, ",\"head\":");
		p = w_u64(p, h->head);
		p = W_LIT(p, ",\"tail\":");
		p = w_u64(p, h->tail);
		p = W_LIT(p, ",\"magic\":");
		p = w_u64(p, h->magic);
		p = W_LIT(p, ",\"compat_features\":");
		p = w_u64(p, h->compat_features);
		p = W_LIT(p, ",\"incompat_features\":");
		p = w_u64(p, h->incompat_features);
		p = W_LIT(p, ",\"header_length\":");
		p = w_u64(p, h->header_length);
	} else {
		p = W_LIT(p, ",\"id\":null,\"nr\":null,\"head\":null,\"tail\":null,\"magic\":null,"
			  "\"compat_features\":null,\"incompat_features\":null,\"header_length\":null");
	}
	p = W_LIT(p, ",\"problems\":[");
	for (size_t i = 0; i < np; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		p = w_str(p, names[i]);
		*p++ = '"';
	}
	p = W_LIT(p, "],\"pending\":");
	p = w_u64(p, r->pending);
	p = W_LIT(p, ",\"events\":[");
	b->len = (size_t)(p - b->p);
}

void dumpfmt_json_event(struct sbuf *b, const struct dump_event *e, bool first, bool all)
{
	const struct iocb_view *cb = &e->cb;
	const char *name;
	size_t flen = e->file_json ? e->file_json_len : e->file ? e->file_len * 6 + 2 : 4;
	char *p;

	if (!sb_reserve(b, EVENT_MAX + flen))
		return;
	p = b->p + b->len;
	if (!first)
		*p++ = ',';
	p = W_LIT(p, "{\"slot\":");
	p = w_u64(p, e->slot);
	if (all)
		p = e->pending ? W_LIT(p, ",\"pending\":true") : W_LIT(p, ",\"pending\":false");
	p = W_LIT(p, ",\"data\":\"");
	p = w_hex(p, e->ev.data);
	p = W_LIT(p, "\",\"obj\":\"");
	p = w_hex(p, e->ev.obj);
	p = W_LIT(p, "\",\"res\":");
	p = w_i64(p, e->ev.res);
	if ((name = dumpfmt_errno_name(e->ev.res))) {
		p = W_LIT(p, ",\"res_errno\":\"");
		p = w_str(p, name);
		*p++ = '"';
	}
	p = W_LIT(p, ",\"res2\":");
	p = w_i64(p, e->ev.res2);
	if (e->iocb_err != DUMP_IOCB_OK) {
		p = W_LIT(p, ",\"iocb\":null,\"iocb_error\":\"");
		if (e->iocb_err == DUMP_IOCB_NOT_USER)
			p = W_LIT(p, "obj is not a user address");
		else if (e->iocb_err == DUMP_IOCB_NOT_READ)
			p = W_LIT(p, "not read");
		else
			p = w_str(p, strerror(e->iocb_err));
		p = W_LIT(p, "\"}");
		b->len = (size_t)(p - b->p);
		return;
	}
	p = W_LIT(p, ",\"iocb\":{\"read_now\":true,\"opcode\":\"");
	if ((name = iocb_opcode_name(cb->opcode))) {
		p = w_str(p, name);
	} else {
		p = W_LIT(p, "unknown ");
		p = w_u64(p, cb->opcode);
	}
	p = W_LIT(p, "\",\"fd\":");
	p = w_u64(p, cb->fd);
	p = W_LIT(p, ",\"file\":");
	if (e->file_json) {
		memcpy(p, e->file_json, e->file_json_len);
		p += e->file_json_len;
	} else {
		p = e->file ? w_json_str(p, e->file, e->file_len) : W_LIT(p, "null");
	}
	p = W_LIT(p, ",\"buf\":\"");
	p = w_hex(p, cb->buf);
	p = W_LIT(p, "\",\"nbytes\":");
	p = w_u64(p, cb->nbytes);
	p = W_LIT(p, ",\"offset\":");
	p = w_i64(p, cb->offset);
	p = W_LIT(p, ",\"flags\":");
	p = w_u64(p, cb->flags);
	p = W_LIT(p, ",\"resfd\":");
	p = w_u64(p, cb->resfd);
	p = W_LIT(p, ",\"reqprio\":");
	p = w_i64(p, cb->reqprio);
	p = W_LIT(p, ",\"rw_flags\":");
	p = w_u64(p, cb->rw_flags);
	p = W_LIT(p, ",\"data\":\"");
	p = w_hex(p, cb->data);
	p = cb->data == e->ev.data ? W_LIT(p, "\",\"reused\":false}}")
				   : W_LIT(p, "\",\"reused\":true}}");
	b->len = (size_t)(p - b->p);
}

void dumpfmt_json_ring_end(struct sbuf *b)
{
	sb_put(b, "]}", 2);
}

void dumpfmt_json_end(struct sbuf *b)
{
	sb_put(b, "]}\n", 3);
}
